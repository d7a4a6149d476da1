"""An applicant for protection's identity never goes to the authorities of the country of origin.

One rule for every message type (``check``, called by ``workflows._draft`` on every message
this node drafts, after its body is built): each ``Kind`` declares the body members that
identify the person (``Kind.identity``); a message carrying any of them about a person who
applied for international protection here is refused when it is addressed to the person's
country of origin (their nationality or citizenship, or a conversation whose other country is
recorded as the origin: ``roles.is_origin``). Only a route alert (``Kind.origin_override``)
may go there, when the sender records why it is safe for this person (``safe_reason``).

A refusal is a ``ValidationError`` (400) naming the type, never the person; ``audited``
records it after the verb's transaction rolled back, so the refusal stays in the audit log
although nothing was stored or sent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from django.db.models import Model
from django.utils.translation import gettext as _

from trm.audit.refusals import record_refusal
from trm.lib.refusals import ValidationError
from trm.transnational import roles

P = ParamSpec("P")
R = TypeVar("R")


class IdentityRefused(ValidationError):
    """An identity-bearing message about an applicant for protection, to the country of origin."""

    def __init__(self, type_: str) -> None:
        super().__init__(
            _(
                "The person applied for international protection: their identity is never sent to the "
                "authorities of their country of origin."
            ),
            code="asylum_identity_to_origin",
        )
        self.type = type_


def carried(identity: tuple[str, ...], body: Mapping[str, Any]) -> list[str]:
    """The identifying members (of ``identity``) present in the body."""
    return [m for m in identity if m in body]


def check(
    kind: Any, *, case: Any, country: str, role: str = "", body: Mapping[str, Any], safe_reason: str = ""
) -> bool:
    """Refuse ``body`` of ``kind`` to ``country`` if it identifies an applicant for protection from there.

    Returns True when the message goes to the country of origin on the sender's recorded
    reason (only a kind with ``origin_override``), False when the rule does not apply.
    """
    if not roles.applied_for_protection(case) or not roles.is_origin(case, country, role):
        return False
    if not carried(kind.identity, body):
        return False
    if kind.origin_override and safe_reason.strip():
        return True
    raise IdentityRefused(kind.type)


def audited(verb: Callable[P, R]) -> Callable[P, R]:
    """Run a sending verb; audit an ``IdentityRefused`` (after the rollback) and re-raise it."""

    @functools.wraps(verb)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return verb(*args, **kwargs)
        except IdentityRefused as exc:
            target = args[0] if args and isinstance(args[0], Model) else None
            record_refusal(
                None,
                status=400,
                user=kwargs.get("by"),
                obj=target,
                object_type="" if target is not None else "transnational.link",
                fields=[exc.type],
                note="identity to the country of origin of an applicant for protection",
            )
            raise

    return run

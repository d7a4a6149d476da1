"""record(): append one entry to the audit chain, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from trm.accounts.access import signed_in
from trm.accounts.models import Viewer
from trm.audit import chain
from trm.audit.events import Action
from trm.audit.models import AuditEvent, AuditHead


def _ref(obj: models.Model | None, object_type: str, object_ref: str) -> tuple[str, str]:
    if obj is None:
        return object_type, object_ref
    ref = getattr(obj, "audit_ref", None) or str(obj.pk)
    return object_type or obj._meta.label_lower, str(ref)


def record(
    actor: Viewer | None,
    action: Action | str,
    obj: models.Model | None = None,
    *,
    object_type: str = "",
    object_ref: str = "",
    fields: Iterable[str] = (),
    note: str = "",
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append an audit entry. ``fields`` names what changed or was shown; never values.

    ``note`` is a short non-personal remark (a state name, an error code).
    """
    otype, oref = _ref(obj, object_type, object_ref)
    user = actor if signed_in(actor) else None
    with transaction.atomic():
        head, _created = AuditHead.objects.select_for_update().get_or_create(
            id=1, defaults={"seq": 0, "hash": chain.GENESIS}
        )
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor_id=user.pk if user is not None else None,
            actor_label=user.get_username() if user is not None else "",
            organisation_id=user.organisation_id if user is not None else None,
            action=str(action),
            object_type=otype,
            object_ref=oref,
            fields=sorted(set(fields)),
            note=note[:200],
            remote_addr=(request.META.get("REMOTE_ADDR") or None) if request is not None else None,
            prev_hash=head.hash,
        )
        event.hash = chain.link(head.hash, event.chained_fields())
        event.save(force_insert=True)
        head.seq = event.seq
        head.hash = event.hash
        head.save(update_fields=["seq", "hash"])
    return event

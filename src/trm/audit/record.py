"""record(): append one entry to the audit chain, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from trm.accounts.access import signed_in
from trm.accounts.models import User, Viewer
from trm.audit import chain
from trm.audit.events import Action
from trm.audit.models import AuditEvent, AuditHead


def _ref(obj: models.Model | None, object_type: str, object_ref: str) -> tuple[str, str]:
    if obj is None:
        return object_type, object_ref
    ref = getattr(obj, "audit_ref", None) or str(obj.pk)
    return object_type or obj._meta.label_lower, str(ref)


@dataclass(frozen=True)
class Entry:
    """One entry for ``record_many``: what ``record`` takes, without a person or a request."""

    action: Action | str
    obj: models.Model | None = None
    object_type: str = ""
    object_ref: str = ""
    fields: Iterable[str] = ()
    note: str = ""


def _event(
    head: AuditHead,
    user: User | None,
    action: Action | str,
    otype: str,
    oref: str,
    fields: Iterable[str],
    note: str,
    request: HttpRequest | None,
) -> AuditEvent:
    """The next entry after ``head``, chained to it; moves ``head`` on (not saved)."""
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
    head.seq = event.seq
    head.hash = event.hash
    return event


def _locked_head() -> AuditHead:
    head, _created = AuditHead.objects.select_for_update().get_or_create(
        id=1, defaults={"seq": 0, "hash": chain.GENESIS}
    )
    return head


def _move(head: AuditHead) -> None:
    # A plain UPDATE: the head is no model anyone listens to (no save signals to send).
    AuditHead.objects.filter(id=head.id).update(seq=head.seq, hash=head.hash)


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
    # No savepoint: an entry that fails must fail the caller's transaction with it (the
    # write it records is never kept without it), and it spares two statements.
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        event = _event(head, user, action, otype, oref, fields, note, request)
        event.save(force_insert=True)
        _move(head)
    return event


def record_many(entries: Sequence[Entry]) -> list[AuditEvent]:
    """Append several entries of the node itself (no person), in order, under one lock of the head.

    The same entries as one ``record`` call each, chained one after the other; one lock, one
    insert and one update of the head instead of one of each per entry.
    """
    if not entries:
        return []
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        events = []
        for entry in entries:
            otype, oref = _ref(entry.obj, entry.object_type, entry.object_ref)
            events.append(_event(head, None, entry.action, otype, oref, entry.fields, entry.note, None))
        AuditEvent.objects.bulk_create(events)
        _move(head)
    return events

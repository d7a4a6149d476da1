"""The verbs of group cases: record a group, link a case to it, share its reference with another node.

A group (an employer, a workplace, a recruiter or a begging network) links the cases of
its victims at this node. Its shared reference is random (``G-`` and 32 hex digits) and says
nothing about the group; sharing it in the conversation about one victim's case (trm/1
``group_reference``, §5.29) lets the other node link its own case to the same group, and
see which of its cases belong to it, without either node learning the other's victims.
Each verb checks its actor (``compensation_access``), runs in one transaction, calls
``full_clean()`` and writes its audit entry (field names only).
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import access as case_access
from trm.cases.models import Case
from trm.exchange import inbox
from trm.exchange.models import InboxMessage
from trm.justice import compensation, compensation_access
from trm.justice.models.groups import Group, GroupKind, GroupMember, GroupShare, Sector
from trm.justice.refusals import invalid
from trm.lib.refusals import Conflict, Http404, PermissionDenied, ValidationError
from trm.transnational import handlers, workflows
from trm.transnational.models import Link
from trm.vocab.countries import validate_country

FIELDS = ("kind", "sector", "name", "workplace", "country", "wages_owed", "currency", "hours_owed", "inspection_ref")


def _require_recorder(by: Any) -> None:
    if not compensation_access.may_record_groups(by):
        raise PermissionDenied(_("Only the focal point records group cases."))


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    if out.get("kind") not in GroupKind.values:
        raise invalid("kind", _("Choose the kind of group."), "kind")
    if out.get("sector") not in Sector.values:
        raise invalid("sector", _("Choose the sector."), "sector")
    wages = out.get("wages_owed")
    if wages not in (None, ""):
        out["wages_owed"] = compensation.amount(wages, "wages_owed")
        out["currency"] = compensation.currency(out.get("currency"))
    else:
        out["wages_owed"] = None
        out["currency"] = compensation.currency(out["currency"]) if out.get("currency") else ""
    hours = out.get("hours_owed")
    if hours not in (None, ""):
        out["hours_owed"] = compensation.amount(hours, "hours_owed")
    else:
        out["hours_owed"] = None
    for key in ("name", "workplace", "country", "inspection_ref"):
        out[key] = str(out.get(key) or "").strip()
    out["country"] = out["country"].upper()
    if out["country"]:
        try:
            validate_country(out["country"])
        except ValidationError:
            raise invalid(
                "country", _("Give the country as its ISO 3166 two-letter code, e.g. RO."), "unknown_country"
            ) from None
    return out


@transaction.atomic
def record_group(*, by: Any, **values: Any) -> Group:
    _require_recorder(by)
    clean = _clean({k: values.get(k) for k in FIELDS})
    group = Group(
        reference=f"GC-{secrets.token_hex(4).upper()}", shared_ref=f"G-{uuid.uuid4().hex}", created_by=by, **clean
    )
    group.full_clean()
    group.save()
    record(by, Action.CREATE, group, fields=[k for k in FIELDS if clean.get(k) not in (None, "")])
    return group


@transaction.atomic
def update_group(group: Group, *, by: Any, **values: Any) -> Group:
    _require_recorder(by)
    group = Group.objects.select_for_update().get(pk=group.pk)
    clean = _clean({k: values.get(k, getattr(group, k)) for k in FIELDS})
    changed = [k for k in FIELDS if clean[k] != getattr(group, k)]
    for key in FIELDS:
        setattr(group, key, clean[key])
    group.full_clean()
    group.save(update_fields=[*FIELDS, "updated_at"])
    record(by, Action.UPDATE, group, fields=changed)
    return group


@transaction.atomic
def link_case(group: Group, case: Case, *, by: Any) -> GroupMember:
    """Add a victim's case to the group: the actor manages the case and records groups."""
    _require_recorder(by)
    case_access.check_actor(by, case, allowed=case_access.can_manage(by, case))
    if GroupMember.objects.filter(group=group, case=case).exists():
        raise Conflict(_("This case is in the group already."), code="member")
    member = GroupMember(group=group, case=case, added_by=by)
    member.full_clean()
    member.save()
    record(by, Action.UPDATE, group, fields=["members"], note="case linked")
    return member


@transaction.atomic
def unlink_case(group: Group, case: Case, *, by: Any) -> None:
    _require_recorder(by)
    case_access.check_actor(by, case, allowed=case_access.can_manage(by, case))
    deleted, _rows = GroupMember.objects.filter(group=group, case=case).delete()
    if not deleted:
        raise Http404
    record(by, Action.UPDATE, group, fields=["members"], note="case unlinked")


def shareable_links(group: Group, user: Any) -> list[Link]:
    """The live conversations about the group's cases here, where its reference may be sent."""
    from trm.transnational import access as link_access

    cases = group.members.values("case_id")
    links = link_access.visible_links(user).filter(case__in=cases).select_related("case").order_by("-updated_at")
    return [link for link in links if link.is_live]


@transaction.atomic
def share(group: Group, *, link: Link, by: Any) -> GroupShare:
    """Send the group's pseudonymous reference in the conversation about one of its cases."""
    _require_recorder(by)
    if link.case_id is None or not group.members.filter(case_id=link.case_id).exists():
        raise invalid("link", _("Choose a conversation about a case of this group."), "link")
    if GroupShare.objects.filter(group=group, link=link, sent=True).exists():
        raise Conflict(_("The group's reference was sent in this conversation already."), code="shared")
    data = {"group_ref": group.shared_ref, "group_kind": group.kind, "sector": group.sector, "country": group.country}
    workflows.send_own(link, kind="group_reference", data=data, by=by)
    shared = GroupShare(group=group, link=link, sent=True)
    shared.save()
    record(by, Action.SEND, group, fields=["shared_ref"], note=f"to {link.peer}")
    return shared


def on_group_reference(row: InboxMessage, link: Link) -> None:
    """Link the conversation's case here to the group of that reference (recorded here or new)."""
    body = dict(row.envelope.get("body", {}))
    if link.case is None:
        raise inbox.Unprocessable("no_linked_case")
    group = Group.objects.select_for_update().filter(shared_ref=body["group_ref"]).first()
    if group is None:
        group = Group(
            reference=f"GC-{secrets.token_hex(4).upper()}",
            shared_ref=body["group_ref"],
            kind=body["group_kind"],
            sector=body.get("sector", Sector.OTHER),
            country=str(body.get("country", "")),
            shared_by=row.sender,
        )
        group.full_clean()
        group.save()
        record(None, Action.CREATE, group, fields=["shared_ref", "kind", "sector"], note="received")
    GroupMember.objects.get_or_create(group=group, case=link.case)
    GroupShare.objects.get_or_create(group=group, link=link, sent=False)
    record(None, Action.RECEIVE, group, fields=["members"], note=row.type)


def register() -> None:
    handlers.delegate("group_reference", on_group_reference)

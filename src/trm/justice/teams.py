"""Joint investigation teams: who sees a team, and the verbs that change one or share its items.

Only the criminal track (``Cap.CRIMINAL_TRACK``) works with teams, and only the team's own
members on this node (and whoever set it up) see one: anyone else gets a 404, as for a
team that does not exist. Every verb checks, writes in one transaction and is audited.

What the receiving node enforces, per item (trm/1 §5.30), from the codes the party it
came from gave it:

| the item has                       | refused                                    |
|------------------------------------|--------------------------------------------|
| ``H2`` or ``H3``                    | passing it on to another party; exporting it |
| ``H1``, or no ``evidence`` use       | recording it as evidence                   |

And only within the team's period (``starts_on`` to ``ends_on``) are items shared or passed
on; before or after it, both are refused.

A refusal is a ``Conflict`` (``HandlingRefused``: HTTP 409, a message on the page), audited
once by the verb (the page marks the request so that the refusal middleware writes no second
entry), and sends or changes nothing.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import access as case_access
from trm.exchange import inbox, keys, outbox
from trm.exchange.models import InboxMessage
from trm.exchange.protocol import Handling
from trm.justice.models.teams import (
    HandlingCode,
    ItemDirection,
    JointTeam,
    PermittedUse,
    SharedItem,
    TeamCase,
    TeamMember,
    TeamParty,
)
from trm.lib.refusals import Conflict

TYPE = "jit_item"
PURPOSE = "joint_investigation"
LEGAL_BASIS = "legal_obligation"
# The reason kept on an item for an operation this node holds no team for (trm/1 §5.30).
UNKNOWN_OPERATION = "unknown_operation"
NOT_PASSED_ON = frozenset({HandlingCode.H2, HandlingCode.H3})


# --- who sees what -----------------------------------------------------------------------------


def may_use(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.can(Cap.CRIMINAL_TRACK))


def visible_teams(user: Any) -> QuerySet[JointTeam]:
    if not may_use(user):
        return JointTeam.objects.none()
    return JointTeam.objects.filter(Q(created_by=user) | Q(members__user=user)).distinct()


def get_team_for(user: Any, operation_ref: str) -> JointTeam:
    team = visible_teams(user).filter(operation_ref=operation_ref).first()
    if team is None:
        raise Http404
    return team


def get_item_for(user: Any, operation_ref: str, item_id: int) -> SharedItem:
    team = get_team_for(user, operation_ref)
    item = team.items.filter(pk=item_id).first()
    if item is None:
        raise Http404
    return item


# --- the team -----------------------------------------------------------------------------------


def _own_country() -> str:
    return str(settings.TRM_COUNTRY)


def create_team(user: Any, *, agreement_ref: str, purpose: str, starts_on: Any, ends_on: Any) -> JointTeam:
    """Record a team this node's authorities are party to; this node's country is its first party."""
    if not may_use(user):
        raise Http404
    team = JointTeam(
        agreement_ref=agreement_ref, purpose=purpose, starts_on=starts_on, ends_on=ends_on, created_by=user
    )
    team.full_clean()
    with transaction.atomic():
        team.save()
        TeamParty.objects.create(
            team=team, country=_own_country(), node=settings.TRM_NODE_ID, authority=str(user.organisation or "")
        )
        TeamMember.objects.create(
            team=team,
            name=user.get_full_name() or user.get_username(),
            organisation=str(user.organisation or ""),
            country=_own_country(),
            user=user,
        )
        record(user, Action.CREATE, team, fields=["agreement_ref", "purpose", "starts_on", "ends_on"])
    return team


def join_team(user: Any, *, operation_ref: str, **fields: Any) -> JointTeam:
    """Record, on this node, a team another party set up: same operation reference."""
    if JointTeam.objects.filter(operation_ref=operation_ref).exists():
        raise ValidationError({"operation_ref": [_("A team with this operation reference is already recorded.")]})
    team = JointTeam(operation_ref=operation_ref)
    team.full_clean(exclude=[f.name for f in JointTeam._meta.fields if f.name != "operation_ref"])
    created = create_team(user, **fields)
    created.operation_ref = operation_ref
    created.save(update_fields=["operation_ref"])
    return created


def add_party(user: Any, team: JointTeam, *, country: str, node: str, authority: str) -> TeamParty:
    if node:
        try:
            entry = keys.current_trust_list(now=timezone.now()).node(node, at=timezone.now())
        except Exception:
            raise ValidationError({"node": [_("This node is not on the network's trust list.")]}) from None
        if entry.country != country:
            raise ValidationError({"node": [_("This node belongs to another country.")]})
    if team.parties.filter(country=country).exists():
        raise ValidationError({"country": [_("This country is already a party to the team.")]})
    party = TeamParty(team=team, country=country, node=node, authority=authority)
    party.full_clean()
    with transaction.atomic():
        party.save()
        record(user, Action.UPDATE, team, fields=["parties"], note=f"party {country}")
    return party


def add_member(
    user: Any, team: JointTeam, *, name: str, organisation: str, country: str, function: str = "", username: str = ""
) -> TeamMember:
    from trm.accounts.models import User

    account = None
    if username:
        account = User.objects.filter(username=username, is_active=True).first()
        if account is None or not account.can(Cap.CRIMINAL_TRACK):
            raise ValidationError({"username": [_("No member of the criminal track has this user name here.")]})
    if not team.parties.filter(country=country).exists():
        raise ValidationError({"country": [_("Members come from the team's parties: add the country first.")]})
    member = TeamMember(
        team=team, name=name, organisation=organisation, country=country, function=function, user=account
    )
    member.full_clean()
    with transaction.atomic():
        member.save()
        record(user, Action.UPDATE, team, fields=["members"])
    return member


def link_case(user: Any, team: JointTeam, *, reference: str) -> TeamCase:
    """Link a case of this node the user may see; the case itself stays where it is."""
    try:
        case = case_access.get_case_for(user, reference)
    except Http404:
        raise ValidationError({"reference": [_("No case with this reference that you may see.")]}) from None
    if TeamCase.objects.filter(team=team, case=case).exists():
        raise ValidationError({"reference": [_("This case is already linked to the team.")]})
    with transaction.atomic():
        link = TeamCase.objects.create(team=team, case=case)
        record(user, Action.UPDATE, team, fields=["cases"])
    return link


# --- items --------------------------------------------------------------------------------------


def handling_of(codes: Iterable[str], text: str) -> Handling:
    codes = tuple(dict.fromkeys(codes))
    if not codes:
        raise ValidationError({"handling_codes": [_("Choose at least one handling code.")]})
    if any(code not in HandlingCode.values for code in codes):
        raise ValidationError({"handling_codes": [_("Unknown handling code.")]})
    if HandlingCode.H3 in codes and not text.strip():
        raise ValidationError({"handling_text": [_("Handling code H3 needs the conditions written out.")]})
    return Handling(codes, text.strip() or None)


def _body(item: SharedItem, *, forwarded_by: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {
        "operation_ref": item.team.operation_ref,
        "item_ref": str(item.item_ref),
        "origin_country": item.origin_country,
        "source_reliability": item.source_reliability,
        "information_accuracy": item.information_accuracy,
        "permitted_uses": list(item.permitted_uses),
        "title": item.title,
        "content": item.content,
    }
    if forwarded_by:
        body["forwarded_by"] = forwarded_by
    return body


def _parties_with_nodes(team: JointTeam, countries: Iterable[str]) -> list[TeamParty]:
    wanted = set(countries)
    parties = [p for p in team.parties.exclude(node="").exclude(node=settings.TRM_NODE_ID) if p.country in wanted]
    if not parties or len(parties) != len(wanted):
        raise ValidationError({"to": [_("Choose parties of the team that have a node.")]})
    return parties


def _send(user: Any, item: SharedItem, party: TeamParty, handling: Handling, body: Mapping[str, Any]) -> SharedItem:
    row = outbox.enqueue(
        TYPE,
        recipient=party.node,
        body=body,
        purpose=PURPOSE,
        legal_basis=LEGAL_BASIS,
        by=user,
        conversation=uuid.uuid5(uuid.NAMESPACE_URL, f"trm:jit:{item.team.operation_ref}"),
        handling=handling,
    )
    sent = SharedItem(
        team=item.team,
        item_ref=item.item_ref,
        direction=ItemDirection.OUT,
        peer=party.node,
        origin_country=item.origin_country,
        forwarded_by=body.get("forwarded_by", ""),
        handling_codes=list(handling.codes),
        handling_text=handling.text or "",
        source_reliability=item.source_reliability,
        information_accuracy=item.information_accuracy,
        permitted_uses=list(item.permitted_uses),
        title=item.title,
        content=item.content,
        message_id=row.message_id,
        by=user,
    )
    sent.full_clean()
    sent.save()
    return sent


def share_item(
    user: Any,
    team: JointTeam,
    *,
    to: Iterable[str],
    title: str,
    content: str,
    source_reliability: str,
    information_accuracy: str,
    permitted_uses: Iterable[str],
    handling_codes: Iterable[str],
    handling_text: str = "",
) -> list[SharedItem]:
    """Share an item of this country's with the chosen parties: one trm/1 message to each party's node."""
    _check_period(user, team, "share refused: period")
    handling = handling_of(handling_codes, handling_text)
    uses = list(dict.fromkeys(permitted_uses))
    if not uses or any(u not in PermittedUse.values for u in uses):
        raise ValidationError({"permitted_uses": [_("Choose what the parties may use the item for.")]})
    draft = SharedItem(
        team=team,
        direction=ItemDirection.OUT,
        peer="-",
        origin_country=_own_country(),
        handling_codes=list(handling.codes),
        handling_text=handling.text or "",
        source_reliability=source_reliability,
        information_accuracy=information_accuracy,
        permitted_uses=uses,
        title=title,
        content=content,
    )
    draft.full_clean(exclude=["peer"])
    parties = _parties_with_nodes(team, to)
    with transaction.atomic():
        sent = [_send(user, draft, party, handling, _body(draft)) for party in parties]
        record(user, Action.SEND, team, note=f"jit item to {len(sent)} parties")
    return sent


class HandlingRefused(Conflict):
    """An item's handling codes or uses, or the team's period, forbid the step; the verb audited it."""


def _refuse(
    user: Any, obj: JointTeam | SharedItem, what: str, message: str, *, code: str = "handling"
) -> HandlingRefused:
    record(user, Action.REFUSED, obj, note=what)
    return HandlingRefused(message, code=code)


def _check_period(user: Any, team: JointTeam, what: str, *, obj: JointTeam | SharedItem | None = None) -> None:
    """Refuse (409, audited) outside the team's period: nothing is shared or passed on then."""
    today = timezone.localdate()
    if team.is_active(today):
        return
    if today < team.starts_on:
        message = _(
            "The team's period has not begun: it starts on %(day)s. Items are shared and passed on only within it."
        )
        day = team.starts_on
    else:
        message = _("The team's period ended on %(day)s: its items are no longer shared or passed on.")
        day = team.ends_on
    raise _refuse(user, obj or team, what, message % {"day": day.isoformat()}, code="period")


def forward_item(user: Any, item: SharedItem, *, to: str) -> SharedItem:
    """Pass a received item on to another party, with its origin, grading and handling unchanged."""
    if item.direction != ItemDirection.IN:
        raise ValidationError(_("Only an item received from another party is passed on; share your own items."))
    _check_period(user, item.team, "forward refused: period", obj=item)
    if NOT_PASSED_ON & set(item.handling_codes):
        raise _refuse(
            user,
            item,
            "forward refused: handling",
            _("The party the item comes from does not allow it to be passed on (handling code H2 or H3)."),
        )
    (party,) = _parties_with_nodes(item.team, [to])
    if party.node == item.peer:
        raise ValidationError({"to": [_("The item came from this party.")]})
    handling = Handling(tuple(item.handling_codes), item.handling_text or None)
    with transaction.atomic():
        sent = _send(user, item, party, handling, _body(item, forwarded_by=settings.TRM_NODE_ID))
        record(user, Action.SEND, item, object_type="justice.shareditem", note=f"passed on to {party.country}")
    return sent


def record_as_evidence(user: Any, item: SharedItem) -> SharedItem:
    if HandlingCode.H1 in item.handling_codes or PermittedUse.EVIDENCE not in item.permitted_uses:
        raise _refuse(
            user,
            item,
            "evidence refused: handling or use",
            _("The party the item comes from has not permitted its use as evidence (handling code H1 or its uses)."),
        )
    with transaction.atomic():
        item.used_as_evidence_at = timezone.now()
        item.save(update_fields=["used_as_evidence_at"])
        record(user, Action.DECIDE, item, object_type="justice.shareditem", note="recorded as evidence")
    return item


def exportable(items: Iterable[SharedItem]) -> tuple[list[SharedItem], int]:
    """The items that may leave the node, and how many may not (H2, H3)."""
    kept, withheld = [], 0
    for item in items:
        if NOT_PASSED_ON & set(item.handling_codes):
            withheld += 1
        else:
            kept.append(item)
    return kept, withheld


def _received(team: JointTeam) -> QuerySet[SharedItem]:
    return team.items.filter(direction=ItemDirection.IN).order_by("at", "id")


def withheld_from_export(team: JointTeam) -> int:
    """How many received items the export leaves out, because their handling codes forbid it."""
    return exportable(_received(team))[1]


def export_csv(user: Any, team: JointTeam) -> tuple[str, int]:
    """The team's exportable items as CSV, and the number withheld; audited."""
    items, withheld = exportable(_received(team))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["operation", "item", "origin", "reliability", "accuracy", "uses", "handling", "title", "content", "received"]
    )
    for item in items:
        writer.writerow(
            [
                team.operation_ref,
                item.item_ref,
                item.origin_country,
                item.source_reliability,
                item.information_accuracy,
                " ".join(item.permitted_uses),
                " ".join(item.handling_codes),
                item.title,
                item.content,
                item.at.isoformat(),
            ]
        )
    record(user, Action.EXPORT, team, note=f"{len(items)} items, {withheld} withheld")
    return out.getvalue(), withheld


# --- receiving ----------------------------------------------------------------------------------


def on_jit_item(row: InboxMessage) -> None:
    """Inbox handler: keep an item for a team this node holds with the sender's country as a party."""
    envelope = row.envelope
    body = envelope["body"]
    if SharedItem.objects.filter(message_id=row.message_id, direction=ItemDirection.IN).exists():
        return
    try:
        country = keys.current_trust_list(now=timezone.now()).node(row.sender, at=timezone.now()).country
    except Exception:
        raise inbox.Unprocessable(UNKNOWN_OPERATION) from None
    team = JointTeam.objects.filter(operation_ref=body["operation_ref"], parties__country=country).first()
    if team is None:
        raise inbox.Unprocessable(UNKNOWN_OPERATION)
    handling = envelope.get("handling", {})
    item = SharedItem(
        team=team,
        item_ref=body["item_ref"],
        direction=ItemDirection.IN,
        peer=row.sender,
        origin_country=body["origin_country"],
        forwarded_by=body.get("forwarded_by", ""),
        handling_codes=list(handling.get("codes", ["H2"])),
        handling_text=str(handling.get("text") or ""),
        source_reliability=body["source_reliability"],
        information_accuracy=body["information_accuracy"],
        permitted_uses=list(body["permitted_uses"]),
        title=body["title"],
        content=body["content"],
        message_id=row.message_id,
    )
    item.save()
    record(None, Action.RECEIVE, item, object_type="justice.shareditem", note=f"jit item from {country}")

"""Alerts along the route: a missing child or a person in immediate danger, to several countries at once.

``send`` alerts, from a case here, the node of every country on the case's recorded route
(its route stages) and of every other country the sender chooses: one ``route_alert``
(trm/1 §5.23) per node, each in a conversation of its own, all with the same ``alert_id``,
on the vital-interests basis. Refused, with nothing stored or sent and the refusal audited:

- a chosen country with no node on the current trust list (a country of the route without
  one is reported as not reachable, never a reason to alert nobody);
- the country of origin of a person who applied for international protection, unless the
  sender records why the alert is safe (``safe_reason``: encrypted, audited by name);
- a missing-child alert on an adult's case; no country left to alert.

Each receiving node shows the alert first and a person there acknowledges it
(``acknowledge``: who and when are kept there; ``route_alert_ack``, §5.24, tells the sender).
``recipients`` gives the sender, per country: sent, delivered (the signed receipt came
back), acknowledged.

An alert can start from any record of the case that says the person went missing (a
missing episode): its reference is kept as ``RouteAlert.source_ref`` and ``prefill`` reads
what the alert form can take from it. The cases app never imports this module.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trm.accounts.access import require_capability
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.audit.refusals import record_refusal
from trm.cases.access import get_case_for
from trm.cases.models import Case
from trm.exchange.messages import Handling, format_time
from trm.exchange.models import OutboxMessage, OutboxStatus
from trm.lib.refusals import Conflict, Http404, PermissionDenied, ValidationError, status_of
from trm.transnational import roles, states, vocabulary, workflows
from trm.transnational.kinds import KINDS
from trm.transnational.models import AlertKind, AlertRecipient, Direction, Link, RouteAlert

P = ParamSpec("P")
R = TypeVar("R")
HANDLING = Handling(("H0", "H2"))
# An alert and its acknowledgement are sealed for 24 hours, as trm/1 recommends for alerts (§5.23).
LIFETIME = dt.timedelta(hours=24)


@dataclass(frozen=True)
class Target:
    node: str
    country: str
    on_route: bool


def audited(what: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run a verb; audit its refusal (after its transaction rolled back) with the verb's name, and re-raise."""

    def wrap(verb: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(verb)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return verb(*args, **kwargs)
            except (ValidationError, PermissionDenied, Http404) as exc:
                target = args[0] if args and isinstance(args[0], Model) else None
                code = getattr(exc, "code", None) or type(exc).__name__
                record_refusal(
                    None,
                    status=status_of(exc),
                    user=kwargs.get("by"),
                    obj=target,
                    object_type="" if target is not None else "transnational.routealert",
                    fields=sorted(getattr(exc, "error_dict", {}) or ()),
                    note=f"{what}: {code}",
                )
                raise

        return run

    return wrap


def targets(case: Case, chosen: Iterable[str]) -> tuple[list[Target], list[str]]:
    """The nodes to alert (every country of the route, and those chosen) and the route's countries without a node.

    A chosen country without a node on the current trust list is refused (``ValidationError``).
    This node's own country is never alerted.
    """
    by_country: dict[str, list[str]] = {}
    for node in workflows.peers():
        by_country.setdefault(node.country, []).append(node.node_id)
    route = [c for c in roles.route_countries(case) if c != settings.TRM_COUNTRY]
    picked = [c for c in dict.fromkeys(chosen) if c and c != settings.TRM_COUNTRY]
    missing = [c for c in picked if c not in by_country]
    if missing:
        raise ValidationError(
            {"countries": [_("Not on the trust list, so not alerted: %(codes)s.") % {"codes": ", ".join(missing)}]},
            code="not_on_trust_list",
        )
    found = [
        Target(node, country, country in route)
        for country in dict.fromkeys([*route, *picked])
        for node in by_country.get(country, [])
    ]
    return found, [c for c in route if c not in by_country]


def prefill(case: Case) -> dict[str, Any]:
    """What the alert form takes from the case: its open missing episode, when the cases app records them.

    Reads the case's ``missing_episodes`` (the open one first, else the latest): the day last
    seen (``last_seen_at``), the police report's reference, and its reference as the alert's
    ``source_ref``. A case without that relation gives the kind of alert only.
    """
    initial: dict[str, Any] = {"alert_kind": AlertKind.MISSING_CHILD if case.is_child else AlertKind.MISSING_PERSON}
    episodes = getattr(case, "missing_episodes", None)
    if episodes is None:
        return initial
    episode = episodes.filter(found_at__isnull=True).first() or episodes.first()
    if episode is None:
        return initial
    initial["source_ref"] = f"missing-{episode.pk}"
    seen = getattr(episode, "last_seen_at", None)
    if seen is not None:
        initial["last_seen_on"] = timezone.localdate(seen)
    if getattr(episode, "police_report_ref", ""):
        initial["police_report_ref"] = episode.police_report_ref
    return initial


# What an alert can start from, by the kind in its ``source_ref`` ("<kind>-<id>", see ``prefill``).
SOURCES: Mapping[str, Any] = {"missing": gettext_lazy("The record of the person going missing")}


def source_label(source_ref: str) -> str:
    """What the alert started from, in words (never the stored reference itself); "" when from the case alone."""
    if not source_ref:
        return ""
    return str(SOURCES.get(source_ref.partition("-")[0], gettext_lazy("Another record of the case")))


@audited("route alert")
@transaction.atomic
def send(
    case: Case,
    *,
    by: Any,
    alert_kind: str,
    contact_point: str,
    countries: Iterable[str] = (),
    last_seen_on: dt.date | None = None,
    last_seen_country: str = "",
    description: str = "",
    share_identity: bool = False,
    police_report_ref: str = "",
    safe_reason: str = "",
    source_ref: str = "",
) -> RouteAlert:
    """Alert every country on the case's route and those in ``countries`` (see the module); returns the alert."""
    require_capability(by, Cap.SEND_TRANSNATIONAL)
    case = get_case_for(by, case.reference, write=True)
    if not case.is_open:
        raise Conflict(_("The case is closed."), code="closed")
    if alert_kind not in AlertKind.values:
        raise ValidationError({"alert_kind": [_("Choose what the alert is about.")]})
    if alert_kind == AlertKind.MISSING_CHILD and not case.is_child:
        raise ValidationError({"alert_kind": [_("This case is not a child's.")]}, code="not_child")
    if not contact_point.strip():
        raise ValidationError({"contact_point": [_("Say whom the other countries call.")]})
    if last_seen_on is not None and last_seen_on > timezone.localdate():
        raise ValidationError({"last_seen_on": [_("This date is in the future.")]})
    found, _unreachable = targets(case, countries)
    if not found:
        raise ValidationError(
            {"countries": [_("No country to alert: the route has no other country on the trust list; choose one.")]},
            code="no_country",
        )
    origin = sorted({t.country for t in found if roles.is_origin(case, t.country)})
    if origin and roles.applied_for_protection(case) and not safe_reason.strip():
        raise ValidationError(
            {
                "safe_reason": [
                    _(
                        "The person applied for international protection: their country of origin (%(codes)s) is "
                        "alerted only if you record why this is safe."
                    )
                    % {"codes": ", ".join(origin)}
                ]
            },
            code="origin_needs_reason",
        )
    alert = RouteAlert(
        alert_id=uuid.uuid4(),
        direction=Direction.OUTGOING,
        case=case,
        kind=alert_kind,
        is_child=case.is_child,
        created_by=by,
        safe_reason=safe_reason.strip() if origin and roles.applied_for_protection(case) else "",
        source_ref=source_ref.strip()[:64],
    )
    alert.full_clean()
    alert.save()
    data = {
        "alert_id": alert.alert_id,
        "alert_kind": alert_kind,
        "countries_alerted": sorted({t.country for t in found}),
        "contact_point": contact_point.strip()[:200],
        "last_seen_on": last_seen_on,
        "last_seen_country": last_seen_country,
        "description": description.strip(),
        "share_identity": share_identity,
        "police_report_ref": police_report_ref.strip(),
    }
    for target in found:
        link = Link(
            conversation=uuid.uuid4(),
            direction=Direction.OUTGOING,
            peer=target.node,
            peer_country=target.country,
            case=case,
            urgent=True,
            is_child=case.is_child,
            decided_by=by,
            handling_codes=list(HANDLING.codes),
            peer_role=roles.propose(case, target.country),
        )
        states.move(link, "notify")
        draft = workflows._draft(
            KINDS["route_alert"],
            to=target.node,
            case=case,
            link=None,
            case_ref=case.reference,
            data=data,
            basis={"legal_basis": "vital_interests"},
            handling=HANDLING,
            to_country=target.country,
            safe_reason=alert.safe_reason,
        )
        row = workflows._enqueue(draft, conversation=link.conversation, by=by, ttl=LIFETIME)
        link.full_clean()
        link.save()
        AlertRecipient.objects.create(
            alert=alert,
            link=link,
            node=target.node,
            country=target.country,
            on_route=target.on_route,
            message_id=row.message_id,
        )
    fields = ["route_alert"] + (["safe_reason"] if alert.safe_reason else [])
    record(by, Action.SEND, alert, fields=fields, note=f"route alert to {len(found)} nodes")
    if alert.safe_reason:
        record(by, Action.DECIDE, case, fields=["safe_reason"], note="country of origin alerted on a recorded reason")
    return alert


@audited("acknowledge alert")
@transaction.atomic
def acknowledge(link: Link, *, by: Any, action: str, contact_point: str = "", remarks: str = "") -> AlertRecipient:
    """A person here acknowledges a received route alert: kept with who and when, and the sender is told."""
    link = workflows._locked(link, by)
    recipient = (
        AlertRecipient.objects.select_for_update()
        .filter(link=link, alert__direction=Direction.INCOMING)
        .select_related("alert")
        .first()
    )
    if recipient is None:
        raise Conflict(_("There is no alert to acknowledge in this conversation."), code="no_alert")
    if recipient.acknowledged_at is not None:
        raise Conflict(_("This alert was already acknowledged."), code="acknowledged")
    if action not in vocabulary.ALERT_ACTION:
        raise ValidationError({"action": [_("Choose what is done about the alert.")]})
    now = timezone.now()
    draft = workflows._in_conversation(
        link,
        KINDS["route_alert_ack"],
        {
            "alert_id": recipient.alert.alert_id,
            "acknowledged_at": format_time(now),
            "action": action,
            "contact_point": contact_point.strip()[:200],
            "remarks": remarks.strip(),
        },
    )
    workflows._enqueue(draft, conversation=link.conversation, by=by, ttl=LIFETIME)
    recipient.acknowledged_at = now
    recipient.acknowledged_by = by
    recipient.action = action
    recipient.full_clean()
    recipient.save(update_fields=["acknowledged_at", "acknowledged_by", "action"])
    record(by, Action.SEND, link, fields=["route_alert_ack"], note=f"alert acknowledged: {action}")
    return recipient


# --- what the sender sees --------------------------------------------------------------------------


class Progress:
    SENT = "sent"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    REFUSED = "refused"


PROGRESS_LABELS: Mapping[str, Any] = {
    Progress.SENT: gettext_lazy("Sent"),
    Progress.DELIVERED: gettext_lazy("Delivered"),
    Progress.ACKNOWLEDGED: gettext_lazy("Acknowledged"),
    Progress.REFUSED: gettext_lazy("Not delivered"),
}


@dataclass(frozen=True)
class Row:
    recipient: AlertRecipient
    progress: str
    delivered_at: dt.datetime | None

    @property
    def progress_label(self) -> str:
        return str(PROGRESS_LABELS[self.progress])

    @property
    def action_label(self) -> str:
        return vocabulary.label(vocabulary.ALERT_ACTION, self.recipient.action) if self.recipient.action else ""


def rows(alert: RouteAlert) -> list[Row]:
    """Per country alerted: sent, delivered (its receipt came back), acknowledged (a person there did)."""
    recipients = list(alert.recipients.select_related("link", "acknowledged_by"))
    outbox = {
        row.message_id: row
        for row in OutboxMessage.objects.filter(message_id__in=[r.message_id for r in recipients if r.message_id])
    }
    out = []
    for r in recipients:
        sent = outbox.get(r.message_id) if r.message_id is not None else None
        delivered = sent is not None and sent.status == OutboxStatus.DELIVERED
        if r.acknowledged_at is not None:
            progress = Progress.ACKNOWLEDGED
        elif delivered:
            progress = Progress.DELIVERED
        elif sent is not None and sent.status in (OutboxStatus.REJECTED, OutboxStatus.DEAD):
            progress = Progress.REFUSED
        else:
            progress = Progress.SENT
        out.append(Row(r, progress, sent.finished_at if sent is not None and delivered else None))
    return out


def offer_for_episode(request: Any, episode: Any) -> Any:
    """The case page's "Send a route alert" on an open missing episode, for whoever may send one."""
    from django.urls import reverse

    from trm.cases.missing import Offer
    from trm.transnational import access

    if not access.may_use(request.user):
        return None
    return Offer(
        label=_("Send an alert along the route"),
        url=reverse("transnational:alert_new", args=[episode.case.reference]),
        help=_("To every country on the recorded route and those you choose; each acknowledges."),
    )

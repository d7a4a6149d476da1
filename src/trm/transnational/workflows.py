"""The TRM workflows: send, accept, decline and withdraw referrals; consent withdrawal.

Each verb runs in one transaction, queues its trm/1 messages through the exchange's
outbox (they leave with the next worker pass) and writes its audit entry.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.accounts.access import require_capability
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import casework
from trm.cases.models import BestInterests, Case, Consent, ConsentPurpose
from trm.exchange import keys, outbox
from trm.exchange.errors import ProtocolError
from trm.exchange.messages import Handling
from trm.transnational import fieldsets
from trm.transnational.models import REPORT_MONTHS, TRANSITIONS, Direction, Link, LinkStatus, ReportDue

RESPONSE_DAYS = 10


def peers(*, now: dt.datetime | None = None) -> list[Any]:
    """The other nodes of the current trust list (empty when none is imported)."""
    now = now or timezone.now()
    try:
        trust_list = keys.current_trust_list(now=now)
    except keys.NoTrustList:
        return []
    return [n for n in trust_list.nodes if n.node_id != settings.TRM_NODE_ID and not n.is_revoked(now)]


def _move(link: Link, event: str) -> None:
    nxt = TRANSITIONS[link.status].get(event)
    if nxt is None:
        raise ValidationError(
            _("This referral is %(status)s: it cannot be %(event)s now.")
            % {"status": link.get_status_display(), "event": event}
        )
    link.status = nxt


def basis_for(case: Case) -> dict[str, Any]:
    """The legal basis of a transnational disclosure, or a clear refusal.

    Adults: an active consent to a transnational referral that names no recipient
    (another country's node is no member of this NRM). Children: a best-interests record.
    """
    if case.is_child:
        bi = BestInterests.objects.filter(case=case).order_by("-decided_on", "-id").first()
        if bi is None:
            raise ValidationError(_("A child's case needs a best-interests assessment or determination first."))
        return {"legal_basis": "best_interests", "best_interests_ref": f"BI-{bi.pk}", "consent": None}
    now = timezone.now()
    for item in Consent.objects.filter(case=case, purpose=ConsentPurpose.TRANSNATIONAL).prefetch_related("recipients"):
        if item.active_at(now) and not item.recipients.exists():
            return {"legal_basis": "consent", "consent_ref": f"CONSENT-{item.pk}", "consent": item}
    raise ValidationError(_("The person has not consented to a transnational referral (or withdrew consent)."))


def _refs(basis: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in basis.items() if k in ("legal_basis", "consent_ref", "best_interests_ref")}


def _peer(node_id: str) -> Any:
    for node in peers():
        if node.node_id == node_id:
            return node
    raise ValidationError(_("That node is not on the current trust list."))


HANDLING_CODES = ("H0", "H1", "H2", "H3")
OFFER_PURPOSES = ("assistance", "return")


def handling_of(codes: list[str] | tuple[str, ...] | None, text: str = "") -> Handling:
    """The handling restrictions of a conversation (H2, no onward transmission, unless chosen)."""
    chosen = tuple(c for c in HANDLING_CODES if c in (codes or ())) or ("H2",)
    if "H3" in chosen and not text.strip():
        raise ValidationError(_("Handling code H3 needs the conditions written out."))
    return Handling(chosen, text.strip() or None)


def check_requested_actions(case: Case, actions: list[str] | tuple[str, ...]) -> None:
    """Refuse what may never be asked of the other country for this person."""
    if case.asylum_seeker and "identity_verification" in actions:
        # The authorities of the country of origin must never learn that a person sought protection.
        raise ValidationError(_("Identity verification is never requested for an applicant for protection."))
    if not case.is_child and "family_tracing" in actions:
        raise ValidationError(_("Family tracing is for children only."))


def outgoing_bodies(
    case: Case,
    *,
    offer: bool = True,
    services: list[str] | tuple[str, ...] = (),
    needs_summary: str = "",
    share_identity: bool = False,
    urgency: str = "routine",
    requested_actions: list[str] | tuple[str, ...] = fieldsets.DEFAULT_ACTIONS,
    today: dt.date | None = None,
) -> dict[str, dict[str, Any]]:
    """Exactly the bodies that will leave the node, by message type (the preview shows them)."""
    today = today or timezone.localdate()
    bodies = {
        "case_notification": fieldsets.case_notification(
            case, today=today, share_identity=share_identity, urgency=urgency,
            requested_actions=list(requested_actions or fieldsets.DEFAULT_ACTIONS),
        )
    }
    if offer:
        bodies["referral_offer"] = fieldsets.referral_offer(
            case, services=list(services), needs_summary=needs_summary,
            respond_by=today + dt.timedelta(days=RESPONSE_DAYS),
        )
    return bodies


def check_outgoing(case: Case, *, offer: bool, services: Any, requested_actions: Any, purpose: str) -> None:
    if not case.is_open:
        raise ValidationError(_("The case is closed."))
    if offer and not services:
        raise ValidationError(_("Choose at least one service."))
    if purpose not in OFFER_PURPOSES:
        raise ValidationError(_("Choose the purpose of the referral."))
    check_requested_actions(case, requested_actions or fieldsets.DEFAULT_ACTIONS)


@transaction.atomic
def send_referral(
    case: Case,
    *,
    by: Any,
    to_node: str,
    services: list[str] | tuple[str, ...] = (),
    needs_summary: str = "",
    share_identity: bool = False,
    urgency: str = "routine",
    offer: bool = True,
    purpose: str = "assistance",
    requested_actions: list[str] | tuple[str, ...] = fieldsets.DEFAULT_ACTIONS,
    handling_codes: list[str] | tuple[str, ...] = ("H2",),
    handling_text: str = "",
) -> Link:
    """Notify the other country of the case (a request for cooperation) and, unless
    ``offer`` is false, offer the referral, in one conversation."""
    require_capability(by, Cap.SEND_TRANSNATIONAL)
    check_outgoing(case, offer=offer, services=services, requested_actions=requested_actions, purpose=purpose)
    handling = handling_of(handling_codes, handling_text)
    peer = _peer(to_node)
    basis = basis_for(case)
    conversation = uuid.uuid4()
    bodies = outgoing_bodies(
        case, offer=offer, services=services, needs_summary=needs_summary, share_identity=share_identity,
        urgency=urgency, requested_actions=requested_actions,
    )
    offer_row = None
    try:
        for type_, body in bodies.items():
            row = outbox.enqueue(
                type_, recipient=peer.node_id, body=body,
                purpose=purpose if type_ == "referral_offer" else "assistance",
                by=by, conversation=conversation, handling=handling, **_refs(basis),
            )
            if type_ == "referral_offer":
                offer_row = row
    except ProtocolError as err:
        raise ValidationError(_("The message was refused by the protocol (%(code)s).") % {"code": err.code}) from err
    link = Link(
        conversation=conversation, direction=Direction.OUTGOING, peer=peer.node_id, peer_country=peer.country,
        case=case, status=LinkStatus.OFFERED if offer else LinkStatus.NOTIFIED, services=list(services),
        is_child=case.is_child,
        offer_message_id=offer_row.message_id if offer_row is not None else None,
        consent=basis["consent"], decided_by=by,
        handling_codes=list(handling.codes), handling_text=handling.text or "",
    )
    link.full_clean()
    link.save()
    record(by, Action.SEND, link, fields=list(bodies), note=f"to {peer.node_id}")
    return link


def _handling(link: Link) -> Handling:
    return Handling(tuple(link.handling_codes) or ("H2",), link.handling_text or None)


@transaction.atomic
def withdraw(link: Link, *, by: Any, reason: str = "circumstances_changed") -> Link:
    require_capability(by, Cap.SEND_TRANSNATIONAL)
    link = Link.objects.select_for_update().get(pk=link.pk)
    if link.direction != Direction.OUTGOING:
        raise PermissionDenied
    if link.offer_message_id is None:
        raise ValidationError(_("No referral was offered in this conversation: send a case closure instead."))
    _move(link, "withdraw")
    outbox.enqueue(
        "referral_withdraw", recipient=link.peer, by=by, conversation=link.conversation, purpose="assistance",
        body={"case_ref": link.case.reference, "offer_id": str(link.offer_message_id), "reason": reason},
        handling=_handling(link), **_refs(_basis_or_vital(link)),
    )
    link.decided_by = by
    link.save(update_fields=["status", "decided_by", "updated_at"])
    record(by, Action.SEND, link, fields=["referral_withdraw"], note="withdrawn")
    return link


def _basis_or_vital(link: Link) -> dict[str, Any]:
    try:
        return basis_for(link.case)
    except ValidationError:
        # Withdrawing needs no new disclosure: refer to the basis the offer was sent on.
        if link.consent_id:
            return {"legal_basis": "consent", "consent_ref": f"CONSENT-{link.consent_id}"}
        return {"legal_basis": "best_interests", "best_interests_ref": "BI-withdrawn"}


def _received(link: Link, type_: str) -> dict[str, Any]:
    """The body of the first message of that type received in the link's conversation."""
    from trm.exchange.models import InboxMessage

    row = InboxMessage.objects.filter(conversation=link.conversation, type=type_).order_by("received_at").first()
    if row is None:
        return {}
    return dict(row.envelope.get("body", {}))


def _reply_basis(link: Link) -> dict[str, Any]:
    from trm.exchange.models import InboxMessage

    env: dict[str, Any] = {}
    for row in InboxMessage.objects.filter(conversation=link.conversation).order_by("received_at", "id"):
        if row.envelope.get("consent_ref") or row.envelope.get("best_interests_ref"):
            env = row.envelope
            break
    out = {"legal_basis": env.get("legal_basis", "consent")}
    if env.get("consent_ref"):
        out["consent_ref"] = env["consent_ref"]
    if env.get("best_interests_ref"):
        out["best_interests_ref"] = env["best_interests_ref"]
    return out


@transaction.atomic
def accept(link: Link, *, by: Any) -> Link:
    """Accept a received offer: open a linked case here with what was shared, and answer."""
    require_capability(by, Cap.SEND_TRANSNATIONAL)
    link = Link.objects.select_for_update().get(pk=link.pk)
    if link.direction != Direction.INCOMING:
        raise PermissionDenied
    _move(link, "accept")
    notification = _received(link, "case_notification")
    ident = notification.get("identity", {})
    nationality = ident.get("claimed_nationality") or notification.get("nationality", "")
    case = casework.record_detection(
        by=by,
        detected_on=timezone.localdate(),
        detection_country=link.peer_country,
        given_name="" if ident.get("given_names") in (None, "-") else ident["given_names"],
        family_name="" if ident.get("family_name") in (None, "-") else ident["family_name"],
        date_of_birth=dt.date.fromisoformat(ident["date_of_birth"]) if ident.get("date_of_birth") else None,
        age_uncertain=not ident.get("date_of_birth"),
        presumed_minor=bool(notification.get("is_child")) and not ident.get("date_of_birth"),
        gender=fieldsets.GENDER_IN.get(notification.get("gender", ""), "NonSpecifiedUnknown"),
        citizenships=[nationality] if nationality and nationality != "XX" else [],
        languages=notification.get("languages", []),
        narrative=_("Received from %(node)s (case %(ref)s) over trm/1.")
        % {"node": link.peer, "ref": link.remote_case_ref},
    )
    link.case = case
    link.decided_by = by
    link.save(update_fields=["status", "case", "decided_by", "updated_at"])
    outbox.enqueue(
        "referral_accept", recipient=link.peer, by=by, conversation=link.conversation, purpose="assistance",
        in_reply_to=link.offer_message_id, handling=_handling(link),
        body={
            "case_ref": link.remote_case_ref,
            "accepted_services": link.services or ["reintegration"],
            "reception_organisation": (by.organisation.name if by.organisation else settings.TRM_NODE_NAME)[:200],
        },
        **_reply_basis(link),
    )
    record(by, Action.DECIDE, link, fields=["status", "case"], note="accepted")
    return link


@transaction.atomic
def decline(link: Link, *, by: Any, reason: str, reason_text: str = "") -> Link:
    require_capability(by, Cap.SEND_TRANSNATIONAL)
    link = Link.objects.select_for_update().get(pk=link.pk)
    if link.direction != Direction.INCOMING:
        raise PermissionDenied
    _move(link, "decline")
    body = {"case_ref": link.remote_case_ref, "reason": reason}
    if reason_text:
        body["reason_text"] = reason_text
    outbox.enqueue(
        "referral_decline", recipient=link.peer, by=by, conversation=link.conversation, purpose="assistance",
        in_reply_to=link.offer_message_id, body=body, handling=_handling(link), **_reply_basis(link),
    )
    link.decided_by = by
    link.save(update_fields=["status", "decided_by", "updated_at"])
    record(by, Action.DECIDE, link, fields=["status"], note=f"declined: {reason}")
    return link


def on_consent_withdrawn(row: Consent, by: Any) -> None:
    """Tell every node that received this case on the withdrawn consent to erase what it holds."""
    links = Link.objects.select_for_update().filter(
        direction=Direction.OUTGOING, consent=row
    ).exclude(status=LinkStatus.ERASED)
    for link in links:
        outbox.enqueue(
            "consent_withdrawn", recipient=link.peer, by=None, conversation=link.conversation,
            purpose="case_management", legal_basis="consent", consent_ref=f"CONSENT-{row.pk}",
            body={
                "case_ref": link.case.reference,
                "withdrawn_on": timezone.localdate().isoformat(),
                "instruction": "erase",
                "scope": "conversation",
            },
        )
        link.status = LinkStatus.ERASED
        link.save(update_fields=["status", "updated_at"])
        record(by, Action.SEND, link, fields=["consent_withdrawn"], note="erase requested")


def erase_conversation(link: Link) -> None:
    """On the receiving side: drop the shared personal data of this conversation.

    Kept: each message's id, type, times, status and receipt (the non-personal trail).
    Erased: every received body, the body and sealed token of every message this node
    sent in the conversation once it left (delivered, rejected or dead), and the
    personal fields of the case opened from the referral.
    """
    from trm.exchange.models import InboxMessage, OutboxMessage, OutboxStatus

    for row in InboxMessage.objects.filter(conversation=link.conversation):
        row.envelope = {**row.envelope, "body": {"erased": True}}
        row.save(update_fields=["envelope"])
    finished = (OutboxStatus.DELIVERED, OutboxStatus.REJECTED, OutboxStatus.DEAD)
    for sent in OutboxMessage.objects.filter(conversation=link.conversation, status__in=finished):
        sent.envelope = {**sent.envelope, "body": {"erased": True}}
        sent.token = ""
        sent.save(update_fields=["envelope", "token"])
    if link.case_id is not None:
        person = link.case.person
        person.given_name = person.family_name = ""
        person.aliases, person.documents, person.contacts = [], [], []
        person.citizenships, person.languages = [], []
        person.date_of_birth = None
        person.name_index = ""
        person.save(update_fields=["given_name", "family_name", "aliases", "documents", "contacts",
                                   "citizenships", "languages", "date_of_birth", "name_index"])
        case = link.case
        case.narrative = case.detection_place = ""
        case.save(update_fields=["narrative", "detection_place"])
    _move(link, "erase")
    link.save(update_fields=["status", "updated_at"])
    record(None, Action.DELETE, link, fields=["person", "narrative", "received_bodies", "sent_bodies"],
           note="erased on consent withdrawal")



def case_ref_of(link: Link) -> str:
    """The conversation's case reference: always the sending node's."""
    if link.direction == Direction.OUTGOING:
        return link.case.reference
    return link.remote_case_ref


def _latest_received(link: Link, type_: str) -> Any:
    from trm.exchange.models import InboxMessage

    return (
        InboxMessage.objects.filter(conversation=link.conversation, type=type_, sender=link.peer)
        .order_by("-received_at", "-id")
        .first()
    )


def _active_guardian_ref(case: Case) -> str:
    from trm.cases.models import GuardianAppointment

    appointment = (
        GuardianAppointment.objects.filter(case=case, ended_on__isnull=True).order_by("-appointed_on").first()
    )
    if appointment is None:
        raise ValidationError(
            _("Family tracing is requested through the child's appointed guardian: appoint one first.")
        )
    return f"GA-{appointment.pk}"


def _check_follow_up(link: Link, case: Case | None, type_: str, data: dict[str, Any]) -> dict[str, Any]:
    """The rules of each follow-up message; returns extra envelope members (in_reply_to)."""
    extra: dict[str, Any] = {}
    is_child = case.is_child if case is not None else link.is_child
    if type_ in fieldsets.CHILDREN_ONLY and not is_child:
        raise ValidationError(_("Family tracing is for children only."))
    if type_ in ("identity_verification_request", "family_tracing_request", "return_arrangements") and case is None:
        raise ValidationError(_("Only a node holding the case may send this message."))
    if type_ == "identity_verification_request" and case is not None and case.asylum_seeker:
        # Never tell the authorities of the country of origin that a person sought protection.
        raise ValidationError(_("Identity verification is never requested for an applicant for protection."))
    if type_ == "family_tracing_request" and case is not None:
        data["guardian_ref"] = _active_guardian_ref(case)
    if type_ in fieldsets.ANSWERS:
        request = _latest_received(link, fieldsets.ANSWERS[type_])
        if request is None:
            raise ValidationError(_("There is no request to answer in this conversation."))
        extra["in_reply_to"] = request.message_id
    if type_ == "return_arrangements":
        assessment = _latest_received(link, "risk_assessment_response")
        if assessment is None:
            raise ValidationError(
                _("A return is arranged only after a risk assessment from the country of origin was received.")
            )
        data["risk_assessment_ref"] = str(assessment.message_id)
        if case is not None and case.is_child:
            from trm.cases.children import return_blockers

            blockers = return_blockers(case)
            if blockers:
                raise ValidationError(_("The child's return needs first: %(what)s.") % {"what": "; ".join(blockers)})
    return extra


def schedule_reports(link: Link, arrived_on: dt.date) -> list[ReportDue]:
    """Post-return reports due 3, 6 and 12 months after arrival (idempotent)."""
    from trm.cases.deadlines import add_months

    due = [(months, add_months(arrived_on, months)) for months in REPORT_MONTHS]
    return [ReportDue.objects.get_or_create(link=link, months=m, defaults={"due_on": d})[0] for m, d in due]


def report_done(link: Link, months: int) -> None:
    ReportDue.objects.open().filter(link=link, months=months).update(done_at=timezone.now())


@transaction.atomic
def send_follow_up(link: Link, *, by: Any, type_: str, data: dict[str, Any]) -> Any:
    """Send one more message in a live conversation (assessments, tracing, return, reports, alerts …)."""
    require_capability(by, Cap.SEND_TRANSNATIONAL)
    if type_ not in fieldsets.FOLLOW_UPS:
        raise ValidationError(_("This message type cannot be sent from here."))
    link = Link.objects.select_for_update().get(pk=link.pk)
    if not link.is_live:
        raise ValidationError(_("This conversation is closed: nothing more can be sent in it."))
    case = link.case
    data = dict(data)
    extra = _check_follow_up(link, case, type_, data)
    purpose, build = fieldsets.FOLLOW_UPS[type_]
    if type_ == "urgent_alert":
        refs: dict[str, Any] = {"legal_basis": "vital_interests"}
    elif link.direction == Direction.OUTGOING:
        refs = _refs(_basis_or_vital(link))
    else:
        refs = _reply_basis(link)
    try:
        row = outbox.enqueue(
            type_, recipient=link.peer, by=by, conversation=link.conversation, purpose=purpose,
            body=build(case_ref_of(link), case, data), handling=_handling(link), **refs, **extra,
        )
    except ProtocolError as err:
        raise ValidationError(
            _("The message is incomplete or not allowed (%(code)s).") % {"code": err.code}
        ) from err
    if type_ == "arrival_confirmation":
        schedule_reports(link, dt.date.fromisoformat(row.envelope["body"]["arrived_on"]))
    elif type_ == "post_return_report":
        report_done(link, int(row.envelope["body"]["months_after_return"]))
    record(by, Action.SEND, link, fields=[type_], note=type_)
    return row

"""What each trm/1 message type means to TRM: one ``Kind`` declaration per type.

The protocol's facts about a type (its name, purposes allowed, body schema, test vectors)
live in ``exchange/`` (``messages.MESSAGE_TYPES``, ``schemas.BODY_SCHEMAS``,
``vectors.py``). What TRM does with it lives here, once: the purpose it is sent for, the
function building its body from a case, the fields of its form, its label and one-line
summary on the timeline, how a person reads its body (its renderer), the rules checked
before it is sent, and what the node does when it sends or receives it. Views, the API,
the verbs in ``workflows.py``, the receive handlers and the timeline all read ``KINDS``;
no other module keeps a table by type.

Adding a message type: its schema and vector in ``exchange/``, then one ``Kind`` below
(with its body builder in ``fieldsets.py``, its renderer in ``rendering.py`` and, if it
changes anything on arrival, its handler in ``handlers.py``). The test ``tests/transnational/test_kinds.py`` fails until
every protocol type has a declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trm.exchange.messages import CASE_TYPES
from trm.lib.refusals import Conflict, ValidationError
from trm.transnational import fieldsets, handlers, history, rendering, reports
from trm.transnational.models import CountryRole, Direction, Link

Builder = Callable[[str, Any, Mapping[str, Any]], dict[str, Any]]
Receiver = Callable[[Any], None]
Rule = Callable[[Any, Link | None, dict[str, Any]], None]
After = Callable[[Link, Mapping[str, Any]], None]
Label = str | Promise


@dataclass(frozen=True)
class Kind:
    """One trm/1 message type as TRM uses it."""

    type: str  # the protocol's type name
    label: Label  # on the timeline and in the inbox
    purpose: str  # the envelope's purpose
    build: Builder  # (the conversation's case reference, the case here or None, data) -> body
    receive: Receiver  # what the node does when the message arrives (run by the exchange worker)
    purposes: tuple[str, ...] = ()  # when not empty, the sender chooses the purpose among these
    action: Label | None = None  # the menu entry on a conversation page; None: sent by its own verb
    required: tuple[str, ...] = ()  # fields of the follow-up form it needs
    optional: tuple[str, ...] = ()  # fields of the follow-up form it may carry
    note: Label = ""  # what the node adds by itself, said above the form
    answers: str | None = None  # the request type it answers: in_reply_to the latest one received
    children_only: bool = False
    needs_case: bool = False  # only the node holding the case sends it (the sender of the referral)
    vital_interests: bool = False  # sent on the vital-interests basis, without consent
    not_for_asylum_seekers: bool = False  # never sent about an applicant for international protection
    # Body members that identify the person: never to the country of origin of an applicant
    # for protection (``protection.check``, for every type).
    identity: tuple[str, ...] = ()
    origin_override: bool = False  # may still go there when the sender records why it is safe
    rule: Rule | None = None  # (case, link, data) -> None: refuses, or adds what the node fills in
    after_send: After | None = None  # (link, body) once queued
    summary: tuple[str, ...] = ()  # body members shown in one line on the timeline: codes, never personal data
    renderer: rendering.Renderer | None = None  # how a person reads its body (``rendering.py``)

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional

    def summarise(self, body: Mapping[str, Any]) -> str:
        """One line of the body's coded members as labels (``Low · Return possible``); never names or free text."""
        return rendering.summary(self.type, self.summary, body)


# --- rules a kind checks before it is sent -------------------------------------------------------


def _requested_actions_allowed(case: Any, link: Link | None, data: dict[str, Any]) -> None:
    """Refuse cooperation that may never be asked of the other country for this person."""
    actions = data.get("requested_actions") or fieldsets.DEFAULT_ACTIONS
    if case.asylum_seeker and "identity_verification" in actions:
        # The authorities of the country of origin must never learn that a person sought protection.
        raise ValidationError(_("Identity verification is never requested for an applicant for protection."))
    if not case.is_child and "family_tracing" in actions:
        raise ValidationError(_("Family tracing is for children only."))


def _offer_needs_services(case: Any, link: Link | None, data: dict[str, Any]) -> None:
    if not data.get("services"):
        raise ValidationError({"services": [_("Choose at least one service.")]})


def _through_guardian(case: Any, link: Link | None, data: dict[str, Any]) -> None:
    from trm.cases.models import GuardianAppointment

    appointment = GuardianAppointment.objects.filter(case=case, ended_on__isnull=True).order_by("-appointed_on").first()
    if appointment is None:
        raise Conflict(_("Family tracing is requested through the child's appointed guardian: appoint one first."))
    data["guardian_ref"] = f"GA-{appointment.pk}"


def _after_risk_assessment(case: Any, link: Link | None, data: dict[str, Any]) -> None:
    assert link is not None
    if link.peer_role == CountryRole.TRANSIT:
        raise Conflict(_("A return is not arranged with a transit country: correct the country's role first."))
    assessment = history.latest(link, "risk_assessment_response")
    if assessment is None:
        raise Conflict(_("A return is arranged only after a risk assessment from the country of origin was received."))
    data["risk_assessment_ref"] = str(assessment.message_id)
    if case is not None and case.is_child:
        from trm.cases.children import return_blockers

        blockers = return_blockers(case)
        if blockers:
            raise Conflict(_("The child's return needs first: %(what)s.") % {"what": "; ".join(blockers)})


def _handover_basis(case: Any, link: Link | None, data: dict[str, Any]) -> None:
    """A hand-over carries the child's current guardian and the best-interests record it goes on."""
    from trm.cases import guardians

    assert link is not None
    if link.direction != Direction.OUTGOING:
        raise Conflict(_("The guardian is handed over in a conversation this node started about the child."))
    bi = guardians.latest_best_interests(case)
    if bi is None:
        raise Conflict(
            _("No hand-over without a best-interests assessment or determination: record one first."),
            code="no_best_interests",
        )
    appointment = guardians.current(case)
    if appointment is None:
        raise Conflict(_("The child has no guardian to hand over: appoint one first."), code="no_guardian")
    data["appointment"], data["best_interests"] = appointment, bi


# --- the declarations ------------------------------------------------------------------------------

REFERRAL = ("assistance", "return")

KINDS: dict[str, Kind] = {
    k.type: k
    for k in (
        # Starting a conversation (``workflows.send`` with a case).
        Kind(
            "case_notification",
            gettext_lazy("Case notification / request for cooperation"),
            "assistance",
            fieldsets.notification_body,
            handlers.on_notification,
            rule=_requested_actions_allowed,
            identity=("identity",),
            summary=("urgency", "requested_actions"),
            renderer=rendering.CASE_NOTIFICATION,
        ),
        Kind(
            "referral_offer",
            gettext_lazy("Referral offer"),
            "assistance",
            fieldsets.offer_body,
            handlers.on_offer,
            purposes=REFERRAL,
            rule=_offer_needs_services,
            summary=("services", "respond_by"),
            renderer=rendering.REFERRAL_OFFER,
        ),
        # Answers and ends, each sent by its own verb (accept, decline, withdraw, consent withdrawal).
        Kind(
            "referral_accept",
            gettext_lazy("Referral accepted"),
            "assistance",
            fieldsets.accept_body,
            handlers.answer("accept", "referral accepted", direction=Direction.OUTGOING),
            answers="referral_offer",
            summary=("accepted_services",),
            renderer=rendering.REFERRAL_ACCEPT,
        ),
        Kind(
            "referral_decline",
            gettext_lazy("Referral declined"),
            "assistance",
            fieldsets.decline_body,
            handlers.answer("decline", "referral declined", direction=Direction.OUTGOING),
            answers="referral_offer",
            summary=("reason",),
            renderer=rendering.REFERRAL_DECLINE,
        ),
        Kind(
            "referral_withdraw",
            gettext_lazy("Referral withdrawn"),
            "assistance",
            fieldsets.withdraw_body,
            handlers.answer("withdraw", "referral withdrawn", direction=Direction.INCOMING),
            summary=("reason",),
            renderer=rendering.REFERRAL_WITHDRAW,
        ),
        Kind(
            "consent_withdrawn",
            gettext_lazy("Consent withdrawn: erase"),
            "case_management",
            fieldsets.consent_withdrawn_body,
            handlers.on_consent_withdrawn,
            summary=("instruction", "scope"),
            renderer=rendering.CONSENT_WITHDRAWN,
        ),
        # Follow-ups, chosen on the conversation page (``workflows.send`` with a link).
        Kind(
            "risk_assessment_request",
            gettext_lazy("Risk assessment requested"),
            "risk_assessment",
            fieldsets.risk_request_body,
            handlers.on_message,
            action=gettext_lazy("Request a risk and security assessment"),
            required=("topics",),
            optional=("due_date",),
            summary=("topics",),
            renderer=rendering.RISK_ASSESSMENT_REQUEST,
        ),
        Kind(
            "risk_assessment_response",
            gettext_lazy("Risk assessment"),
            "risk_assessment",
            fieldsets.risk_response_body,
            handlers.on_message,
            action=gettext_lazy("Answer with a risk and security assessment"),
            required=("overall_risk", "recommendation"),
            optional=("date", "remarks"),
            note=gettext_lazy("Answers the latest risk assessment request received in this conversation."),
            answers="risk_assessment_request",
            summary=("overall_risk", "recommendation"),
            renderer=rendering.RISK_ASSESSMENT_RESPONSE,
        ),
        Kind(
            "identity_verification_request",
            gettext_lazy("Identity verification requested"),
            "identification",
            fieldsets.identity_request_body,
            handlers.on_message,
            action=gettext_lazy("Request identity and nationality verification"),
            optional=("due_date",),
            note=gettext_lazy(
                "Carries the person's identity as recorded in the case; never sent for an "
                "applicant for international protection."
            ),
            needs_case=True,
            not_for_asylum_seekers=True,
            identity=("identity", "documents", "document_copies"),
            renderer=rendering.IDENTITY_VERIFICATION_REQUEST,
        ),
        Kind(
            "identity_verification_response",
            gettext_lazy("Identity verification answered"),
            "identification",
            fieldsets.identity_response_body,
            handlers.on_message,
            action=gettext_lazy("Answer an identity verification request"),
            required=("verification_outcome",),
            optional=("verified_nationality", "travel_document_possible", "remarks"),
            note=gettext_lazy("Answers the latest identity verification request received."),
            answers="identity_verification_request",
            summary=("outcome",),
            renderer=rendering.IDENTITY_VERIFICATION_RESPONSE,
        ),
        Kind(
            "family_tracing_request",
            gettext_lazy("Family tracing requested"),
            "family_tracing",
            fieldsets.family_request_body,
            handlers.on_message,
            action=gettext_lazy("Request family tracing (children)"),
            required=("relationship",),
            optional=("family_name", "given_names", "last_known_locality", "due_date"),
            note=gettext_lazy("Sent on the child's behalf: the appointed guardian's reference is added."),
            children_only=True,
            needs_case=True,
            rule=_through_guardian,
            identity=("family_members",),
            renderer=rendering.FAMILY_TRACING_REQUEST,
        ),
        Kind(
            "family_tracing_response",
            gettext_lazy("Family assessment"),
            "family_tracing",
            fieldsets.family_response_body,
            handlers.on_message,
            action=gettext_lazy("Answer with a family assessment (children)"),
            required=("tracing_outcome",),
            optional=("caregiver_willing", "caregiver_able", "safety_concerns", "date", "remarks"),
            note=gettext_lazy("Answers the latest family tracing request received."),
            answers="family_tracing_request",
            children_only=True,
            summary=("outcome", "safety_concerns"),
            renderer=rendering.FAMILY_TRACING_RESPONSE,
        ),
        Kind(
            "return_arrangements",
            gettext_lazy("Return arrangements"),
            "return",
            fieldsets.return_body,
            handlers.on_message,
            action=gettext_lazy("Return arrangements"),
            required=("planned_date", "reception_organisation"),
            optional=("arrival_point", "escort", "travel_document", "voluntary"),
            note=gettext_lazy(
                "Refers to the risk assessment received from the country of origin; without one, no return is arranged."
            ),
            needs_case=True,
            rule=_after_risk_assessment,
            summary=("travel_document",),
            renderer=rendering.RETURN_ARRANGEMENTS,
        ),
        Kind(
            "arrival_confirmation",
            gettext_lazy("Arrival confirmed"),
            "return",
            fieldsets.arrival_body,
            handlers.on_arrival,
            action=gettext_lazy("Confirm the person's arrival"),
            required=("received_by",),
            optional=("date", "remarks"),
            note=gettext_lazy("Schedules the post-return reports at 3, 6 and 12 months after arrival."),
            after_send=reports.on_arrival,
            summary=("arrived_on",),
            renderer=rendering.ARRIVAL_CONFIRMATION,
        ),
        Kind(
            "post_return_report",
            gettext_lazy("Post-return report"),
            "monitoring",
            fieldsets.post_return_body,
            handlers.on_report,
            action=gettext_lazy("Post-return follow-up report"),
            required=("months_after_return", "reintegration_status"),
            optional=("re_trafficking_alert", "remarks"),
            after_send=reports.on_report,
            summary=("months_after_return", "reintegration_status"),
            renderer=rendering.POST_RETURN_REPORT,
        ),
        Kind(
            "case_closure",
            gettext_lazy("Case closed"),
            "case_management",
            fieldsets.closure_body,
            handlers.on_message,
            action=gettext_lazy("Case closure"),
            required=("closure_reason",),
            optional=("date",),
            summary=("reason",),
            renderer=rendering.CASE_CLOSURE,
        ),
        # A question and its answer: either node, while the conversation is live (an offer not yet
        # answered included: the receiver may ask before it decides).
        Kind(
            "information_request",
            gettext_lazy("Question"),
            "case_management",
            fieldsets.question_body,
            handlers.on_message,
            action=gettext_lazy("Ask a question"),
            required=("question",),
            optional=("question_topics",),
            summary=("topics",),
            renderer=rendering.INFORMATION_REQUEST,
        ),
        Kind(
            "information_response",
            gettext_lazy("Answer to a question"),
            "case_management",
            fieldsets.answer_body,
            handlers.on_message,
            action=gettext_lazy("Answer a question"),
            required=("answer",),
            note=gettext_lazy("Answers the latest question received in this conversation."),
            answers="information_request",
            renderer=rendering.INFORMATION_RESPONSE,
        ),
        Kind(
            "urgent_alert",
            gettext_lazy("Urgent alert"),
            "protection",
            fieldsets.alert_body,
            handlers.on_alert,
            action=gettext_lazy("Urgent alert: person in immediate danger"),
            required=("alert_kind", "contact_point"),
            optional=("remarks",),
            note=gettext_lazy(
                "Sent on the vital-interests basis, without consent, because a life or freedom is in danger."
            ),
            vital_interests=True,
            identity=("description",),
            summary=("alert_kind",),
            renderer=rendering.URGENT_ALERT,
        ),
        # Alerts along the route: sent from a case to several countries at once by their own verb
        # (``alerts.send``), each in its own conversation; acknowledged by a person at each.
        Kind(
            "route_alert",
            gettext_lazy("Alert along the route"),
            "protection",
            fieldsets.route_alert_body,
            handlers.on_route_alert,
            vital_interests=True,
            identity=("identity", "description"),
            origin_override=True,
            summary=("alert_kind",),
            renderer=rendering.ROUTE_ALERT,
        ),
        Kind(
            "route_alert_ack",
            gettext_lazy("Alert acknowledged"),
            "protection",
            fieldsets.route_alert_ack_body,
            handlers.on_route_alert_ack,
            answers="route_alert",
            vital_interests=True,
            summary=("action",),
            renderer=rendering.ROUTE_ALERT_ACK,
        ),
        Kind(
            "guardian_handover",
            gettext_lazy("Guardian and best interests handed over"),
            "protection",
            fieldsets.handover_body,
            handlers.on_guardian_handover,
            action=gettext_lazy("Hand over the guardian and best-interests records (children)"),
            note=gettext_lazy(
                "Carries the child's current guardian and latest best-interests record, on that record; "
                "the other country records both against its case."
            ),
            children_only=True,
            needs_case=True,
            rule=_handover_basis,
            summary=("handed_over_on",),
            renderer=rendering.GUARDIAN_HANDOVER,
        ),
        # Sent by the justice part's own verb (``justice.notices.notify``), never from the menu.
        Kind(
            "proceeding_outcome",
            gettext_lazy("Outcome of criminal proceedings"),
            "case_management",
            fieldsets.outcome_body,
            handlers.on_message,
            needs_case=True,
            summary=("outcome", "decided_on"),
            renderer=rendering.PROCEEDING_OUTCOME,
        ),
        # Sent by the justice part's own verbs (docs/justice.md); on arrival it acts through
        # ``handlers.delegate``: a cross-border compensation claim, its answer, a group reference.
        Kind(
            "compensation_claim",
            gettext_lazy("Cross-border compensation claim"),
            "case_management",
            fieldsets.compensation_claim_body,
            handlers.delegated,
            summary=("currency",),
            renderer=rendering.COMPENSATION_CLAIM,
        ),
        Kind(
            "compensation_claim_answer",
            gettext_lazy("Compensation claim: decision and payments"),
            "case_management",
            fieldsets.compensation_answer_body,
            handlers.delegated,
            answers="compensation_claim",  # the claim it answers is named by the justice verb
            summary=("outcome",),
            renderer=rendering.COMPENSATION_CLAIM_ANSWER,
        ),
        Kind(
            "group_reference",
            gettext_lazy("Group reference"),
            "case_management",
            fieldsets.group_reference_body,
            handlers.delegated,
            summary=("group_kind", "sector"),
            renderer=rendering.GROUP_REFERENCE,
        ),
    )
}

# Every protocol type about a case has exactly one meaning here (a new type without a Kind
# fails at import). A type about the node itself (``audit_head``) is handled elsewhere.
assert set(KINDS) == CASE_TYPES, sorted(set(KINDS) ^ CASE_TYPES)

# Those a focal point chooses on a conversation page, in menu order.
FOLLOW_UPS: tuple[str, ...] = tuple(k.type for k in KINDS.values() if k.action is not None)
# Those that start a conversation from a case.
STARTS = ("case_notification", "referral_offer")


def label(type_: str) -> Label:
    kind = KINDS.get(type_)
    return kind.label if kind is not None else type_


def receive(row: Any) -> None:
    """What the node does with a received case message: its kind's handler, then what every arrival does.

    Every arrival in a conversation of this node keeps the other node's case reference
    (``handlers.after_arrival``) and tells the people who handle the conversation
    (``notices.on_arrival``), in the handler's transaction.
    """
    from trm.transnational import notices  # it reads KINDS

    KINDS[row.type].receive(row)
    link = handlers.after_arrival(row)
    if link is not None:
        notices.on_arrival(link, row)


def register_handlers() -> None:
    """Give the inbox ``receive`` for every kind (called once, at start-up)."""
    from trm.exchange import inbox

    for kind in KINDS.values():
        inbox.register_handler(kind.type, receive)

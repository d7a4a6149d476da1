"""What leaves the node: the body of each message, built from a case with only its field set.

Every body here is checked by the protocol against its type's schema (no field outside
the set can leave). Identity goes only when the person consented to a transnational
referral with no restriction of recipients (adults) or a best-interests record exists
(children), and the worker ticked "share identity".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from trm.vocab.htcds import ExploitationType as E
from trm.vocab.htcds import Gender as G
from trm.vocab.htcds import OrganisationType as O
from trm.vocab.htcds import TraffickingEventType as T

EXPLOITATION = {
    E.FORCED_LABOUR: "labour",
    E.SEXUAL: "sexual",
    E.CHILD_LABOUR: "labour",
    E.FORCED_MARRIAGE: "forced_marriage",
    E.SERVITUDE: "domestic_servitude",
    E.ORGAN_REMOVAL: "organ_removal",
    E.FORCED_BEGGING: "forced_begging",
    E.FORCED_ADOPTION: "illegal_adoption",
    E.CRIMINAL_ACTIVITIES: "forced_criminality",
}
GENDER_OUT = {
    G.FEMININE: "female",
    G.TRANSGENDER_FEMININE: "female",
    G.MASCULINE: "male",
    G.TRANSGENDER_MASCULINE: "male",
    G.NON_CONFORMING: "other",
}
GENDER_IN = {"female": G.FEMININE, "male": G.MASCULINE, "other": G.NON_CONFORMING}
# A form received: the HTCDS form it names here (``labour`` is child labour on a child's case).
EXPLOITATION_IN = {
    "sexual": E.SEXUAL,
    "labour": E.FORCED_LABOUR,
    "domestic_servitude": E.SERVITUDE,
    "forced_marriage": E.FORCED_MARRIAGE,
    "forced_criminality": E.CRIMINAL_ACTIVITIES,
    "forced_begging": E.FORCED_BEGGING,
    "organ_removal": E.ORGAN_REMOVAL,
    "illegal_adoption": E.FORCED_ADOPTION,
    "other": E.OTHER,
}
STAGE_OUT = {T.RECRUITMENT: "recruitment", T.TRANSIT: "transit", T.EXPLOITATION: "exploitation"}
STAGE_IN = {wire: htcds for htcds, wire in STAGE_OUT.items()}
# The case's own identification state -> the status trm/1 reports (steps before a referral: not decided).
IDENTIFICATION_OUT = {
    "detected": "not_decided",
    "screened": "not_decided",
    "not_indicated": "not_decided",
    "anonymous_notification": "not_decided",
    "rg_pending": "rg_pending",
    "rg_positive": "rg_positive",
    "rg_negative": "rg_negative",
    "identified": "identified",
    "not_identified": "not_identified",
}
# Kinds of organisation, both ways (``cases.models.RECIPIENT_KINDS``: those a consent abroad may name).
ORGANISATION_KIND_OUT = {
    O.NGO: "ngo",
    O.LAW_ENFORCEMENT: "law_enforcement",
    O.HEALTH: "health",
    O.CENTRAL_GOVERNMENT: "central_government",
    O.LOCAL_GOVERNMENT: "local_government",
    O.IMMIGRATION: "immigration",
    O.LEGAL: "legal",
    O.SOCIAL_SERVICES: "social_services",
    O.LABOUR_INSPECTORATE: "labour_inspectorate",
    O.PROSECUTION: "prosecution",
    O.INTERNATIONAL: "international_organisation",
    O.OTHER: "other",
}
ORGANISATION_KIND_IN = {wire: htcds for htcds, wire in ORGANISATION_KIND_OUT.items()}
AGE_BANDS = [(12, "0-11"), (15, "12-14"), (18, "15-17"), (25, "18-24"), (35, "25-34"), (45, "35-44"), (55, "45-54")]


def age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    for limit, band in AGE_BANDS:
        if age < limit:
            return band
    return "55+"


def exploitation_types(case: Any) -> list[str]:
    found = {EXPLOITATION.get(e.exploitation_type, "other") for e in case.events.all() if e.exploitation_type}
    return sorted(found) or ["other"]


def identity(case: Any) -> dict[str, Any]:
    person = case.person
    doc: dict[str, Any] = {
        "family_name": person.family_name or "-",
        "given_names": person.given_name or "-",
        "sex": GENDER_OUT.get(person.gender, "unknown"),
    }
    if person.date_of_birth:
        doc["date_of_birth"] = person.date_of_birth.isoformat()
    if case.nationality:
        doc["claimed_nationality"] = case.nationality
    return doc


def route(case: Any) -> list[dict[str, Any]]:
    """The case's route stages: stage, country, period and form; never a place (at most 20, in order)."""
    stages = []
    for event in case.events.all()[:20]:
        stage: dict[str, Any] = {"stage": STAGE_OUT[event.type], "country": event.country}
        if event.start_date:
            stage["start_date"] = event.start_date.isoformat()
        if event.end_date:
            stage["end_date"] = event.end_date.isoformat()
        if event.exploitation_type:
            stage["exploitation_type"] = EXPLOITATION.get(event.exploitation_type, "other")
        stages.append(stage)
    return stages


# Steps of the competent authority: a decision that names the date and the deciding authority.
AUTHORITY_STEPS = frozenset({"rg_positive", "rg_negative", "cg_positive", "cg_negative", "reconsider"})


def identification(case: Any) -> dict[str, Any]:
    """The case's identification status; with its latest decision's date and authority when one decided it."""
    doc: dict[str, Any] = {"status": IDENTIFICATION_OUT.get(case.state, "not_decided")}
    latest = case.decisions.select_related("decided_by_org").order_by("-created_at", "-id").first()
    if latest is not None and latest.event in AUTHORITY_STEPS and latest.to_state == case.state:
        doc["decided_on"] = latest.decided_on.isoformat()
        if latest.decided_by_org is not None:
            doc["authority"] = latest.decided_by_org.name[:200]
    return doc


def permits(case: Any) -> list[dict[str, Any]]:
    """The residence permits: kind and validity, never their numbers (the latest five)."""
    return [
        {"kind": p.kind, "issued_on": p.issued_on.isoformat(), "valid_until": p.valid_until.isoformat()}
        for p in case.permits.all()[:5]
    ]


def consent_scope(consent: Any, *, country: str) -> dict[str, Any] | None:
    """What the person agreed the receiving ``country`` may do, or None when the consent states no scope.

    Only the receiving country is named among the recipient countries: the others the
    person agreed to are no business of this one.
    """
    if consent is None or consent.is_carried or not consent.purposes or country not in consent.recipient_countries:
        return None
    doc: dict[str, Any] = {
        "given_on": timezone.localdate(consent.given_at).isoformat(),
        "given_by": consent.given_by,
        "interpreter": bool(consent.interpreter),
        "purposes": list(consent.purposes),
        "recipient_countries": [country],
    }
    if consent.language:
        doc["language"] = consent.language
    kinds = sorted({ORGANISATION_KIND_OUT[k] for k in consent.recipient_kinds if k in ORGANISATION_KIND_OUT})
    if kinds:
        doc["recipient_kinds"] = kinds
    if consent.expires_on:
        doc["expires_on"] = consent.expires_on.isoformat()
    return doc


DEFAULT_ACTIONS = ("service_continuity", "risk_assessment")


def case_notification(
    case: Any,
    *,
    today: dt.date,
    share_identity: bool,
    urgency: str,
    summary: str = "",
    requested_actions: list[str] | tuple[str, ...] = DEFAULT_ACTIONS,
    consent: Any = None,
    to_country: str = "",
) -> dict[str, Any]:
    """The notification: the case's coded facts, its route, identification, permits and consent scope.

    ``consent`` is the consent the referral is sent on (``workflows.basis_for``); its scope
    goes only when it names ``to_country``.
    """
    body: dict[str, Any] = {
        "case_ref": case.reference,
        "nationality": case.nationality or "XX",
        "is_child": case.is_child,
        "age_band": age_band(case.person.age_on(today)),
        "gender": GENDER_OUT.get(case.person.gender, "unknown"),
        "exploitation_types": exploitation_types(case),
        "urgency": urgency,
        "requested_actions": list(requested_actions or DEFAULT_ACTIONS),
    }
    if case.person.languages:
        body["languages"] = list(case.person.languages)[:5]
    if share_identity:
        body["identity"] = identity(case)
        body["identity_consent"] = True
    if summary:
        body["summary"] = summary
    body["detected_on"] = case.detected_on.isoformat()
    body["detection_country"] = case.detection_country
    stages = route(case)
    if stages:
        body["route"] = stages
    body["identification"] = identification(case)
    held = permits(case)
    if held:
        body["permits"] = held
    # A child's case goes on the best-interests record, never on a consent (``workflows.basis_for``).
    scope = None if case.is_child else consent_scope(consent, country=to_country)
    if scope is not None:
        body["consent"] = scope
    return body


def referral_offer(case: Any, *, services: list[str], needs_summary: str, respond_by: dt.date) -> dict[str, Any]:
    body: dict[str, Any] = {
        "case_ref": case.reference,
        "services": services,
        "respond_by": respond_by.isoformat(),
    }
    if needs_summary:
        body["needs_summary"] = needs_summary
    return body


def _today() -> dt.date:
    return timezone.localdate()


# --- body builders: (the conversation's case reference, the case here or None, the data) -> body.
# Each message kind names its builder in ``kinds.py``; the data is the form's cleaned data
# plus what the workflow adds (a guardian's or a risk assessment's reference).

RESPONSE_DAYS = 10  # an offer asks for an answer within this many days


def notification_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    return case_notification(
        case,
        today=d.get("today") or _today(),
        share_identity=bool(d.get("share_identity")),
        urgency=d.get("urgency") or "routine",
        requested_actions=list(d.get("requested_actions") or DEFAULT_ACTIONS),
        consent=d.get("basis_consent"),
        to_country=d.get("to_country") or "",
    )


def offer_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    today = d.get("today") or _today()
    return referral_offer(
        case,
        services=list(d.get("services") or ()),
        needs_summary=d.get("needs_summary") or "",
        respond_by=today + dt.timedelta(days=RESPONSE_DAYS),
    )


def accept_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    body = {
        "case_ref": case_ref,
        "accepted_services": list(d["accepted_services"]),
        "reception_organisation": str(d["reception_organisation"])[:200],
    }
    if case is not None:
        body["receiver_case_ref"] = case.reference  # the case opened here: the sender's counterpart
    return body


def decline_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    body = {"case_ref": case_ref, "reason": d["reason"]}
    if d.get("reason_text"):
        body["reason_text"] = d["reason_text"]
    return body


def withdraw_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    return {"case_ref": case_ref, "offer_id": str(d["offer_id"]), "reason": d["reason"]}


def consent_withdrawn_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "case_ref": case_ref,
        "withdrawn_on": (d.get("date") or _today()).isoformat(),
        "instruction": "erase",
        "scope": "conversation",
    }


def risk_request_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    body = {"case_ref": case_ref, "is_child": bool(case.is_child if case else False), "topics": d["topics"]}
    if d.get("due_date"):
        body["due_date"] = d["due_date"].isoformat()
    return body


def risk_response_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    body = {
        "case_ref": case_ref,
        "overall_risk": d["overall_risk"],
        "recommendation": d["recommendation"],
        "assessed_on": (d.get("date") or _today()).isoformat(),
    }
    if d.get("remarks"):
        body["remarks"] = d["remarks"]
    return body


def identity_request_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    body = {"case_ref": case_ref, "asylum_seeker": bool(case.asylum_seeker), "identity": identity(case)}
    if d.get("due_date"):
        body["due_date"] = d["due_date"].isoformat()
    return body


def post_return_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    body = {
        "case_ref": case_ref,
        "months_after_return": int(d["months_after_return"]),
        "reintegration_status": d["reintegration_status"],
        "re_trafficking_alert": bool(d["re_trafficking_alert"]),
    }
    if d.get("remarks"):
        body["remarks"] = d["remarks"]
    return body


def closure_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    return {"case_ref": case_ref, "reason": d["closure_reason"], "closed_on": (d.get("date") or _today()).isoformat()}


OUTCOME_MEMBERS = ("stage", "outcome", "person_role", "testimony_expected", "next_hearing_on", "remarks")


def outcome_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    """What became of criminal proceedings: coded members and dates only (``justice.notices`` fills ``d``)."""
    body: dict[str, Any] = {
        "case_ref": case_ref,
        "proceeding_ref": d["proceeding_ref"],
        "decided_on": (d.get("date") or _today()).isoformat(),
    }
    for key in OUTCOME_MEMBERS:
        value = d.get(key)
        if value in (None, ""):
            continue
        body[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return body


def alert_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    body = {
        "case_ref": case_ref,
        "alert_kind": d["alert_kind"],
        "is_child": bool(case.is_child if case else False),
        "contact_point": d["contact_point"],
    }
    if d.get("remarks"):
        body["description"] = d["remarks"]
    return body


def route_alert_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    """A route alert from a case: coded facts, the countries alerted and what finding the person needs."""
    body: dict[str, Any] = {
        "alert_id": str(d["alert_id"]),
        "case_ref": case_ref,
        "alert_kind": d["alert_kind"],
        "is_child": bool(case.is_child),
        "age_band": age_band(case.person.age_on(d.get("today") or _today())),
        "gender": GENDER_OUT.get(case.person.gender, "unknown"),
        "countries_alerted": sorted(d["countries_alerted"]),
        "contact_point": d["contact_point"],
    }
    if d.get("last_seen_on"):
        body["last_seen_on"] = d["last_seen_on"].isoformat()
    if d.get("last_seen_country"):
        body["last_seen_country"] = d["last_seen_country"]
    if d.get("share_identity"):
        body["identity"] = identity(case)
    if d.get("description"):
        body["description"] = d["description"]
    if d.get("police_report_ref"):
        body["police_report_ref"] = d["police_report_ref"]
    return body


def route_alert_ack_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "alert_id": str(d["alert_id"]),
        "case_ref": case_ref,
        "acknowledged_at": d["acknowledged_at"],
        "action": d["action"],
    }
    if d.get("contact_point"):
        body["contact_point"] = d["contact_point"]
    if d.get("remarks"):
        body["remarks"] = d["remarks"]
    return body


def handover_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    """The child's current guardian and best-interests record (``kinds._handover_basis`` found them)."""
    appointment, bi = d["appointment"], d["best_interests"]
    guardian: dict[str, Any] = {
        "kind": appointment.kind,
        "name": appointment.guardian_name[:200] or "-",
        "appointed_on": appointment.appointed_on.isoformat(),
    }
    person = appointment.person
    if person is not None and person.organisation:
        guardian["organisation"] = str(person.organisation)[:200]
    if person is not None and person.contact:
        guardian["contact"] = str(person.contact)[:200]
    if appointment.decision_ref:
        guardian["decision_ref"] = appointment.decision_ref
    record: dict[str, Any] = {
        "kind": bi.kind,
        "decided_on": bi.decided_on.isoformat(),
        "child_views_heard": bool(bi.child_views_heard),
    }
    if bi.durable_solution:
        record["durable_solution"] = bi.durable_solution
    if bi.summary:
        record["summary"] = str(bi.summary)[:4000]
    return {
        "case_ref": case_ref,
        "is_child": True,
        "guardian": guardian,
        "best_interests": record,
        "handed_over_on": (d.get("today") or _today()).isoformat(),
    }


def identity_response_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"case_ref": case_ref, "outcome": d["verification_outcome"]}
    if d.get("verified_nationality"):
        body["verified_nationality"] = d["verified_nationality"]
    if d.get("travel_document_possible") is not None:
        body["travel_document_possible"] = bool(d["travel_document_possible"])
    if d.get("remarks"):
        body["remarks"] = d["remarks"]
    return body


def family_request_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    member = {"relationship": d["relationship"]}
    for key in ("family_name", "given_names", "last_known_locality"):
        if d.get(key):
            member[key] = d[key]
    body = {"case_ref": case_ref, "is_child": True, "guardian_ref": d["guardian_ref"], "family_members": [member]}
    if d.get("due_date"):
        body["due_date"] = d["due_date"].isoformat()
    return body


def family_response_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "case_ref": case_ref,
        "is_child": True,
        "outcome": d["tracing_outcome"],
        "assessed_on": (d.get("date") or _today()).isoformat(),
    }
    for key in ("caregiver_willing", "caregiver_able"):
        if d.get(key) is not None:
            body[key] = bool(d[key])
    if d.get("safety_concerns"):
        body["safety_concerns"] = d["safety_concerns"]
    if d.get("remarks"):
        body["assessment_summary"] = d["remarks"]
    return body


def return_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    plan: dict[str, Any] = {"planned_date": d["planned_date"].isoformat(), "escort": bool(d.get("escort"))}
    if d.get("arrival_point"):
        plan["arrival_point"] = d["arrival_point"]
    body = {
        "case_ref": case_ref,
        "travel_plan": plan,
        "reception_organisation": d["reception_organisation"],
        "risk_assessment_ref": d["risk_assessment_ref"],
        "voluntary": bool(d.get("voluntary")),
    }
    if d.get("travel_document"):
        body["travel_document"] = d["travel_document"]
    return body


def arrival_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    body = {
        "case_ref": case_ref,
        "arrived_on": (d.get("date") or _today()).isoformat(),
        "received_by": d["received_by"],
    }
    if d.get("remarks"):
        body["remarks"] = d["remarks"]
    return body


def question_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"case_ref": case_ref, "question": d["question"]}
    if d.get("question_topics"):
        body["topics"] = list(d["question_topics"])
    return body


def answer_body(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"case_ref": case_ref, "answer": d["answer"]}
    if case is not None and case.reference != case_ref:
        # The receiving node answers: it names the case it opened, so the sender can find it.
        body["receiver_case_ref"] = case.reference
    return body


def _passed(*keys: str) -> Any:
    """A body builder for a kind whose data another part of TRM prepares (justice): the case
    reference and the listed members present in the data, as they are."""

    def build(case_ref: str, case: Any, d: Mapping[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"case_ref": case_ref}
        body.update({k: d[k] for k in keys if d.get(k) not in (None, "", [])})
        if "payments" in keys and "payments" in d:
            body["payments"] = list(d["payments"])
        return body

    return build


compensation_claim_body = _passed(
    "claim_ref",
    "currency",
    "amount_claimed",
    "submitted_on",
    "crime_country",
    "back_pay",
    "deciding_authority",
    "proceeding_ref",
)
compensation_answer_body = _passed(
    "claim_ref", "decider_claim_ref", "outcome", "currency", "decided_on", "amount_awarded", "payments", "ended_on"
)
group_reference_body = _passed("group_ref", "group_kind", "sector", "country")

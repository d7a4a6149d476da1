"""Notification only, requested actions, handling restrictions, family tracing, answers, return and reports."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.exchange.shell_support import PEER
from tests.factories import make_user
from trm.accounts.roles import Role
from trm.cases import casework, guardians
from trm.exchange import schemas
from trm.exchange.models import OutboxMessage
from trm.transnational import workflows
from trm.transnational.forms import FollowUpForm
from trm.transnational.kinds import FOLLOW_UPS, KINDS
from trm.transnational.models import Direction, Link, LinkStatus, ReportDue

from .test_workflows import offer_from_peer


def appoint(two, case):
    from trm.cases import children

    guardian = make_user(Role.GUARDIAN, org=two.focal.organisation)
    return children.appoint_guardian(case, guardian=guardian, by=two.focal, appointed_on=timezone.localdate())


def test_a_notification_alone_asks_for_cooperation_without_an_offer(two):
    link = workflows.send_referral(
        two.case(),
        by=two.focal,
        to_node=PEER,
        offer=False,
        requested_actions=["risk_assessment", "identity_verification"],
    )
    (row,) = two.sent()
    assert row.type == "case_notification"
    assert row.envelope["body"]["requested_actions"] == ["risk_assessment", "identity_verification"]
    assert link.status == LinkStatus.NOTIFIED and link.offer_message_id is None
    with pytest.raises(ValidationError, match="No referral was offered"):
        workflows.withdraw(link, by=two.focal)


def test_identity_verification_is_never_asked_for_an_asylum_seeker_and_nothing_is_stored(two):
    case = two.case(asylum_seeker=True)
    with pytest.raises(ValidationError, match="never requested"):
        workflows.send_referral(
            case, by=two.focal, to_node=PEER, services=["legal"], requested_actions=["identity_verification"]
        )
    assert two.sent() == [] and not Link.objects.exists()


def test_family_tracing_is_never_asked_for_an_adult(two):
    with pytest.raises(ValidationError, match="children only"):
        workflows.send_referral(
            two.case(), by=two.focal, to_node=PEER, offer=False, requested_actions=["family_tracing"]
        )
    assert two.sent() == []


def test_the_handling_restrictions_go_with_every_message_of_the_conversation(two):
    link = workflows.send_referral(
        two.case(),
        by=two.focal,
        to_node=PEER,
        services=["shelter"],
        handling_codes=["H1", "H3"],
        handling_text="Only for the reception service.",
    )
    workflows.send(link, by=two.focal, kind="risk_assessment_request", data={"topics": ["trafficker_links"]})
    for row in two.sent():
        assert row.envelope["handling"] == {"codes": ["H1", "H3"], "text": "Only for the reception service."}


def test_h3_needs_its_conditions(two):
    with pytest.raises(ValidationError, match="H3"):
        workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"], handling_codes=["H3"])
    assert two.sent() == []


def test_a_referral_for_return_names_its_purpose(two):
    workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["reintegration"], purpose="return")
    assert two.sent("referral_offer")[0].envelope["purpose"] == "return"
    assert two.sent("case_notification")[0].envelope["purpose"] == "assistance"


def test_family_tracing_is_refused_for_an_adult_conversation(two):
    link = workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])
    with pytest.raises(ValidationError, match="children only"):
        workflows.send(link, by=two.focal, kind="family_tracing_request", data={"relationship": "mother"})
    assert not two.sent("family_tracing_request")


def test_family_tracing_for_a_child_goes_through_the_guardian(two):
    case = two.child_case()
    link = workflows.send_referral(case, by=two.focal, to_node=PEER, services=["family_reunification"])
    with pytest.raises(ValidationError, match="guardian"):
        workflows.send(link, by=two.focal, kind="family_tracing_request", data={"relationship": "mother"})
    appointment = appoint(two, case)
    workflows.send(
        link,
        by=two.focal,
        kind="family_tracing_request",
        data={"relationship": "mother", "last_known_locality": "Synthetic Town"},
    )
    row = two.sent("family_tracing_request")[0]
    assert row.envelope["body"] == {
        "case_ref": case.reference,
        "is_child": True,
        "guardian_ref": f"GA-{appointment.pk}",
        "family_members": [{"relationship": "mother", "last_known_locality": "Synthetic Town"}],
    }
    assert row.envelope["legal_basis"] == "best_interests" and row.envelope["purpose"] == "family_tracing"


def test_an_answer_needs_a_request_and_replies_to_it(two):
    link = workflows.accept(offer_from_peer(two, conversation := uuid.uuid4()), by=two.focal)
    data = {"overall_risk": "low", "recommendation": "return_possible"}
    with pytest.raises(ValidationError, match="no request to answer"):
        workflows.send(link, by=two.focal, kind="risk_assessment_response", data=data)
    two.receive(
        "risk_assessment_request",
        {"case_ref": "XK-REF-1", "is_child": False, "topics": ["retaliation_risk"]},
        conversation=conversation,
        purpose="risk_assessment",
    )
    request = two.net_inbox("risk_assessment_request")
    workflows.send(link, by=two.focal, kind="risk_assessment_response", data=data)
    (row,) = two.sent("risk_assessment_response")
    assert row.envelope["in_reply_to"] == str(request.message_id)
    assert row.envelope["body"]["case_ref"] == "XK-REF-1"


def test_the_origin_answers_an_identity_verification(two):
    link = workflows.accept(offer_from_peer(two, conversation := uuid.uuid4()), by=two.focal)
    two.receive(
        "identity_verification_request",
        {
            "case_ref": "XK-REF-1",
            "asylum_seeker": False,
            "identity": {"family_name": "Synthetica", "given_names": "Maria"},
        },
        conversation=conversation,
        purpose="identification",
    )
    workflows.send(
        link,
        by=two.focal,
        kind="identity_verification_response",
        data={"verification_outcome": "confirmed", "verified_nationality": "MD", "travel_document_possible": True},
    )
    assert two.sent("identity_verification_response")[0].envelope["body"] == {
        "case_ref": "XK-REF-1",
        "receiver_case_ref": link.case.reference,  # the case opened here on acceptance
        "outcome": "confirmed",
        "verified_nationality": "MD",
        "travel_document_possible": True,
    }


RETURN = {
    "planned_date": dt.date(2026, 12, 10),
    "reception_organisation": "Synthetic Reception NGO",
    "arrival_point": "Airport",
    "voluntary": True,
    "travel_document": "laissez_passer",
}


def test_a_return_is_arranged_only_after_the_origin_assessed_the_risk(two):
    link = workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["reintegration"])
    with pytest.raises(ValidationError, match="risk assessment"):
        workflows.send(link, by=two.focal, kind="return_arrangements", data=RETURN)
    two.receive(
        "risk_assessment_response",
        {
            "case_ref": link.case.reference,
            "overall_risk": "low",
            "recommendation": "return_possible",
            "assessed_on": "2026-11-20",
        },
        conversation=link.conversation,
        purpose="risk_assessment",
        in_reply_to=str(uuid.uuid4()),
    )
    workflows.send(link, by=two.focal, kind="return_arrangements", data=RETURN)
    body = two.sent("return_arrangements")[0].envelope["body"]
    assert body["risk_assessment_ref"] == str(two.net_inbox("risk_assessment_response").message_id)
    assert body["travel_plan"] == {"planned_date": "2026-12-10", "escort": False, "arrival_point": "Airport"}


def test_a_child_returns_only_with_the_safeguards_in_place(two):
    case = two.child_case()
    link = workflows.send_referral(case, by=two.focal, to_node=PEER, services=["family_reunification"])
    two.receive(
        "risk_assessment_response",
        {
            "case_ref": case.reference,
            "overall_risk": "low",
            "recommendation": "return_possible",
            "assessed_on": "2026-11-20",
        },
        conversation=link.conversation,
        purpose="risk_assessment",
        in_reply_to=str(uuid.uuid4()),
        legal_basis="best_interests",
        consent_ref=None,
        best_interests_ref="BI-3",
    )
    with pytest.raises(ValidationError, match="best interests determination"):
        workflows.send(link, by=two.focal, kind="return_arrangements", data=RETURN)
    assert not two.sent("return_arrangements")


def test_arrival_schedules_the_3_6_12_month_reports_and_a_report_closes_its_own(two):
    link = workflows.accept(offer_from_peer(two, uuid.uuid4()), by=two.focal)
    workflows.send(
        link,
        by=two.focal,
        kind="arrival_confirmation",
        data={"received_by": "Synthetic Reception NGO", "date": dt.date(2026, 1, 31)},
    )
    due = {r.months: r.due_on for r in ReportDue.objects.filter(link=link)}
    assert due == {3: dt.date(2026, 4, 30), 6: dt.date(2026, 7, 31), 12: dt.date(2027, 1, 31)}
    workflows.send(
        link,
        by=two.focal,
        kind="post_return_report",
        data={"months_after_return": 3, "reintegration_status": "stable", "re_trafficking_alert": False},
    )
    assert list(ReportDue.objects.open().filter(link=link).values_list("months", flat=True)) == [6, 12]


def test_the_sender_expects_the_reports_once_arrival_is_confirmed(two):
    link = workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["reintegration"])
    two.receive(
        "arrival_confirmation",
        {"case_ref": link.case.reference, "arrived_on": "2026-02-01", "received_by": "Synthetic Reception NGO"},
        conversation=link.conversation,
        purpose="return",
    )
    two.receive(
        "arrival_confirmation",
        {"case_ref": link.case.reference, "arrived_on": "2026-02-01", "received_by": "Synthetic Reception NGO"},
        conversation=link.conversation,
        purpose="return",
    )  # a second delivery changes nothing
    assert ReportDue.objects.filter(link=link).count() == 3
    two.receive(
        "post_return_report",
        {
            "case_ref": link.case.reference,
            "months_after_return": 6,
            "reintegration_status": "progressing",
            "re_trafficking_alert": False,
        },
        conversation=link.conversation,
        purpose="monitoring",
    )
    assert sorted(ReportDue.objects.open().filter(link=link).values_list("months", flat=True)) == [3, 12]


EXAMPLES = {
    "topics": ["family_environment"],
    "overall_risk": "high",
    "recommendation": "return_not_advised",
    "verification_outcome": "unable_to_verify",
    "verified_nationality": "MD",
    "travel_document_possible": "true",
    "relationship": "father",
    "family_name": "Synthetic",
    "given_names": "Ion",
    "last_known_locality": "Town",
    "tracing_outcome": "traced",
    "caregiver_willing": "true",
    "caregiver_able": "false",
    "safety_concerns": "some",
    "planned_date": "2026-12-01",
    "arrival_point": "Port",
    "escort": "on",
    "travel_document": "passport",
    "reception_organisation": "Synthetic NGO",
    "voluntary": "on",
    "received_by": "Synthetic NGO",
    "months_after_return": "12",
    "reintegration_status": "stable",
    "re_trafficking_alert": "on",
    "closure_reason": "reintegrated",
    "alert_kind": "missing_child",
    "contact_point": "Duty desk",
    "date": "2026-11-01",
    "due_date": "2026-12-01",
    "remarks": "Synthetic remark.",
    "question": "Is a ground-floor room available?",
    "question_topics": ["needs"],
    "answer": "Yes.",
}


@pytest.mark.parametrize("type_", sorted(FOLLOW_UPS))
def test_a_follow_up_body_never_holds_a_field_outside_its_set(two, type_):
    """Every field of the form filled in: the body still holds only its type's fields."""
    case = two.child_case()
    form = FollowUpForm({**EXAMPLES, "type": type_}, type_=type_)
    assert form.is_valid(), form.errors
    data = {**form.cleaned_data, "guardian_ref": "GA-1", "risk_assessment_ref": str(uuid.uuid4())}
    if type_ == "guardian_handover":  # the rule adds the records the hand-over carries
        guardians.appoint(case, by=two.focal, name="Test Guardian", appointed_on=case.detected_on)
        KINDS[type_].rule(case, Link(direction=Direction.OUTGOING), data)
    body = KINDS[type_].build(case.reference, case, data)
    assert set(body) <= set(schemas.BODY_SCHEMAS[type_]["properties"])
    assert not schemas.validate(body, schemas.BODY_SCHEMAS[type_])
    assert set(KINDS[type_].fields) == {k for k in form.fields if k != "type"}


def test_a_closed_case_is_not_referred(two):
    case = two.case()
    casework.close(case, by=two.focal, reason="recovered")
    case.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])
    assert OutboxMessage.objects.count() == 0

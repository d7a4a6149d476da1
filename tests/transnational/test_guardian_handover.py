"""The child's guardian and best-interests records, handed over to the next country over trm/1."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.exchange.shell_support import PEER
from tests.factories import verified_client
from trm.audit.models import AuditEvent
from trm.cases import children, guardians
from trm.cases.models import BestInterests, GuardianAppointment
from trm.exchange.models import OutboxMessage
from trm.lib.refusals import Conflict
from trm.transnational import workflows
from trm.transnational.models import Link


def referred_child(two: Any) -> tuple[Any, Link]:
    """A child's case here with a best-interests record and a guardian without an account, referred to xk."""
    case = two.child_case()
    guardians.appoint(
        case,
        by=two.focal,
        name="Test Guardian",
        organisation="Test Centre for Social Work",
        contact="+000 00 000",
        decision_ref="CSW-2026-118",
        appointed_on=case.detected_on,
    )
    link = workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])
    return case, link


def test_the_hand_over_carries_the_guardian_and_the_best_interests_record_it_goes_on(two):
    case, link = referred_child(two)
    workflows.send(link, kind="guardian_handover", data={}, by=two.focal)
    row = OutboxMessage.objects.get(type="guardian_handover")
    bi = BestInterests.objects.get(case=case)
    assert row.envelope["legal_basis"] == "best_interests"
    assert row.envelope["best_interests_ref"] == f"BI-{bi.pk}"
    body = row.envelope["body"]
    assert body["guardian"] == {
        "kind": "guardian",
        "name": "Test Guardian",
        "organisation": "Test Centre for Social Work",
        "contact": "+000 00 000",
        "decision_ref": "CSW-2026-118",
        "appointed_on": case.detected_on.isoformat(),
    }
    assert body["best_interests"]["kind"] == "assessment" and body["is_child"] is True


def test_no_hand_over_without_a_best_interests_record(two):
    """A case referred as an adult's and found a child afterwards: no best-interests record yet."""
    case = two.case()
    link = workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])
    children.record_age_assessment(
        case, by=two.focal, trigger="doubt", methods=["interview"], decision="minor", assessed_on=timezone.localdate()
    )
    guardians.appoint(case, by=two.focal, name="Test Guardian", appointed_on=case.detected_on)
    client = verified_client(two.focal)
    url = reverse("transnational:act", args=[link.conversation, "follow-up"])
    answer = client.post(url, {"type": "guardian_handover"})
    assert answer.status_code == 409
    assert "best-interests" in answer.content.decode()
    assert not OutboxMessage.objects.filter(type="guardian_handover").exists()
    assert AuditEvent.objects.filter(action="refused", object_ref=str(link.conversation)).exists()


def test_no_hand_over_without_a_guardian(two):
    case = two.child_case()
    link = workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])
    with pytest.raises(Conflict, match="guardian"):
        workflows.send(link, kind="guardian_handover", data={}, by=two.focal)
    assert not OutboxMessage.objects.filter(type="guardian_handover").exists()


def test_the_hand_over_is_for_children_only_and_the_focal_point(two):
    case = two.case()
    link = workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])
    assert "guardian_handover" not in workflows.follow_ups_for(link)
    client = verified_client(two.responder)
    url = reverse("transnational:act", args=[link.conversation, "follow-up"])
    assert client.post(url, {"type": "guardian_handover"}).status_code in (403, 404)
    answer = verified_client(two.focal).post(url, {"type": "guardian_handover"})
    assert answer.status_code == 400
    assert not OutboxMessage.objects.filter(type="guardian_handover").exists()


HANDOVER = {
    "case_ref": "XK-2026-0060",
    "is_child": True,
    "guardian": {
        "kind": "guardian",
        "name": "Synthetic Guardian",
        "organisation": "Centre for Social Work XK",
        "decision_ref": "CSW-XK-7",
        "appointed_on": "2026-02-20",
        "contact": "+000 11 111",
    },
    "best_interests": {
        "kind": "determination",
        "decided_on": "2026-02-27",
        "durable_solution": "third_country",
        "child_views_heard": True,
        "summary": "Reunification with her aunt.",
    },
    "handed_over_on": "2026-03-02",
}


def receive_handover(two: Any, conversation: uuid.UUID) -> None:
    two.receive(
        "guardian_handover",
        HANDOVER,
        conversation=conversation,
        purpose="protection",
        legal_basis="best_interests",
        consent_ref=None,
        best_interests_ref="BI-77",
    )


def received_child_referral(two: Any) -> Link:
    """A referral of a 15-year-old (no date of birth shared: presumed a minor) received from xk."""
    conversation = uuid.uuid4()
    notification = {
        "case_ref": "XK-2026-0060",
        "nationality": "MD",
        "is_child": True,
        "age_band": "15-17",
        "gender": "female",
        "exploitation_types": ["forced_begging"],
        "urgency": "priority",
    }
    bi = {"purpose": "assistance", "legal_basis": "best_interests", "consent_ref": None, "best_interests_ref": "BI-77"}
    two.receive("case_notification", notification, conversation=conversation, **bi)
    two.receive(
        "referral_offer", {"case_ref": "XK-2026-0060", "services": ["shelter"]}, conversation=conversation, **bi
    )
    return Link.objects.get(conversation=conversation)


def test_a_received_hand_over_is_recorded_against_the_linked_case(two):
    link = received_child_referral(two)
    link = workflows.accept(link, by=two.focal)
    assert link.case is not None and link.case.is_child
    receive_handover(two, link.conversation)
    appointment = GuardianAppointment.objects.get(case=link.case)
    assert appointment.origin_country == "XK" and appointment.origin_node == PEER
    assert appointment.recorded_by is None and appointment.guardian is None
    assert appointment.person.name == "Synthetic Guardian" and appointment.decision_ref == "CSW-XK-7"
    bi = BestInterests.objects.get(case=link.case)
    assert (bi.kind, bi.durable_solution, bi.origin_ref, bi.recorded_by) == (
        "determination",
        "third_country",
        "BI-77",
        None,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM cases_guardian WHERE id = %s", [appointment.person_id])
        assert "Synthetic" not in str(cursor.fetchone()[0])
    assert AuditEvent.objects.filter(object_ref=link.case.reference, note="handed over from XK").exists()


def test_a_hand_over_received_before_the_acceptance_joins_the_case_when_it_opens(two):
    link = received_child_referral(two)
    receive_handover(two, link.conversation)
    assert not GuardianAppointment.objects.exists()
    link = workflows.accept(link, by=two.focal)
    assert GuardianAppointment.objects.get(case=link.case).person.organisation == "Centre for Social Work XK"
    assert BestInterests.objects.filter(case=link.case, origin_country="XK").count() == 1

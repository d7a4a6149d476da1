"""The criminal track kept apart, by role, in the pages and the API; and the firewall around support data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import verified_client
from tests.justice.conftest import days_ago
from trm.audit.models import AuditEvent
from trm.cases import casework, consent
from trm.justice import disclosures, perpetrators, proceedings
from trm.justice.models import Proceeding, SupportDisclosure
from trm.lib.refusals import Conflict

EVIDENCE = "She described the employer's threats in detail."


@pytest.fixture
def p(j):
    found = j.proceeding()
    proceedings.record_content(found, by=j.police, evidence=EVIDENCE, file_reference="K-2026-114")
    perpetrators.add(found, by=j.police, role="Exploiter", name="Synthetic Employer")
    proceedings.add_hearing(found, by=j.police, held_on=days_ago(-21), kind="testimony")
    return found


def test_the_criminal_track_reads_the_proceeding_page(j, p):
    for reader in (j.police, j.prosecutor):
        page = verified_client(reader).get(reverse("justice:proceeding", args=[p.reference]))
        assert page.status_code == 200
        text = page.content.decode()
        assert EVIDENCE.replace("'", "&#x27;") in text and "Synthetic Employer" in text and "K-2026-114" in text
    assert AuditEvent.objects.filter(action="read", object_ref=p.reference).count() == 2


@pytest.mark.parametrize("who", ["focal", "ca", "responder", "other_police", "provider", "guardian", "dpo"])
def test_anyone_else_opening_the_evidence_gets_a_404_which_is_audited(j, p, who):
    user = getattr(j, who)
    client = verified_client(user)
    # Everyone off the track, a role that sees no case content included, as if it did not exist.
    expected = 404
    page = client.get(reverse("justice:proceeding", args=[p.reference]))
    assert page.status_code == expected
    assert EVIDENCE not in page.content.decode()
    refused = AuditEvent.objects.filter(action="refused", actor_id=user.pk, object_ref=p.reference)
    assert refused.exists()
    api = client.get(f"/api/justice/proceedings/{p.reference}")
    assert api.status_code == expected
    assert EVIDENCE not in api.content.decode()
    assert AuditEvent.objects.filter(action="refused", actor_id=user.pk).count() == 2
    post = client.post(reverse("justice:proceeding_action", args=[p.reference, "step"]), {"event": "charge"})
    assert post.status_code == expected
    assert Proceeding.objects.get(pk=p.pk).stage == "investigation"


def test_a_caseworker_sees_that_proceedings_exist_their_stage_and_next_hearing_only(j, p):
    page = verified_client(j.focal).get(reverse("cases:detail", args=[p.case.reference]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Criminal proceedings" in text and "Investigation" in text
    assert days_ago(-21).strftime("%Y-%m-%d") in text
    assert p.reference not in text  # no link to the content
    assert "Synthetic Employer" not in text and "employer's threats" not in text and "K-2026-114" not in text
    api = verified_client(j.focal).get(f"/api/justice/cases/{p.case.reference}/proceedings")
    assert api.status_code == 200
    assert api.json() == [
        {
            "stage": "investigation",
            "opened_on": days_ago(30).isoformat(),
            "next_hearing": days_ago(-21).isoformat(),
            "reference": None,
        }
    ]
    # The criminal track gets the reference (the way to the content) in the same summary.
    own = verified_client(j.police).get("/api/justice/proceedings")
    assert [row["reference"] for row in own.json()] == [p.reference]
    assert own.json()[0]["evidence"] == EVIDENCE
    assert verified_client(j.focal).get("/api/justice/proceedings").status_code == 403


def test_the_dashboard_lists_coming_hearings_as_deadlines(j, p):
    for user, link in ((j.focal, p.case.reference), (j.police, p.reference)):
        text = verified_client(user).get(reverse("dashboard:home")).content.decode()
        assert "Hearings" in text and days_ago(-21).strftime("%Y-%m-%d") in text and link in text
    assert "Hearings" not in verified_client(j.other_police).get(reverse("dashboard:home")).content.decode()


def test_the_criminal_track_never_sees_support_data_by_default(j):
    own = casework.record_detection(by=j.police, detected_on=days_ago(2), detection_country="SE")
    casework.record_risk_assessment(own, by=j.police, level="high", assessed_on=days_ago(1), risks=["health"])
    casework.record_support_plan(own, by=j.police, type="Health", starts_on=days_ago(1), goals="Trauma therapy")
    page = verified_client(j.police).get(reverse("cases:detail", args=[own.reference]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "not shown on the criminal-justice track" in text
    # Neither the lists nor their entries on the timeline.
    assert "Support plan" not in text and "<h3>Risk assessments</h3>" not in text
    read = AuditEvent.objects.filter(action="read", actor_id=j.police.pk, object_ref=own.reference).last()
    assert "support_plans" not in read.fields and "narrative" in read.fields
    # A caseworker on the same kind of case sees them.
    case = j.case()
    text = verified_client(j.focal).get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Support plan" in text and "<h3>Risk assessments</h3>" in text


def test_referrals_to_services_are_withheld_from_the_criminal_track(j):
    from tests.referrals.builders import add_provider
    from trm.referrals import access as referral_access
    from trm.referrals import routing

    own = casework.record_detection(by=j.police, detected_on=days_ago(2), detection_country="SE")
    provider = add_provider(j.other_ngo, by=j.focal)
    consent.give(own, purpose="assistance", language="ro", by=j.police, recipients=[j.other_ngo])
    referral = routing.refer(own, to=provider, service="shelter", field_set="shelter", by=j.police, needs="A room")
    # The focal point sees it; the police officer who referred the case does not (support data).
    assert referral_access.visible_referrals(j.focal).filter(pk=referral.pk).exists()
    assert not referral_access.visible_referrals(j.police).filter(pk=referral.pk).exists()
    assert verified_client(j.police).get(reverse("referrals:detail", args=[referral.reference])).status_code == 404
    text = verified_client(j.police).get(reverse("cases:detail", args=[own.reference])).content.decode()
    assert referral.reference not in text


def _police_case_with_a_health_plan(j):
    own = casework.record_detection(by=j.police, detected_on=days_ago(2), detection_country="SE")
    plan = casework.record_support_plan(
        own, by=j.police, type="Health", starts_on=days_ago(1), review_on=days_ago(-10), goals="Trauma therapy"
    )
    casework.record_risk_assessment(own, by=j.police, level="high", assessed_on=days_ago(1), risks=["health"])
    return own, plan


def test_support_plans_are_withheld_from_the_criminal_track(j):
    from trm.referrals import access as referral_access

    own, plan = _police_case_with_a_health_plan(j)
    # The police officer who recorded the case (and its plan) does not see it: support data.
    assert not referral_access.visible_plans(j.police).filter(pk=plan.pk).exists()
    client = verified_client(j.police)
    listing = client.get(reverse("referrals:plans"))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert reverse("referrals:plan", args=[plan.pk]) not in text and "Health" not in text
    page = client.get(reverse("referrals:plan", args=[plan.pk]))
    assert page.status_code == 404 and "Trauma therapy" not in page.content.decode()
    refused = AuditEvent.objects.filter(action="refused", actor_id=j.police.pk, note__contains="referrals:plan")
    assert refused.count() == 1
    for action in ("progress", "edit"):
        assert client.get(reverse("referrals:plan_action", args=[plan.pk, action])).status_code == 404
    # Nor their review dates among the tasks, on the dashboard, the case page or in the API.
    for url in (reverse("dashboard:home"), reverse("cases:detail", args=[own.reference])):
        text = client.get(url).content.decode()
        assert "Review the support plan" not in text and "Review the risk assessment" not in text
    for url in ("/api/cases/tasks", f"/api/cases/{own.reference}", f"/api/cases/{own.reference}/deadlines"):
        api = client.get(url)
        assert api.status_code == 200
        assert "support_review" not in api.content.decode() and "risk_review" not in api.content.decode()
    # A caseworker on the same kind of case sees the plan and its review.
    case = j.case()
    theirs = case.support_plans.get()
    focal = verified_client(j.focal)
    assert reverse("referrals:plan", args=[theirs.pk]) in focal.get(reverse("referrals:plans")).content.decode()
    assert "Trauma therapy" in focal.get(reverse("referrals:plan", args=[theirs.pk])).content.decode()
    assert "risk_review" in focal.get(f"/api/cases/{case.reference}/deadlines").content.decode()


def test_support_plans_open_to_the_criminal_track_under_a_disclosure(j):
    from trm.referrals import access as referral_access

    own, plan = _police_case_with_a_health_plan(j)
    consent.give(own, purpose="criminal_proceedings", language="ro", by=j.police)
    disclosures.grant(own, by=j.focal)
    client = verified_client(j.police)
    assert referral_access.visible_plans(j.police).filter(pk=plan.pk).exists()
    assert reverse("referrals:plan", args=[plan.pk]) in client.get(reverse("referrals:plans")).content.decode()
    page = client.get(reverse("referrals:plan", args=[plan.pk]))
    assert page.status_code == 200 and "Trauma therapy" in page.content.decode()
    assert "support_review" in client.get(f"/api/cases/{own.reference}/deadlines").content.decode()
    # The disclosure ended: withheld again.
    disclosures.end(own, by=j.focal)
    assert client.get(reverse("referrals:plan", args=[plan.pk])).status_code == 404
    assert "support_review" not in client.get("/api/cases/tasks").content.decode()


def test_support_data_opens_only_on_consent_for_criminal_proceedings_and_is_audited(j):
    own = casework.record_detection(by=j.police, detected_on=days_ago(2), detection_country="SE")
    casework.record_support_plan(own, by=j.police, type="Health", starts_on=days_ago(1))
    # The criminal track cannot open it itself; nor can anyone without the person's consent.
    with pytest.raises(Exception) as refused:
        disclosures.grant(own, by=j.police)
    assert refused.type.__name__ == "PermissionDenied"
    case = j.case()
    with pytest.raises(Conflict):
        disclosures.grant(case, by=j.focal)
    consent.give(case, purpose="criminal_proceedings", language="ro", by=j.focal)
    response = verified_client(j.focal).post(reverse("justice:disclosure", args=[case.reference, "grant"]))
    assert response.status_code == 302
    assert SupportDisclosure.objects.filter(case=case, ended_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(action="decide", object_ref=case.reference, fields=["support_data"]).exists()
    # A police officer who sees the case (they recorded it) reads its support data, audited.
    from trm.justice import access

    assert access.withheld_support(j.police).filter(pk=case.pk).exists() is False
    assert access.withheld_support(j.police).filter(pk=own.pk).exists() is True
    # The consent withdrawn: the exception ends at once.
    given = case.consents.get(purpose="criminal_proceedings")
    consent.withdraw(given, by=j.focal)
    assert access.withheld_support(j.police).filter(pk=case.pk).exists() is True
    again = verified_client(j.focal).post(reverse("justice:disclosure", args=[case.reference, "grant"]))
    assert again.status_code == 409


def test_a_page_read_under_the_exception_is_audited(j):
    own = casework.record_detection(by=j.police, detected_on=days_ago(2), detection_country="SE")
    casework.record_support_plan(own, by=j.police, type="Health", starts_on=days_ago(1))
    consent.give(own, purpose="criminal_proceedings", language="ro", by=j.police)
    disclosures.grant(own, by=j.focal)
    text = verified_client(j.police).get(reverse("cases:detail", args=[own.reference])).content.decode()
    assert "Support plans" in text
    assert AuditEvent.objects.filter(
        action="read", actor_id=j.police.pk, object_ref=own.reference, note="support data under consent"
    ).exists()
    disclosures.end(own, by=j.focal)
    text = verified_client(j.police).get(reverse("cases:detail", args=[own.reference])).content.decode()
    assert "Support plan" not in text

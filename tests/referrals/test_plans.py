"""Support plans as the provider's work: goals, progress, services, review dates, closing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import verified_client
from trm.audit.models import AuditEvent
from trm.cases import casework
from trm.cases.models import Deadline, SupportPlan, SupportProgress
from trm.lib.refusals import Conflict
from trm.referrals import plans, routing


def _html(response) -> str:
    return response.content.decode()


def _started(world, **overrides):
    referral = world.refer()
    routing.accept(referral, by=world.shelter)
    data = {"type": "SocialCare", "starts_on": timezone.localdate(), "review_on": None, "goals": "Safe housing"}
    data.update(overrides)
    return referral, plans.create(referral, by=world.shelter, **data)


def test_the_provider_starts_a_plan_from_an_accepted_referral(world):
    referral = world.refer()
    client = verified_client(world.shelter)
    url = reverse("referrals:action", args=[referral.reference, "plan"])
    data = {"type": "SocialCare", "starts_on": str(timezone.localdate()), "goals": "Stable housing"}
    assert client.post(url, data).status_code == 400  # not accepted yet: refused, nothing stored
    assert not SupportPlan.objects.exists()
    routing.accept(referral, by=world.shelter)
    page = _html(client.get(reverse("referrals:detail", args=[referral.reference])))
    assert "Start a support plan" in page
    assert client.post(url, data).status_code == 302
    plan = SupportPlan.objects.get()
    assert plan.provider == world.shelter_org and plan.case == referral.case and plan.goals == "Stable housing"


def test_the_provider_records_progress_edits_and_completes_and_the_case_manager_reads_it(world):
    referral, plan = _started(world)
    client = verified_client(world.shelter)
    base = f"/referrals/plans/{plan.pk}/"
    page = _html(client.get(base))
    assert "Safe housing" in page and referral.case.reference not in page  # the provider never sees the case
    assert f'hx-get="{base}progress/"' in page
    assert client.get(f"{base}progress/", headers={"HX-Request": "true"}).status_code == 200
    today = str(timezone.localdate())
    response = client.post(
        f"{base}progress/", {"recorded_on": today, "services": ["shelter", "psychological"], "note": "Settled in"}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "active"  # progress on a planned plan starts it
    review = timezone.localdate() + dt.timedelta(days=14)
    assert client.post(f"{base}edit/", {"goals": "Housing and work", "review_on": str(review)}).status_code == 302
    plan.refresh_from_db()
    assert (plan.goals, plan.review_on) == ("Housing and work", review)
    # The referring case manager reads the progress on the case page and on the plan's page.
    ca = verified_client(world.ca)
    case_page = _html(ca.get(f"/cases/{referral.case.reference}/"))
    assert "Settled in" in case_page and "Housing and work" in case_page
    plan_page = _html(ca.get(base))
    assert "Shelter / safe accommodation" in plan_page and referral.case.reference in plan_page
    assert client.post(f"{base}complete/", {"outcome": ""}).status_code == 400
    assert client.post(f"{base}complete/", {"outcome": "Moved to own flat"}).status_code == 302
    plan.refresh_from_db()
    assert plan.status == "completed" and plan.closed_at is not None
    # A closed plan changes no more.
    assert client.post(f"{base}edit/", {"goals": "x"}).status_code == 409
    with pytest.raises(Conflict):
        plans.update(plan, by=world.shelter, goals="x", review_on=None)


def test_the_audit_names_fields_never_the_goals_or_the_progress(world):
    _referral, plan = _started(world, goals="Secret goal text")
    plans.record_progress(plan, by=world.shelter, recorded_on=timezone.localdate(), note="Secret progress")
    for event in AuditEvent.objects.filter(object_ref=f"support-plan-{plan.pk}"):
        assert "Secret" not in str(event.chained_fields())


def test_another_provider_gets_404_for_the_plan_and_every_edit(world):
    _referral, plan = _started(world)
    other = verified_client(world.other_provider)
    base = f"/referrals/plans/{plan.pk}/"
    assert other.get(base).status_code == 404
    for action, data in (("edit", {"goals": "x"}), ("progress", {"note": "x"}), ("complete", {"outcome": "x"})):
        assert other.get(f"{base}{action}/").status_code == 404
        assert other.post(f"{base}{action}/", data).status_code == 404
    plan.refresh_from_db()
    assert plan.goals == "Safe housing" and not SupportProgress.objects.exists()


def test_roles_without_the_case_are_refused(world):
    _referral, plan = _started(world)
    base = f"/referrals/plans/{plan.pk}/"
    for user in (world.guardian, world.police, world.responder):
        assert verified_client(user).get(base).status_code == 404
    for user in (world.dpo, world.rapporteur, world.admin):
        assert verified_client(user).get(base).status_code == 403
    assert verified_client(world.focal).get("/referrals/plans/999999/edit/").status_code == 404
    assert verified_client(world.shelter).post(f"{base}promote/").status_code == 404


def test_the_provider_loses_the_plan_when_its_referral_ends(world):
    referral, plan = _started(world)
    routing.withdraw(referral, by=world.ca, reason="not_needed")
    assert verified_client(world.shelter).get(f"/referrals/plans/{plan.pk}/").status_code == 404
    assert verified_client(world.ca).get(f"/referrals/plans/{plan.pk}/").status_code == 200


def test_bad_input_is_a_400_and_stores_nothing(world):
    _referral, plan = _started(world)
    client = verified_client(world.shelter)
    base = f"/referrals/plans/{plan.pk}/"
    future = str(timezone.localdate() + dt.timedelta(days=3))
    assert client.post(f"{base}progress/", {"recorded_on": future, "note": "x"}).status_code == 400
    assert client.post(f"{base}progress/", {"recorded_on": "nonsense", "note": "x"}).status_code == 400
    bogus = {"recorded_on": str(timezone.localdate()), "note": "x", "services": ["bogus"]}
    assert client.post(f"{base}progress/", bogus).status_code == 400
    before = str(plan.starts_on - dt.timedelta(days=1))
    assert client.post(f"{base}edit/", {"goals": "x", "review_on": before}).status_code == 400
    assert not SupportProgress.objects.exists()
    plan.refresh_from_db()
    assert plan.goals == "Safe housing"


def test_review_dates_are_deadlines_for_both_sides(world):
    review = timezone.localdate() + dt.timedelta(days=5)
    referral, plan = _started(world, review_on=review)
    deadline = Deadline.objects.open().get(case=referral.case, kind="support_review")
    assert deadline.due_on == review
    # The referring side: among its deadlines and tasks.
    assert "Review the support plan" in _html(verified_client(world.ca).get("/"))
    # The provider: its own panel of plan reviews (it does not see the case's deadlines).
    dashboard = _html(verified_client(world.shelter).get("/"))
    assert "Support plan reviews" in dashboard and f"/referrals/plans/{plan.pk}/" in dashboard
    assert referral.case.reference not in dashboard
    plans.move(plan, by=world.shelter, event=plans.STOP, outcome="Person left")
    assert not Deadline.objects.open().filter(case=referral.case, kind="support_review").exists()


def test_a_case_manager_plan_with_a_review_opens_the_deadline(world):
    case = world.presumed_victim()
    review = timezone.localdate() + dt.timedelta(days=9)
    casework.record_support_plan(case, by=world.ca, type="Health", starts_on=timezone.localdate(), review_on=review)
    assert Deadline.objects.open().get(case=case, kind="support_review").due_on == review


def test_the_transitions_are_a_table(world):
    _referral, plan = _started(world)
    with pytest.raises(Conflict):
        plans.move(plan, by=world.shelter, event=plans.COMPLETE, outcome="x")  # planned: start or stop only
    plans.move(plan, by=world.shelter, event=plans.START)
    plan.refresh_from_db()
    assert plan.status == "active"
    assert plans.allowed_events(plan) == [plans.COMPLETE, plans.STOP]


def test_the_providers_lists_explain_where_the_work_is(world):
    _referral, plan = _started(world)
    page = _html(verified_client(world.shelter).get("/referrals/plans/"))
    assert f"/referrals/plans/{plan.pk}/" in page
    empty = _html(verified_client(world.other_provider).get("/referrals/plans/"))
    assert "No open support plan" in empty and f"/referrals/plans/{plan.pk}/" not in empty
    assert verified_client(world.dpo).get("/referrals/plans/").status_code == 403


def test_the_verbs_refuse_another_provider_and_roles_without_the_case_themselves(world):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    _referral, plan = _started(world)
    with pytest.raises(Http404):
        plans.update(plan, by=world.other_provider, goals="x", review_on=None)
    with pytest.raises(Http404):
        plans.record_progress(plan, by=world.police, recorded_on=timezone.localdate(), note="x")
    with pytest.raises(Http404):
        plans.move(plan, by=world.dpo, event=plans.STOP, outcome="x")
    other_case = world.presumed_victim()
    world.consent_for(other_case, recipients=[world.other_org])
    other_referral = world.refer(other_case, to=world.legal_provider, service="legal", field_set="legal_aid")
    with pytest.raises(PermissionDenied):
        plans.create(other_referral, by=world.shelter, type="Legal", starts_on=timezone.localdate())
    plan.refresh_from_db()
    assert plan.goals == "Safe housing" and plan.status == "planned"

"""Every refused request leaves exactly one 'refused' entry: route, method, status, object; no content."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import verified_client
from tests.problems import assert_problem
from tests.referrals.conftest import world  # noqa: F401  (the referrals fixture)
from trm.audit.models import AuditEvent
from trm.audit.refusals import object_of
from trm.referrals.models import Status

PERSONAL = ("Ana", "Testova", "1995", "Bus station")


def _the_refusal(after: int = 0) -> AuditEvent:
    """The one 'refused' entry (after sequence number ``after``); none of the person's data in it."""
    entries = list(AuditEvent.objects.filter(action="refused", seq__gt=after))
    assert len(entries) == 1, [e.note for e in entries]
    text = json.dumps(entries[0].chained_fields())
    assert not [p for p in PERSONAL if p in text], text
    return entries[0]


def test_a_case_of_another_organisation_is_a_404_audited_once(world):  # noqa: F811
    case = world.presumed_victim()
    response = verified_client(world.shelter).get(reverse("cases:detail", args=[case.reference]))
    assert response.status_code == 404
    entry = _the_refusal()
    assert (entry.object_type, entry.object_ref) == ("cases.case", case.reference)
    assert entry.note == "404 GET cases:detail"
    assert entry.actor_id == world.shelter.pk and entry.fields == []


def test_a_forbidden_page_is_a_403_audited_once(world):  # noqa: F811
    # The shelter sees its own directory entry but may not edit it.
    pk = world.shelter_provider.pk
    response = verified_client(world.shelter).get(reverse("referrals:provider_edit", args=[pk]))
    assert response.status_code == 403
    entry = _the_refusal()
    assert (entry.object_type, entry.object_ref) == ("referrals.provider", f"provider-{pk}")
    assert entry.note == "403 GET referrals:provider_edit"


def test_a_csrf_failure_is_a_403_audited_once(world):  # noqa: F811
    client = verified_client(world.ca, Client(enforce_csrf_checks=True))
    response = client.post(reverse("cases:search"), {"q": "Ana"})
    assert response.status_code == 403
    entry = _the_refusal()
    assert entry.note == "403 POST cases:search csrf"
    assert entry.object_type == ""


def test_a_csrf_failure_in_the_api_is_a_problem_audited_once(world):  # noqa: F811
    client = verified_client(world.ca, Client(enforce_csrf_checks=True))
    response = client.post("/api/referrals/notifications/read", "{}", content_type="application/json")
    assert_problem(response, 403)
    assert _the_refusal().note == "403 POST /api/referrals/notifications/read csrf"


def test_an_api_404_is_audited_once(world):  # noqa: F811
    case = world.presumed_victim()
    response = verified_client(world.shelter).get(f"/api/cases/{case.reference}")
    assert_problem(response, 404)
    entry = _the_refusal()
    assert (entry.object_type, entry.object_ref) == ("cases.case", case.reference)
    assert entry.note == "404 GET /api/cases/{reference}"


def test_a_refused_step_keeps_the_verbs_reason_in_its_one_entry(world):  # noqa: F811
    referral = world.refer()
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    # The referring side may not accept its own offer: the verb refuses, after its rollback.
    response = verified_client(world.ca).post(f"/api/referrals/{referral.reference}/accept")
    assert_problem(response, 403)
    entry = _the_refusal(after=before)
    assert (entry.object_type, entry.object_ref) == ("referrals.referral", referral.reference)
    assert entry.note == "403 POST /api/referrals/{reference}/accept accept: forbidden"
    page = verified_client(world.ca).post(reverse("referrals:action", args=[referral.reference, "accept"]))
    assert page.status_code == 403
    assert AuditEvent.objects.filter(action="refused", seq__gt=before).count() == 2
    referral.refresh_from_db()
    assert referral.status == Status.OFFERED


def test_bad_input_is_not_a_refusal_but_a_verbs_legal_refusal_is(world):  # noqa: F811
    case = world.presumed_victim()
    client = verified_client(world.ca)
    assert_problem(client.post("/api/referrals/", "{}", content_type="application/json"), 400)
    assert not AuditEvent.objects.filter(action="refused").exists()
    body = {"case": case.reference, "provider": world.shelter_provider.pk, "service": "shelter", "field_set": "shelter"}
    assert_problem(client.post("/api/referrals/", body, content_type="application/json"), 400)
    assert _the_refusal().note == "400 POST /api/referrals/ refer: no_consent"


def test_anonymous_visitors_leave_no_entry(world, client):  # noqa: F811
    case = world.presumed_victim()
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 302
    assert_problem(client.get(f"/api/cases/{case.reference}"), 401)
    assert client.get("/no-such-page/").status_code == 404
    assert not AuditEvent.objects.filter(action="refused").exists()


def test_a_url_that_names_no_route_leaves_no_entry(world):  # noqa: F811
    client = verified_client(world.ca)
    assert client.get("/no-such-page.ico").status_code == 404
    assert not AuditEvent.objects.filter(action="refused").exists()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/cases/C-1/screen/", ("cases.case", "C-1")),
        ("/referrals/new/C-1/", ("cases.case", "C-1")),
        ("/referrals/R-1/fields/given_name/", ("referrals.referral", "R-1")),
        ("/referrals/directory/7/edit/", ("referrals.provider", "provider-7")),
        ("/network/meetings/7/updates/RO/", ("network.meeting", "7")),
        ("/network/countries/RO/", ("network.networkcountry", "RO")),
        ("/api/referrals/providers/7/capacity", ("referrals.provider", "provider-7")),
        ("/api/network/actions/7/status", ("network.actionitem", "7")),
        ("/cases/", ("", "")),
    ],
)
def test_the_object_comes_from_the_routes_app_and_parameter(path, expected):
    from django.urls import resolve

    assert object_of(resolve(path)) == expected

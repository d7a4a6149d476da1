from __future__ import annotations

import json

from django.utils import timezone

from tests.factories import verified_client
from tests.problems import assert_problem
from trm.audit.models import AuditEvent
from trm.cases import consent
from trm.referrals import fieldsets
from trm.referrals.models import Referral, Status

API = "/api/referrals"


def _post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_it_is_in_the_openapi_schema(world):
    schema = verified_client(world.ca).get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in (
        f"{API}/",
        f"{API}/providers",
        f"{API}/{{reference}}/shared",
        f"{API}/{{reference}}/accept",
        f"{API}/{{reference}}/fields/{{field}}",
        f"{API}/field-sets",
        f"{API}/notifications",
    ):
        assert path in paths, path


def test_the_whole_flow_through_the_api(world):
    case = world.presumed_victim()
    world.consent_for(case)
    state = verified_client(world.ca)
    response = _post(
        state,
        f"{API}/",
        {
            "case": case.reference,
            "provider": world.shelter_provider.pk,
            "service": "shelter",
            "field_set": "shelter",
            "needs": "Quiet room",
        },
    )
    assert response.status_code == 201, response.content
    ref = response.json()["reference"]
    assert response.json()["side"] == "referring" and response.json()["case"] == case.reference
    ngo = verified_client(world.shelter)
    listed = ngo.get(f"{API}/?side=receiving").json()
    assert [r["reference"] for r in listed] == [ref] and listed[0]["case"] is None
    assert _post(ngo, f"{API}/{ref}/accept").json()["status"] == "accepted"
    response = _post(ngo, f"{API}/{ref}/deliveries", {"service": "shelter", "delivered_on": str(timezone.localdate()),
                                                       "description": "Room"})  # fmt: skip
    assert response.json()["status"] == "in_progress"
    response = _post(ngo, f"{API}/{ref}/complete", {"report": "Done well"})
    assert response.status_code == 200 and response.json()["status"] == "completed"
    assert response.json()["deliveries"] == []  # the provider's access has ended
    assert_problem(ngo.get(f"{API}/{ref}"), 404)
    feedback = state.get(f"{API}/{ref}").json()
    assert feedback["report"] == "Done well" and feedback["deliveries"][0]["description"] == "Room"


def test_the_provider_reads_only_the_shared_fields(world):
    referral = world.refer()
    ngo = verified_client(world.shelter)
    data = ngo.get(f"{API}/{referral.reference}/shared").json()
    assert list(data["fields"]) == list(fieldsets.shared_keys(referral))
    assert "family_name" not in data["fields"] and "date_of_birth" not in data["fields"]
    text = json.dumps(data)
    assert "Testova" not in text and "Bus station" not in text and "1995" not in text
    refused = ngo.get(f"{API}/{referral.reference}/shared?fields=given_name,family_name")
    assert "family_name" in assert_problem(refused, 403)["detail"]
    assert "Testova" not in refused.content.decode()
    one = ngo.get(f"{API}/{referral.reference}/fields/date_of_birth")
    assert "not shared" in assert_problem(one, 403)["detail"]
    # One entry per refusal, naming the refused fields (never their values).
    entries = AuditEvent.objects.filter(action="refused", object_ref=referral.reference).order_by("seq")
    assert [(e.fields, e.note) for e in entries] == [
        (["family_name"], "403 GET /api/referrals/{reference}/shared field not shared"),
        (["date_of_birth"], "403 GET /api/referrals/{reference}/fields/{field} field not shared"),
    ]
    assert ngo.get(f"{API}/{referral.reference}/fields/given_name").json()["value"] == "Ana"
    assert_problem(ngo.get(f"{API}/{referral.reference}/fields/bogus"), 404)
    assert ngo.get(f"{API}/{referral.reference}/shared?fields=given_name").json()["fields"] == {"given_name": "Ana"}


def test_other_providers_and_roles_are_refused(world):
    referral = world.refer()
    for user in (world.other_provider, world.guardian, world.police):
        client = verified_client(user)
        assert_problem(client.get(f"{API}/{referral.reference}"), 404)
        assert_problem(client.get(f"{API}/{referral.reference}/shared"), 404)
        assert_problem(_post(client, f"{API}/{referral.reference}/accept"), 404)
        assert client.get(f"{API}/").json() == []
    for user in (world.dpo, world.rapporteur, world.admin):
        client = verified_client(user)
        assert_problem(client.get(f"{API}/"), 403)
        assert_problem(client.get(f"{API}/{referral.reference}/shared"), 403)
    assert_problem(_post(verified_client(world.shelter), f"{API}/{referral.reference}/withdraw",
                         {"reason": "not_needed"}), 403)  # fmt: skip
    assert_problem(_post(verified_client(world.ca), f"{API}/{referral.reference}/accept"), 403)
    referral.refresh_from_db()
    assert referral.status == Status.OFFERED


def test_withdrawing_consent_ends_the_providers_access_in_the_api(world):
    referral = world.refer()
    ngo = verified_client(world.shelter)
    assert ngo.get(f"{API}/{referral.reference}/shared").status_code == 200
    consent.withdraw(referral.consent, by=world.ca)
    assert_problem(ngo.get(f"{API}/{referral.reference}/shared"), 404)
    assert_problem(ngo.get(f"{API}/{referral.reference}"), 404)
    assert ngo.get(f"{API}/").json() == []


def test_bad_input_is_a_400_with_nothing_stored(world):
    case = world.presumed_victim()
    state = verified_client(world.ca)
    body = {"case": case.reference, "provider": world.shelter_provider.pk, "service": "shelter", "field_set": "shelter"}
    response = _post(state, f"{API}/", body)
    refused = assert_problem(response, 400, fields={None})
    assert "consent" in refused["detail"] and refused["errors"][0]["code"] == "no_consent"
    world.consent_for(case)
    assert_problem(_post(state, f"{API}/", {**body, "service": "legal"}), 400, fields={"service"})
    assert_problem(_post(state, f"{API}/", {**body, "provider": 99999}), 400, fields={"provider"})
    assert_problem(_post(state, f"{API}/", {**body, "case": "SE-NONE-NONE"}), 404)
    assert_problem(_post(state, f"{API}/", {"case": case.reference}), 400, fields={"provider", "service", "field_set"})
    assert_problem(state.post(f"{API}/", "{not json", content_type="application/json"), 400)
    assert not Referral.objects.exists()
    referral = world.refer(case)
    ngo = verified_client(world.shelter)
    assert_problem(_post(ngo, f"{API}/{referral.reference}/decline", {"reason": "bogus"}), 400, fields={"reason"})
    assert_problem(_post(ngo, f"{API}/{referral.reference}/complete", {"report": "x"}), 400, fields={None})
    referral.refresh_from_db()
    assert referral.status == Status.OFFERED


def test_the_directory_api(world):
    ngo = verified_client(world.shelter)
    rows = ngo.get(f"{API}/providers?service=shelter").json()
    assert [r["organisation"] for r in rows] == ["Safe House NGO"]
    assert_problem(ngo.get(f"{API}/providers?accepts=aliens"), 400, fields={"accepts"})
    assert ngo.get(f"{API}/providers/{world.shelter_provider.pk}").json()["free_places"] == 3
    response = _post(ngo, f"{API}/providers/{world.shelter_provider.pk}/capacity", {"free_places": 1})
    assert response.status_code == 200 and response.json()["free_places"] == 1
    other = verified_client(world.other_provider)
    assert_problem(_post(other, f"{API}/providers/{world.shelter_provider.pk}/capacity", {"free_places": 9}), 403)
    assert_problem(
        _post(ngo, f"{API}/providers/{world.shelter_provider.pk}/capacity", {"free_places": 99}),
        400,
        fields={"free_places"},
    )
    patch = verified_client(world.shelter).patch(
        f"{API}/providers/{world.shelter_provider.pk}",
        json.dumps({"accepts_men": False}),
        content_type="application/json",
    )
    assert_problem(patch, 403)
    admin = verified_client(world.admin)
    patch = admin.patch(f"{API}/providers/{world.shelter_provider.pk}", json.dumps({"accepts_men": False}),
                        content_type="application/json")  # fmt: skip
    assert patch.status_code == 200 and patch.json()["accepts_men"] is False
    from tests.factories import make_org

    org = make_org(name="New Clinic")
    created = _post(admin, f"{API}/providers", {"organisation": org.pk, "services": ["medical"]})
    assert created.status_code == 201
    assert_problem(
        _post(admin, f"{API}/providers", {"organisation": org.pk, "services": ["medical"]}),
        400,
        fields={"organisation"},
    )
    assert_problem(
        _post(admin, f"{API}/providers", {"organisation": 99999, "services": ["medical"]}), 400, fields={"organisation"}
    )
    assert_problem(_post(ngo, f"{API}/providers", {"organisation": org.pk, "services": ["medical"]}), 403)
    assert next(f["key"] for f in ngo.get(f"{API}/field-sets").json()) == "minimal"


def test_notifications_api(world):
    referral = world.refer()
    ngo = verified_client(world.shelter)
    items = ngo.get(f"{API}/notifications").json()
    assert items[0]["referral"] == referral.reference and items[0]["read"] is False
    assert "Ana" not in items[0]["text"]
    assert _post(ngo, f"{API}/notifications/read", {}).json() == {"marked": 1}
    assert ngo.get(f"{API}/notifications").json()[0]["read"] is True

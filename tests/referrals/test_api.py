from __future__ import annotations

import json

from django.utils import timezone

from tests.factories import verified_client
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
    assert ngo.get(f"{API}/{ref}").status_code == 404
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
    assert refused.status_code == 403 and "family_name" in refused.json()["detail"]
    assert "Testova" not in refused.content.decode()
    one = ngo.get(f"{API}/{referral.reference}/fields/date_of_birth")
    assert one.status_code == 403 and "not shared" in one.json()["detail"]
    assert AuditEvent.objects.filter(action="refused", object_ref=referral.reference).count() == 2
    assert ngo.get(f"{API}/{referral.reference}/fields/given_name").json()["value"] == "Ana"
    assert ngo.get(f"{API}/{referral.reference}/fields/bogus").status_code == 404
    assert ngo.get(f"{API}/{referral.reference}/shared?fields=given_name").json()["fields"] == {"given_name": "Ana"}


def test_other_providers_and_roles_are_refused(world):
    referral = world.refer()
    for user in (world.other_provider, world.guardian, world.police):
        client = verified_client(user)
        assert client.get(f"{API}/{referral.reference}").status_code == 404
        assert client.get(f"{API}/{referral.reference}/shared").status_code == 404
        assert _post(client, f"{API}/{referral.reference}/accept").status_code == 404
        assert client.get(f"{API}/").json() == []
    for user in (world.dpo, world.rapporteur, world.admin):
        client = verified_client(user)
        assert client.get(f"{API}/").status_code == 403
        assert client.get(f"{API}/{referral.reference}/shared").status_code == 403
    assert _post(verified_client(world.shelter), f"{API}/{referral.reference}/withdraw",
                 {"reason": "not_needed"}).status_code == 403  # fmt: skip
    assert _post(verified_client(world.ca), f"{API}/{referral.reference}/accept").status_code == 403


def test_withdrawing_consent_ends_the_providers_access_in_the_api(world):
    referral = world.refer()
    ngo = verified_client(world.shelter)
    assert ngo.get(f"{API}/{referral.reference}/shared").status_code == 200
    consent.withdraw(referral.consent, by=world.ca)
    assert ngo.get(f"{API}/{referral.reference}/shared").status_code == 404
    assert ngo.get(f"{API}/{referral.reference}").status_code == 404
    assert ngo.get(f"{API}/").json() == []


def test_bad_input_is_a_400_with_nothing_stored(world):
    case = world.presumed_victim()
    state = verified_client(world.ca)
    body = {"case": case.reference, "provider": world.shelter_provider.pk, "service": "shelter", "field_set": "shelter"}
    response = _post(state, f"{API}/", body)
    assert response.status_code == 400 and "consent" in response.json()["detail"]
    world.consent_for(case)
    assert _post(state, f"{API}/", {**body, "service": "legal"}).status_code == 400
    assert _post(state, f"{API}/", {**body, "provider": 99999}).status_code == 400
    assert _post(state, f"{API}/", {**body, "case": "SE-NONE-NONE"}).status_code == 404
    assert _post(state, f"{API}/", {"case": case.reference}).status_code in (400, 422)
    assert not Referral.objects.exists()
    referral = world.refer(case)
    ngo = verified_client(world.shelter)
    assert _post(ngo, f"{API}/{referral.reference}/decline", {"reason": "bogus"}).status_code == 400
    assert _post(ngo, f"{API}/{referral.reference}/complete", {"report": "x"}).status_code == 400
    referral.refresh_from_db()
    assert referral.status == Status.OFFERED


def test_the_directory_api(world):
    ngo = verified_client(world.shelter)
    rows = ngo.get(f"{API}/providers?service=shelter").json()
    assert [r["organisation"] for r in rows] == ["Safe House NGO"]
    assert ngo.get(f"{API}/providers?accepts=aliens").status_code == 400
    assert ngo.get(f"{API}/providers/{world.shelter_provider.pk}").json()["free_places"] == 3
    response = _post(ngo, f"{API}/providers/{world.shelter_provider.pk}/capacity", {"free_places": 1})
    assert response.status_code == 200 and response.json()["free_places"] == 1
    other = verified_client(world.other_provider)
    assert _post(other, f"{API}/providers/{world.shelter_provider.pk}/capacity", {"free_places": 9}).status_code == 403
    assert _post(ngo, f"{API}/providers/{world.shelter_provider.pk}/capacity", {"free_places": 99}).status_code == 400
    patch = verified_client(world.shelter).patch(
        f"{API}/providers/{world.shelter_provider.pk}",
        json.dumps({"accepts_men": False}),
        content_type="application/json",
    )
    assert patch.status_code == 403
    admin = verified_client(world.admin)
    patch = admin.patch(f"{API}/providers/{world.shelter_provider.pk}", json.dumps({"accepts_men": False}),
                        content_type="application/json")  # fmt: skip
    assert patch.status_code == 200 and patch.json()["accepts_men"] is False
    from tests.factories import make_org

    org = make_org(name="New Clinic")
    created = _post(admin, f"{API}/providers", {"organisation": org.pk, "services": ["medical"]})
    assert created.status_code == 201
    assert _post(admin, f"{API}/providers", {"organisation": org.pk, "services": ["medical"]}).status_code == 400
    assert _post(ngo, f"{API}/providers", {"organisation": org.pk, "services": ["medical"]}).status_code == 403
    assert next(f["key"] for f in ngo.get(f"{API}/field-sets").json()) == "minimal"


def test_notifications_api(world):
    referral = world.refer()
    ngo = verified_client(world.shelter)
    items = ngo.get(f"{API}/notifications").json()
    assert items[0]["referral"] == referral.reference and items[0]["read"] is False
    assert "Ana" not in items[0]["text"]
    assert _post(ngo, f"{API}/notifications/read", {}).json() == {"marked": 1}
    assert ngo.get(f"{API}/notifications").json()[0]["read"] is True

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import make_org, verified_client
from trm.audit.models import AuditEvent
from trm.referrals import directory
from trm.referrals.models import Provider


def test_everyone_may_search_the_directory(world):
    for user in (world.shelter, world.ca, world.admin, world.rapporteur):
        page = verified_client(user).get(reverse("referrals:directory") + "?service=shelter&free_only=on")
        assert page.status_code == 200 and "Safe House NGO" in page.content.decode()
        assert "Legal Aid NGO" not in page.content.decode()
    assert verified_client(world.ca).get(reverse("referrals:directory") + "?service=bogus").status_code == 400
    partial = verified_client(world.ca).get(reverse("referrals:directory") + "?language=ro", HTTP_HX_REQUEST="true")
    assert "<h1>" not in partial.content.decode() and "Safe House NGO" in partial.content.decode()


def test_it_filters_by_region_language_group_and_name(world):
    f = directory.Filters
    assert [str(p) for p in directory.search(world.ca, f(region="capital"))] == ["Legal Aid NGO", "Safe House NGO"]
    assert directory.search(world.ca, f(language="sv")) == []
    assert directory.search(world.ca, f(accepts="children")) == []
    assert [str(p) for p in directory.search(world.ca, f(q="safe"))] == ["Safe House NGO"]
    directory.set_capacity(world.shelter_provider, by=world.shelter, free_places=0)
    assert directory.search(world.ca, f(service="shelter", free_only=True)) == []


def test_the_maintainers_add_and_edit_entries(world):
    org = make_org(name="Interpreters Guild")
    admin = verified_client(world.admin)
    assert admin.get(reverse("referrals:provider_new")).status_code == 200
    response = admin.post(reverse("referrals:provider_new"), {
        "organisation": org.pk, "services": ["interpretation"], "regions": "North, South", "languages": ["ar"],
        "accepts_women": "on", "accepts_men": "on", "is_active": "on"})  # fmt: skip
    provider = Provider.objects.get(organisation=org)
    assert response.status_code == 302 and provider.regions == ["North", "South"]
    url = reverse("referrals:provider_edit", args=[provider.pk])
    assert verified_client(world.focal).get(url).status_code == 200
    response = verified_client(world.focal).post(url, {"services": ["interpretation", "legal"], "is_active": "on",
                                                       "capacity": "2", "free_places": "5"})  # fmt: skip
    assert response.status_code == 400 and "cannot exceed" in response.content.decode()
    response = verified_client(world.focal).post(url, {"services": ["interpretation", "legal"], "is_active": "on"})
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.services == ["interpretation", "legal"]
    assert AuditEvent.objects.filter(object_ref=provider.audit_ref, action="update").exists()


def test_providers_and_case_workers_may_not_maintain_the_directory(world):
    for user in (world.shelter, world.ca, world.rapporteur):
        client = verified_client(user)
        assert client.get(reverse("referrals:provider_new")).status_code == 403
        assert client.get(reverse("referrals:provider_edit", args=[world.shelter_provider.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        directory.update_provider(world.shelter_provider, by=world.shelter, accepts_men=False)


def test_a_provider_updates_its_own_free_places_only(world):
    url = reverse("referrals:provider_capacity", args=[world.shelter_provider.pk])
    page = verified_client(world.shelter).get(reverse("referrals:provider", args=[world.shelter_provider.pk]))
    assert "Update free places" in page.content.decode()
    assert verified_client(world.shelter).post(url, {"free_places": "1"}).status_code == 302
    world.shelter_provider.refresh_from_db()
    assert world.shelter_provider.free_places == 1 and world.shelter_provider.capacity_updated_at
    assert verified_client(world.other_provider).post(url, {"free_places": "9"}).status_code == 403
    assert verified_client(world.shelter).post(url, {"free_places": "-1"}).status_code == 400
    assert verified_client(world.shelter).post(url, {"free_places": "11"}).status_code == 400
    world.shelter_provider.refresh_from_db()
    assert world.shelter_provider.free_places == 1


def test_unlisted_entries_are_hidden_except_from_maintainers(world):
    directory.update_provider(world.shelter_provider, by=world.focal, is_active=False)
    url = reverse("referrals:provider", args=[world.shelter_provider.pk])
    assert verified_client(world.ca).get(url).status_code == 404
    assert verified_client(world.focal).get(url).status_code == 200


def test_bad_directory_input_is_refused(world):
    with pytest.raises(ValidationError):
        directory.add_provider(organisation=world.shelter_org, by=world.focal, services=["shelter"])
    with pytest.raises(ValidationError):
        directory.add_provider(organisation=make_org(), by=world.focal, services=["teleportation"])
    with pytest.raises(ValidationError):
        directory.add_provider(organisation=make_org(), by=world.focal, services=["shelter"], free_places=2)
    with pytest.raises(ValidationError):
        directory.update_provider(world.shelter_provider, by=world.focal, owner="x")
    with pytest.raises(ValidationError):
        directory.set_capacity(world.legal_provider, by=world.other_provider, free_places=1)


def test_a_verb_on_a_provider_the_actor_does_not_see_is_a_404(world):
    from django.http import Http404

    directory.update_provider(world.shelter_provider, by=world.focal, is_active=False)
    before = AuditEvent.objects.count()
    with pytest.raises(Http404):  # an inactive entry is not the provider's own to see any more
        directory.set_capacity(world.shelter_provider, by=world.shelter, free_places=1)
    with pytest.raises(Http404):
        directory.update_provider(world.shelter_provider, by=world.shelter, accepts_men=False)
    assert AuditEvent.objects.count() == before
    directory.set_capacity(world.shelter_provider, by=world.focal, free_places=1)  # a maintainer still may

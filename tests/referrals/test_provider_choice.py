"""Choosing a provider safely: only those that fit are offered, the others with their reason."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone

from tests.factories import make_org, verified_client
from tests.referrals.builders import add_provider
from trm.referrals import routing
from trm.referrals.models import Provider, Referral


def _options(html: str) -> list[str]:
    select = html[html.index('name="provider"') :]
    select = select[: select.index("</select>")]
    return re.findall(r"<option value=\"(\d+)\"", select)


def test_only_the_providers_that_fit_the_service_and_the_person_are_offered(world):
    case = world.presumed_victim()  # a woman
    men_only = add_provider(make_org(name="Men Shelter"), by=world.focal, accepts_women=False)
    full = add_provider(make_org(name="Full Shelter"), by=world.focal, free_places=0)
    url = reverse("referrals:new", args=[case.reference])
    html = verified_client(world.ca).get(url, {"service": "shelter"}).content.decode()
    assert _options(html) == [str(world.shelter_provider.pk)]
    unfit = html[html.index("provider-unfit") :]
    assert "Men Shelter: This provider does not accept women." in unfit
    assert "Full Shelter: This provider has no free place." in unfit
    assert "Legal Aid NGO does not offer this service." in unfit
    assert {men_only.pk, full.pk}.isdisjoint(int(v) for v in _options(html))


def test_when_none_fits_the_page_says_so_with_the_reasons(world):
    case = world.child_case()
    world.best_interests(case)
    html = (
        verified_client(world.ca)
        .get(reverse("referrals:new", args=[case.reference]), {"service": "shelter"})
        .content.decode()
    )
    assert "No provider in the directory can take this person" in html
    assert "Safe House NGO: This provider does not accept children." in html
    assert _options(html) == []


def test_a_provider_outside_its_criteria_is_a_clear_form_error_and_nothing_is_stored(world):
    case = world.presumed_victim()
    world.consent_for(case)
    men_only = add_provider(make_org(name="Men Shelter"), by=world.focal, accepts_women=False)
    response = verified_client(world.ca).post(
        reverse("referrals:new", args=[case.reference]),
        {"provider": men_only.pk, "service": "shelter", "field_set": "shelter"},
    )
    assert response.status_code == 400
    assert "This provider does not accept women." in response.content.decode()
    assert not Referral.objects.exists()


def test_the_verb_and_the_api_refuse_it_too(world):
    case = world.presumed_victim()
    world.consent_for(case)
    Provider.objects.filter(pk=world.shelter_provider.pk).update(free_places=0)
    response = verified_client(world.ca).post(
        "/api/referrals/",
        {"case": case.reference, "provider": world.shelter_provider.pk, "service": "shelter", "field_set": "shelter"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "provider_full" in response.content.decode()
    assert not Referral.objects.exists()


def test_unfit_lists_every_reason(world):
    case = world.child_case()
    provider = world.shelter_provider
    Provider.objects.filter(pk=provider.pk).update(free_places=0)
    provider.refresh_from_db()
    codes = [u.code for u in routing.unfit(provider, case, "legal", timezone.localdate())]
    assert codes == ["service_not_offered", "no_children", "provider_full"]


def test_an_unknown_service_offers_no_filtering_and_is_no_error(world):
    case = world.presumed_victim()
    response = verified_client(world.ca).get(reverse("referrals:new", args=[case.reference]), {"service": "bogus"})
    assert response.status_code == 200 and "provider-unfit" not in response.content.decode()

"""Referral to the asylum authority: a national referral like any other, with its own field set."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from tests.factories import make_org, verified_client
from tests.referrals.builders import add_provider
from trm.cases import migrants
from trm.referrals import fieldsets, routing
from trm.referrals.models import Referral, Service
from trm.vocab.htcds import OrganisationType


@pytest.fixture
def asylum(world):
    org = make_org(name="Asylum Agency", type=OrganisationType.IMMIGRATION)
    return add_provider(
        org, by=world.focal, services=["asylum"], accepts_children=True, capacity=None, free_places=None
    )


def test_the_asylum_authority_gets_identity_status_and_route(world, asylum):
    case = world.presumed_victim()
    world.consent_for(case, recipients=[asylum.organisation])
    migrants.set_migration_status(case, by=world.ca, status="irregular")
    migrants.record_route_encounter(
        case,
        by=world.ca,
        country="MK",
        place_type="transit_centre",
        place="Camp near the border",
        met_on=case.detected_on,
    )
    referral = routing.refer(case, to=asylum, service=Service.ASYLUM, field_set="asylum", by=world.ca)
    data = fieldsets.project(referral).as_dict()
    assert set(data) == set(fieldsets.FIELD_SETS["asylum"].fields)
    assert data["family_name"] == "Testova" and data["citizenships"] == ["MD"]
    assert data["migration_status"].startswith("Irregular")
    assert data["route_met"] == [f"North Macedonia · Transit centre ({case.detected_on:%Y-%m})"]
    assert "Camp near the border" not in json.dumps(data, ensure_ascii=False)  # places are not shared


def test_only_the_asylum_sets_fit_the_asylum_service(world, asylum):
    assert fieldsets.field_sets_for("asylum") == ["asylum", "minimal"]
    case = world.presumed_victim()
    world.consent_for(case, recipients=[asylum.organisation])
    with pytest.raises(ValidationError):
        routing.refer(case, to=asylum, service="asylum", field_set="shelter", by=world.ca)
    assert not Referral.objects.exists()


def test_an_asylum_referral_needs_the_persons_consent_and_a_role_that_may_refer(world, asylum):
    case = world.presumed_victim()
    with pytest.raises(ValidationError):  # no consent for this recipient
        routing.refer(case, to=asylum, service="asylum", field_set="asylum", by=world.ca)
    response = verified_client(world.dpo).post(
        f"/referrals/new/{case.reference}/", {"provider": asylum.pk, "service": "asylum", "field_set": "asylum"}
    )
    assert response.status_code in (403, 404)
    assert not Referral.objects.exists()


def test_the_case_page_offers_the_asylum_referral_when_the_authority_is_listed(world, asylum):
    case = world.presumed_victim()
    page = verified_client(world.ca).get(f"/cases/{case.reference}/").content.decode()
    assert f"/referrals/new/{case.reference}/?service=asylum" in page
    form = verified_client(world.ca).get(f"/referrals/new/{case.reference}/?service=asylum").content.decode()
    assert 'value="asylum" selected' in form


def test_without_an_asylum_authority_the_page_offers_none(world):
    case = world.presumed_victim()
    page = verified_client(world.ca).get(f"/cases/{case.reference}/").content.decode()
    assert "?service=asylum" not in page

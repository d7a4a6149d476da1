from __future__ import annotations

import json

import pytest

from trm.referrals import fieldsets

SECRET_VALUES = ("Testova", "1995-04-02", "Bus station")  # family name, date of birth, place (builders.detect)


def test_it_defines_every_field_of_every_set():
    for key, fs in fieldsets.FIELD_SETS.items():
        assert fs.fields, key
        for field in fs.fields:
            assert field in fieldsets.FIELDS, (key, field)
            assert field in fieldsets._EXTRACTORS, (key, field)


def test_it_always_shares_the_risk_to_life_or_safety():
    for fs in fieldsets.FIELD_SETS.values():
        assert "risk_level" in fs.fields


def test_it_offers_only_the_sets_that_fit_a_service():
    assert fieldsets.field_sets_for("shelter") == ["shelter", "minimal"]
    assert "legal_aid" not in fieldsets.field_sets_for("shelter")
    with pytest.raises(fieldsets.FieldSetError):
        fieldsets.check("legal_aid", "shelter")
    with pytest.raises(fieldsets.FieldSetError):
        fieldsets.check("nonexistent", "shelter")
    assert fieldsets.fields_for("nonexistent", health_consent=True) == ()


def test_it_drops_health_fields_without_explicit_consent():
    assert "health_notes" not in fieldsets.fields_for("medical", health_consent=False)
    assert "health_notes" in fieldsets.fields_for("medical", health_consent=True)
    assert fieldsets.may_include_health("medical")
    assert not fieldsets.may_include_health("shelter")


@pytest.mark.parametrize(
    ("age", "child", "band"),
    [
        (None, True, "under 18 (age not established)"),
        (None, False, "not known"),
        (5, True, "0–8"),
        (30, False, "30–38"),
        (60, False, "48+"),
    ],
)
def test_it_gives_broad_age_bands(age, child, band):
    assert fieldsets.age_band(age, is_child=child) == band


def test_the_shelter_projection_has_exactly_the_shelter_fields(world):
    referral = world.refer()
    projection = fieldsets.project(referral)
    assert projection.keys == list(fieldsets.FIELD_SETS["shelter"].fields)
    data = projection.as_dict()
    assert data["given_name"] == "Ana"
    assert data["risk_level"] == "High"
    assert data["is_child"] is False
    assert data["age_band"] in ("27–29", "30–38")
    text = json.dumps(data, ensure_ascii=False)
    for value in SECRET_VALUES:
        assert value not in text


def test_the_minimal_projection_has_no_name(world):
    referral = world.refer(field_set="minimal")
    data = fieldsets.project(referral).as_dict()
    assert "given_name" not in data
    assert data["pseudonym"] == f"Person {referral.reference}"
    assert "Ana" not in json.dumps(data, ensure_ascii=False)


def test_the_projection_is_read_when_it_is_read(world):
    from trm.cases import casework

    referral = world.refer()
    casework.update_person(referral.case, by=world.ca, given_name="Anna")
    assert fieldsets.project(referral).as_dict()["given_name"] == "Anna"


def test_health_information_goes_only_with_explicit_consent(world):
    from trm.referrals import directory

    directory.update_provider(world.shelter_provider, by=world.focal, services=["shelter", "medical"])
    case = world.presumed_victim()
    world.consent_for(case, scope=("health",))
    referral = world.refer(case, service="medical", field_set="medical", health_notes="Diabetes; needs insulin.")
    data = fieldsets.project(referral).as_dict()
    assert data["health_notes"] == "Diabetes; needs insulin."
    assert data["family_name"] == "Testova"


def test_the_legal_aid_projection_summarises_the_route(world):
    from trm.cases import casework

    case = world.presumed_victim()
    world.consent_for(case, recipients=[world.other_org])
    casework.add_event(
        case, by=world.ca, type="Exploitation", country="SE", place="Farm near Town", exploitation_type="ForcedLabour"
    )
    referral = world.refer(case, to=world.legal_provider, service="legal", field_set="legal_aid")
    data = fieldsets.project(referral).as_dict()
    assert data["exploitation_forms"] == ["Forced labour"]
    assert data["events_summary"][0].startswith("Exploitation: Sweden")
    assert "Farm near Town" not in json.dumps(data)  # places are not part of the summary
    assert data["residence_status"] == "None recorded"
    assert data["identification_status"].startswith("Presumed victim")

"""A transnational consent states its scope abroad; a consent carried from abroad covers only its scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from tests.cases.builders import days_ago, detect, screened
from tests.factories import make_org, verified_client
from tests.problems import field_errors
from trm.audit.models import AuditEvent
from trm.cases import consent, identification
from trm.cases.models import Consent
from trm.lib.refusals import Conflict
from trm.vocab.htcds import OrganisationType

TRANSNATIONAL = "transnational_referral"
J = "application/json"


def carried(case, by, **overrides):
    data = {
        "origin_country": "BG",
        "origin_node": "bg.nrm",
        "origin_ref": "CONSENT-41",
        "given_on": days_ago(3),
        "purposes": ["assistance"],
        "recipient_countries": ["SE"],
        "language": "bg",
        "interpreter": True,
    }
    data.update(overrides)
    return consent.carry(case, by=by, **data)


# --- given here ---------------------------------------------------------------------------------


def test_a_transnational_consent_states_what_the_receiving_country_may_do(world):
    case = detect(world.focal)
    item = consent.give(
        case,
        purpose=TRANSNATIONAL,
        language="ro",
        by=world.focal,
        purposes=["identification", "assistance"],
        recipient_countries=["RO", "BG"],
        recipient_kinds=["LegalService", "NGO"],
        expires_on=days_ago(-90),
    )
    assert item.purposes == ["assistance", "identification"]  # in the vocabulary's order
    assert item.recipient_countries == ["BG", "RO"] and item.recipient_kinds == ["NGO", "LegalService"]
    assert item.active_at(timezone.now()) and not item.is_carried and item.recorded_by == world.focal
    assert AuditEvent.objects.filter(object_ref=case.reference, note="consent given: transnational_referral").exists()


@pytest.mark.parametrize(
    ("purpose", "scope", "field"),
    [
        ("assistance", {"purposes": ["assistance"], "recipient_countries": ["BG"]}, "purposes"),
        (TRANSNATIONAL, {"purposes": ["assistance"]}, "recipient_countries"),
        (TRANSNATIONAL, {"recipient_countries": ["BG"]}, "purposes"),
        (TRANSNATIONAL, {"recipient_kinds": ["NGO"]}, "purposes"),
        (TRANSNATIONAL, {"purposes": ["criminal_proceedings"], "recipient_countries": ["BG"]}, "purposes"),
        (TRANSNATIONAL, {"purposes": ["assistance"], "recipient_countries": ["SE"]}, "recipient_countries"),
        (TRANSNATIONAL, {"purposes": ["assistance"], "recipient_countries": ["ZZ"]}, "recipient_countries"),
        (
            TRANSNATIONAL,
            {"purposes": ["assistance"], "recipient_countries": ["BG"], "recipient_kinds": ["CorporateBusiness"]},
            "recipient_kinds",
        ),
        (
            TRANSNATIONAL,
            {"purposes": ["assistance"], "recipient_countries": ["BG"], "expires_on": dt.date.today()},
            "expires_on",
        ),
    ],
)
def test_a_scope_abroad_that_does_not_hold_is_refused_and_nothing_is_stored(world, purpose, scope, field):
    case = detect(world.focal)
    if "expires_on" in scope:
        scope["expires_on"] = timezone.localdate()
    with pytest.raises(ValidationError) as err:
        consent.give(case, purpose=purpose, language="ro", by=world.focal, **scope)
    assert field in err.value.message_dict
    assert not case.consents.exists()


def test_a_transnational_consent_without_a_scope_lets_the_other_country_do_nothing_here(world):
    case = detect(world.focal)
    item = consent.give(case, purpose=TRANSNATIONAL, language="ro", by=world.focal)
    assert item.purposes == [] and not item.has_scope_abroad


def test_the_case_page_records_the_scope_abroad(world):
    case = detect(world.focal)
    client = verified_client(world.focal)
    url = reverse("cases:action", args=[case.reference, "consent"])
    data = {"purpose": TRANSNATIONAL, "language": "ro", "given_by": "person", "purposes": ["assistance"],
            "recipient_countries": ["BG"], "recipient_kinds": ["NGO"], "expires_on": str(days_ago(-30))}  # fmt: skip
    assert client.post(url, data).status_code == 302
    item = case.consents.get()
    assert (item.purposes, item.recipient_countries, item.recipient_kinds) == (["assistance"], ["BG"], ["NGO"])
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Assistance and support services · in Bulgaria · Non-governmental organisation" in page
    response = client.post(url, {**data, "recipient_countries": [], "expires_on": ""})
    assert response.status_code == 400 and "Name the countries whose organisations may act on it." in (
        response.content.decode()
    )
    response = client.post(url, {**data, "purpose": "assistance"})
    assert response.status_code == 400 and "Only a consent to a transnational referral" in response.content.decode()
    assert case.consents.count() == 1


def test_the_api_records_and_lists_the_scope_abroad(world):
    case = detect(world.focal)
    client = verified_client(world.focal)
    url = f"/api/cases/{case.reference}/consents"
    payload = {"purpose": TRANSNATIONAL, "language": "ro", "purposes": ["assistance", "family_tracing"],
               "recipient_countries": ["BG"], "expires_on": str(days_ago(-30))}  # fmt: skip
    response = client.post(url, payload, content_type=J)
    assert response.status_code == 201, response.content
    assert response.json()["purposes"] == ["assistance", "family_tracing"]
    assert response.json()["origin_country"] == "" and response.json()["expires_on"] == str(days_ago(-30))
    response = client.post(url, {**payload, "expires_on": str(days_ago(5))}, content_type=J)
    assert response.status_code == 400 and "expires_on" in field_errors(response)
    carried(case, world.focal)
    listed = client.get(url).json()
    assert [c["origin_country"] for c in listed] == ["", "BG"]
    assert listed[1]["origin_ref"] == "CONSENT-41" and listed[1]["recipient_countries"] == ["SE"]


def test_the_consents_api_is_refused_to_whoever_may_not_see_the_case(world, client):
    case = detect(world.responder)
    url = f"/api/cases/{case.reference}/consents"
    assert client.get(url).status_code == 401
    assert verified_client(world.dpo).get(url).status_code == 404
    assert verified_client(world.other_responder).get(url).status_code == 404
    assert verified_client(world.other_ca).get(url).status_code == 404
    payload = {"purpose": TRANSNATIONAL, "language": "ro", "purposes": ["assistance"], "recipient_countries": ["BG"]}
    assert verified_client(world.other_responder).post(url, payload, content_type=J).status_code == 404
    assert verified_client(world.rapporteur).post(url, payload, content_type=J).status_code == 404
    assert verified_client(world.responder).get(url).status_code == 200
    assert not case.consents.exists()


# --- carried from another country ---------------------------------------------------------------


def test_a_carried_consent_is_nobodys_here_and_covers_only_its_scope(world):
    case = detect(world.focal)
    item = carried(case, world.focal, recipient_kinds=["NGO"])
    assert item.is_carried and item.recorded_by is None and item.purpose == TRANSNATIONAL
    ngo, lawyers = world.ngo, make_org(name="Lawyers", type=OrganisationType.LEGAL)
    assert consent.covering(case, purpose="assistance", recipient_org=ngo) == item
    assert not consent.covers(case, purpose="assistance", recipient_org=lawyers)
    assert not consent.covers(case, purpose="assistance")  # a kind is named: an organisation is needed
    assert not consent.covers(case, purpose="identification", recipient_org=ngo)
    gap = consent.scope_gap(case, purpose="assistance", recipient_org=lawyers)
    assert gap == (
        "The consent the person gave in Bulgaria does not cover this: it covers only these kinds of "
        "organisation: Non-governmental organisation; not Legal service."
    )
    assert consent.scope_gap(case, purpose="assistance", recipient_org=ngo) is None


def test_a_consent_given_here_comes_before_the_carried_one(world):
    case = detect(world.focal)
    abroad = carried(case, world.focal)
    here = consent.give(case, purpose="assistance", language="ro", by=world.focal)
    assert consent.covering(case, purpose="assistance", recipient_org=world.ngo) == here
    consent.withdraw(here, by=world.focal)
    assert consent.covering(case, purpose="assistance", recipient_org=world.ngo) == abroad


def test_a_carried_consent_ends_on_the_day_it_expires(world):
    case = detect(world.focal)
    carried(case, world.focal, expires_on=days_ago(-1))
    assert consent.covers(case, purpose="assistance", recipient_org=world.ngo)
    tomorrow = timezone.now() + dt.timedelta(days=1)
    assert not consent.covers(case, purpose="assistance", recipient_org=world.ngo, at=tomorrow)
    assert "it expired on" in consent.scope_gap(case, purpose="assistance", recipient_org=world.ngo, at=tomorrow)


def test_a_carried_consent_that_does_not_name_this_country_covers_nothing(world):
    case = detect(world.focal)
    carried(case, world.focal, recipient_countries=["DE"])
    assert not consent.covers(case, purpose="assistance", recipient_org=world.ngo)
    assert "does not name Sweden" in consent.scope_gap(case, purpose="assistance", recipient_org=world.ngo)


def test_identification_here_may_go_on_a_carried_consent_and_says_why_not(world):
    case = screened(detect(world.focal), world.focal)
    carried(case, world.focal, purposes=["assistance"])
    with pytest.raises(Conflict, match="it covers assistance and support services, not referral for identification"):
        identification.refer(case, to=world.authority, by=world.focal)
    other = screened(detect(world.focal), world.focal)
    carried(other, world.focal, purposes=["identification"])
    assert identification.refer(other, to=world.authority, by=world.focal).to_state == "rg_pending"


def test_carrying_a_consent_checks_the_actor_and_the_input(world):
    case = detect(world.responder)
    with pytest.raises(Http404):
        carried(case, world.other_responder)
    with pytest.raises(PermissionDenied):
        carried(case, world.dpo)
    with pytest.raises(ValidationError):
        carried(case, world.responder, origin_country="SE")
    with pytest.raises(ValidationError):
        carried(case, world.responder, purposes=[])
    with pytest.raises(ValidationError):
        carried(case, world.responder, given_on=days_ago(-5))
    assert not case.consents.exists()


def test_a_withdrawal_abroad_ends_the_carried_consents_of_that_node_only(world):
    case = detect(world.focal)
    from_bg = carried(case, world.focal)
    from_ro = carried(case, world.focal, origin_country="RO", origin_node="ro.nrm")
    ended = consent.withdrawn_abroad(case, node="bg.nrm")
    assert [c.pk for c in ended] == [from_bg.pk]
    from_bg.refresh_from_db()
    from_ro.refresh_from_db()
    assert from_bg.withdrawn_at is not None and from_bg.withdrawn_recorded_by is None
    assert from_ro.withdrawn_at is None
    assert consent.withdrawn_abroad(case, node="bg.nrm") == []  # once
    assert consent.covering(case, purpose="assistance", recipient_org=world.ngo) == from_ro


def test_the_case_page_shows_the_carried_consent_and_its_scope(world):
    case = detect(world.focal)
    item = carried(case, world.focal, recipient_kinds=["NGO", "HealthServiceOrganisation"], expires_on=days_ago(-10))
    page = verified_client(world.focal).get(reverse("cases:detail", args=[case.reference])).content.decode()
    day = timezone.localdate(item.given_at).strftime("%-d %b %Y")
    assert f"given in Bulgaria on {day}" in page and "with interpreter" in page and "Bulgarian" in page
    assert "carried with the referral from node bg.nrm (their reference CONSENT-41)" in page
    assert "Non-governmental organisation, Health service organisation" in page
    assert f"expires on {days_ago(-10).strftime('%-d %b %Y')}" in page
    timeline = verified_client(world.focal).get(reverse("cases:timeline", args=[case.reference])).content.decode()
    assert "Consent given in Bulgaria" in timeline  # the timeline, opened on demand


def test_the_carried_consent_can_be_withdrawn_here(world):
    case = detect(world.focal)
    item = carried(case, world.focal)
    consent.withdraw(item, by=world.focal)
    assert Consent.objects.get(pk=item.pk).withdrawn_recorded_by == world.focal
    assert not consent.covers(case, purpose="assistance", recipient_org=world.ngo)

"""The other country's role in a conversation (origin, transit, destination): proposed, recorded, used."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from tests.exchange.shell_support import PEER
from tests.factories import verified_client
from trm.audit.models import AuditEvent
from trm.cases import casework
from trm.lib.refusals import Conflict, Http404, PermissionDenied, ValidationError
from trm.transnational import roles, workflows
from trm.transnational.models import CountryRole, Link


def test_the_role_is_proposed_from_the_case(two):
    case = two.case(citizenships=["XK"])
    casework.add_event(case, by=two.focal, type="Transit", country="RS")
    assert roles.propose(case, "XK") == CountryRole.ORIGIN
    assert roles.propose(case, "RS") == CountryRole.TRANSIT
    assert roles.propose(case, "AT") == CountryRole.DESTINATION
    link = workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])
    assert link.peer_role == CountryRole.ORIGIN


def test_a_received_conversation_proposes_the_senders_role_from_what_it_shared():
    assert roles.propose_received({"nationality": "XK"}, "XK") == CountryRole.ORIGIN
    assert roles.propose_received({"route": [{"stage": "transit", "country": "XK"}]}, "XK") == CountryRole.TRANSIT
    assert roles.propose_received({"nationality": "MD"}, "XK") == CountryRole.DESTINATION
    # Neither nationality nor route shared (a route alert without identity): no role is guessed.
    assert roles.propose_received({"alert_kind": "missing_child", "countries_alerted": ["SE"]}, "XK") == ""


def test_a_role_not_yet_recorded_is_offered_blank_and_must_be_chosen(two):
    link = workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])
    Link.objects.filter(pk=link.pk).update(peer_role="")
    client = verified_client(two.focal)
    html = client.get(reverse("transnational:detail", args=[link.conversation])).content.decode()
    assert '<option value="" selected>—</option>' in html
    assert client.post(reverse("transnational:act", args=[link.conversation, "role"]), {"role": ""}).status_code == 400
    assert Link.objects.get(pk=link.pk).peer_role == ""


def test_a_focal_point_corrects_the_role_audited(two):
    link = workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])
    roles.set_role(link, role=CountryRole.TRANSIT, by=two.focal)
    link.refresh_from_db()
    assert link.peer_role == CountryRole.TRANSIT
    entry = AuditEvent.objects.filter(action="update", object_ref=str(link.conversation)).latest("seq")
    assert entry.fields == ["peer_role"]
    with pytest.raises(ValidationError):
        roles.set_role(link, role="nowhere", by=two.focal)
    with pytest.raises(PermissionDenied):
        roles.set_role(link, role=CountryRole.ORIGIN, by=two.responder)
    link.refresh_from_db()
    assert link.peer_role == CountryRole.TRANSIT


def test_a_role_of_a_conversation_not_held_is_a_404(two):
    ghost = Link(pk=999999, conversation=uuid.uuid4())
    with pytest.raises(Http404):
        roles.set_role(ghost, role=CountryRole.ORIGIN, by=two.focal)


def test_no_return_is_arranged_with_a_transit_country(two):
    link = workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])
    roles.set_role(link, role=CountryRole.TRANSIT, by=two.focal)
    data = {"planned_date": "2026-12-01", "reception_organisation": "Synthetic NGO"}
    with pytest.raises(Conflict, match="transit"):
        workflows.send(link, kind="return_arrangements", data=data, by=two.focal)


def test_the_conversation_page_shows_and_records_the_role(two):
    link = workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])
    client = verified_client(two.focal)
    page = client.get(reverse("transnational:detail", args=[link.conversation]))
    assert page.status_code == 200 and b'id="peer-role"' in page.content
    assert page.context["role_form"]["role"].value() == link.peer_role != ""
    url = reverse("transnational:act", args=[link.conversation, "role"])
    assert client.post(url, {"role": "nowhere"}).status_code == 400
    assert client.post(url, {"role": "transit"}).status_code == 302
    assert Link.objects.get(pk=link.pk).peer_role == CountryRole.TRANSIT
    api = f"/api/transnational/{link.conversation}/role"
    assert client.post(api, {"role": "x"}, content_type="application/json").status_code == 400
    assert client.post(api, {"role": "origin"}, content_type="application/json").json()["peer_role"] == "origin"
    other = verified_client(two.responder)
    assert other.post(api, {"role": "transit"}, content_type="application/json").status_code == 403
    assert Link.objects.get(pk=link.pk).peer_role == CountryRole.ORIGIN

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.network import builders
from tests.network.conftest import OUTSIDERS
from tests.problems import assert_problem
from trm.network import meetings, nodes
from trm.network.models import CountryUpdate, Meeting

API = "/api/network"


@pytest.fixture
def world(db):
    m = builders.meeting()
    item = builders.action(m, owner="RO")
    nodes.register_node(
        country=builders.country("RO"),
        node_id="ro-nrm",
        organisation="NRM",
        endpoint="https://ro.trm.example",
        since=builders.TODAY,
        status="active",
        by=None,
    )
    return {"meeting": m, "item": item}


def _gets(w):
    m = w["meeting"].pk
    return [
        f"{API}/meetings",
        f"{API}/meetings/{m}",
        f"{API}/actions",
        f"{API}/participants",
        f"{API}/nodes",
        f"{API}/trust-list-entries",
        f"{API}/meetings/{m}/report.md",
    ]


def _refusals(w):
    """What an outsider gets for each GET: a list is forbidden, one meeting is not even seen."""
    return dict(zip(_gets(w), [403, 404, 403, 403, 403, 403, 404], strict=True))


def test_the_secretariat_reads_every_endpoint(world, secretariat):
    for url in _gets(world):
        assert secretariat.get(url).status_code == 200, url
    detail = secretariat.get(f"{API}/meetings/{world['meeting'].pk}").json()
    assert detail["action_items"][0]["owner_country"] == "RO"
    entries = secretariat.get(f"{API}/trust-list-entries").json()
    assert entries[0]["node_id"] == "ro-nrm"


@pytest.mark.parametrize("role", OUTSIDERS)
def test_other_roles_are_refused_by_every_endpoint(world, client_as, role):
    client = client_as(role)
    for url, status in _refusals(world).items():
        assert_problem(client.get(url), status)
    m = world["meeting"].pk
    payload = {
        "title": "Planned",
        "start_date": "2026-11-17",
        "end_date": "2026-11-18",
        "host_country": "SI",
        "city": "Ljubljana",
    }
    assert_problem(client.post(f"{API}/meetings", payload, content_type="application/json"), 403)
    # The body's shape is checked before anything else, so an empty one is bad input for everyone.
    assert_problem(
        client.post(f"{API}/meetings", {}, content_type="application/json"),
        400,
        fields={"title", "start_date", "end_date", "host_country", "city"},
    )
    body = json.dumps({"key_activities": "x"})
    assert_problem(client.put(f"{API}/meetings/{m}/updates/RO", body, content_type="application/json"), 404)
    body = json.dumps({"event": "complete"})
    assert_problem(client.post(f"{API}/actions/{world['item'].pk}/status", body, content_type="application/json"), 404)
    assert not CountryUpdate.objects.exists()
    assert not Meeting.objects.exclude(pk=m).exists()


def test_anonymous_callers_get_401(world, client):
    assert_problem(client.get(f"{API}/meetings"), 401)


def test_creating_a_meeting(world, secretariat):
    payload = {
        "title": "Planned",
        "start_date": "2026-11-17",
        "end_date": "2026-11-18",
        "host_country": "SI",
        "city": "Ljubljana",
    }
    response = secretariat.post(f"{API}/meetings", payload, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["host_country"] == "SI"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end_date": "2026-11-16"}, None),  # the meeting verb's error is about the dates together
        ({"host_country": "QQ"}, "host_country"),
        ({"start_date": "not a date"}, "start_date"),
        ({"registration_deadline": "2026-12-01"}, None),
    ],
)
def test_bad_meetings_are_refused_and_nothing_is_stored(world, secretariat, change, field):
    payload = {
        "title": "Planned",
        "start_date": "2026-11-17",
        "end_date": "2026-11-18",
        "host_country": "SI",
        "city": "Ljubljana",
        **change,
    }
    before = Meeting.objects.count()
    response = secretariat.post(f"{API}/meetings", payload, content_type="application/json")
    assert_problem(response, 400, fields={field})
    assert Meeting.objects.count() == before


def test_action_status_changes_follow_the_table(world, secretariat):
    url = f"{API}/actions/{world['item'].pk}/status"
    # An open item cannot be reopened: its state forbids the step (409), the input is fine.
    refused = assert_problem(secretariat.post(url, {"event": "reopen"}, content_type="application/json"), 409)
    assert refused["code"] == "bad_transition"
    assert_problem(secretariat.post(url, {"event": "explode"}, content_type="application/json"), 400, fields={"event"})
    response = secretariat.post(url, {"event": "complete"}, content_type="application/json")
    assert response.json()["status"] == "done"
    assert secretariat.get(f"{API}/actions?open_only=false&country=RO").json()[0]["status"] == "done"
    assert secretariat.get(f"{API}/actions").json() == []


def test_a_coordinator_puts_their_update_through_the_api(world, coordinator, coordinator_user):
    m = world["meeting"]
    meetings.invite(m, participants=[coordinator_user.network_participant], by=None)
    assert [x["id"] for x in coordinator.get(f"{API}/meetings").json()] == [m.pk]
    url = f"{API}/meetings/{m.pk}/updates/BG"
    response = coordinator.put(url, {"key_activities": "Trained.", "submit": True}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    response = coordinator.put(f"{API}/meetings/{m.pk}/updates/RO", {"trends": "x"}, content_type="application/json")
    assert_problem(response, 403)
    assert_problem(coordinator.get(f"{API}/participants"), 403)
    assert coordinator.get(f"{API}/meetings/{m.pk}").json()["action_items"] == []
    assert CountryUpdate.objects.count() == 1


def test_a_bad_update_body_is_refused(world, coordinator, coordinator_user):
    m = world["meeting"]
    meetings.invite(m, participants=[coordinator_user.network_participant], by=None)
    url = f"{API}/meetings/{m.pk}/updates/BG"
    for body, fields in (('{"submit": "maybe"}', {"submit"}), ('{"trends": 12}', {"trends"}), ("not json", None)):
        assert_problem(coordinator.put(url, body, content_type="application/json"), 400, fields=fields)
    assert not CountryUpdate.objects.exists()


def test_follow_up_lists_open_items_of_earlier_meetings(world, secretariat):
    later = builders.meeting(start=world["meeting"].start_date + timedelta(days=180))
    data = secretariat.get(f"{API}/meetings/{later.pk}").json()
    assert [i["id"] for i in data["follow_up"]] == [world["item"].pk]

"""Every verb of the network app refuses for itself: the actor first, then the object's state.

A verb called directly (as a command, an API endpoint or an import would call it) answers:
- a step of the secretariat (new entries, nodes, the import) taken by anyone else: PermissionDenied;
- a directory entry (a country's or a person's), for anyone but the secretariat: Http404;
- a meeting the actor does not see (not invited): Http404; one they see but may not change: 403;
- a country update of another country: 403; an action item of another country: Http404;
- a cancelled meeting, an already ended position, a status change the item's table forbids:
  Conflict (409).
A refusal writes nothing (no audit entry). Pages and the API answer the same status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from tests.factories import make_user, verified_client
from tests.network import builders
from tests.problems import assert_problem
from trm.accounts.roles import Role
from trm.audit.models import AuditEvent
from trm.lib.refusals import Conflict, status_of
from trm.network import actions, directory, imports, meetings, nodes, updates
from trm.network.models import ActionItem, Meeting, MeetingStatus, Position

CSV = b"Country,Last name,First name,E-mail\r\nBulgaria,Family,Given,given.family@coordination.example\r\n"


@dataclass
class World:
    meeting: Meeting
    item: ActionItem
    position: Position
    actors: dict[str, Any]
    extra: dict[str, Any]


@pytest.fixture
def world(db, org):
    bg = make_user(Role.FOCAL_POINT, org=org)  # a focal point of a node, coordinator of Bulgaria
    ro = make_user(Role.FOCAL_POINT, org=org)  # the coordinator of another country, Romania
    bg_person = builders.person(code="BG", user=bg)
    ro_person = builders.person(code="RO", user=ro)
    meeting = builders.meeting()
    meetings.invite(meeting, participants=[bg_person, ro_person], by=None)  # both see the meeting
    item = builders.action(meeting, owner="BG")
    session = meetings.add_session(meeting, title="Tour de table", by=None)
    node = nodes.register_node(
        country=builders.country("BG"),
        node_id="bg-nrm",
        organisation="NRM Bulgaria",
        endpoint="https://bg.trm.example",
        since=date(2026, 1, 1),
        by=None,
    )
    update = updates.save_update(meeting, builders.country("BG"), by=None)
    actors = {
        "secretariat": make_user(Role.SECRETARIAT, org=org),
        "bg": bg,
        "ro": ro,
        "case_manager": make_user(Role.PROVIDER, org=org),
        "anonymous": AnonymousUser(),
    }
    extra = {
        "newcomer": builders.person(code="SI"),
        "session": session,
        "node": node,
        "update": update,
        "person": bg_person,
        "attendance": meeting.attendances.get(participant=bg_person),
    }
    return World(meeting, item, bg_person.positions.get(), actors, extra)


@dataclass(frozen=True)
class Verb:
    call: Callable[[World, Any], Any]
    # The refusal for each actor other than the secretariat; None: the actor may take the step.
    refused: dict[str, type[Exception] | None]


SECRETARIAT = {
    "bg": PermissionDenied,
    "ro": PermissionDenied,
    "case_manager": PermissionDenied,
    "anonymous": PermissionDenied,
}
DIRECTORY = {"bg": Http404, "ro": Http404, "case_manager": Http404, "anonymous": Http404}
MEETING = {"bg": PermissionDenied, "ro": PermissionDenied, "case_manager": Http404, "anonymous": Http404}
BG_UPDATE = {"bg": None, "ro": PermissionDenied, "case_manager": Http404, "anonymous": Http404}
BG_ITEM = {"bg": None, "ro": Http404, "case_manager": Http404, "anonymous": Http404}
BG_ITEM_EDIT = {"bg": PermissionDenied, "ro": Http404, "case_manager": Http404, "anonymous": Http404}

VERBS: dict[str, Verb] = {
    "add_country": Verb(lambda w, by: directory.add_country(code="MK", by=by), SECRETARIAT),
    "update_country": Verb(
        lambda w, by: directory.update_country(builders.country("BG"), rotation_order=9, by=by), DIRECTORY
    ),
    "add_organisation": Verb(lambda w, by: directory.add_organisation(name="Donor", kind="donor", by=by), SECRETARIAT),
    "add_participant": Verb(
        lambda w, by: directory.add_participant(
            first_name="Given", last_name="Family", email="new@coordination.example", by=by
        ),
        SECRETARIAT,
    ),
    "update_participant": Verb(
        lambda w, by: directory.update_participant(w.extra["person"], phone="+1", by=by), DIRECTORY
    ),
    "add_position": Verb(
        lambda w, by: directory.add_position(w.extra["person"], kind="advisor", start_date=builders.TODAY, by=by),
        DIRECTORY,
    ),
    "end_position": Verb(lambda w, by: directory.end_position(w.position, end_date=builders.TODAY, by=by), DIRECTORY),
    "plan_meeting": Verb(
        lambda w, by: meetings.plan_meeting(
            title="Next",
            start_date=builders.TODAY,
            end_date=builders.TODAY,
            host_country=builders.country("SI"),
            city="Ljubljana",
            by=by,
        ),
        SECRETARIAT,
    ),
    "update_meeting": Verb(lambda w, by: meetings.update_meeting(w.meeting, city="Maribor", by=by), MEETING),
    "record_minutes": Verb(lambda w, by: meetings.record_minutes(w.meeting, minutes="Agreed.", by=by), MEETING),
    "add_session": Verb(lambda w, by: meetings.add_session(w.meeting, title="Closing", by=by), MEETING),
    "update_session": Verb(lambda w, by: meetings.update_session(w.extra["session"], chair="Chair", by=by), MEETING),
    "invite": Verb(lambda w, by: meetings.invite(w.meeting, participants=[w.extra["newcomer"]], by=by), MEETING),
    "register": Verb(lambda w, by: meetings.register(w.meeting, participant=w.extra["person"], by=by), MEETING),
    "set_attendance": Verb(
        lambda w, by: meetings.set_attendance(w.extra["attendance"], status="declined", by=by), MEETING
    ),
    "add_conclusion": Verb(lambda w, by: actions.add_conclusion(w.meeting, text="Agreed.", by=by), MEETING),
    "add_action_item": Verb(
        lambda w, by: actions.add_action_item(
            w.meeting, description="Report.", owner_country=builders.country("BG"), by=by
        ),
        MEETING,
    ),
    "change_status": Verb(lambda w, by: actions.change_status(w.item, event="start", by=by), BG_ITEM),
    "report_progress": Verb(lambda w, by: actions.report_progress(w.item, text="Drafted.", by=by), BG_ITEM),
    "update_action_item": Verb(
        lambda w, by: actions.update_action_item(w.item, description="Other.", by=by), BG_ITEM_EDIT
    ),
    "save_update": Verb(
        lambda w, by: updates.save_update(w.meeting, builders.country("BG"), trends="Up.", by=by), BG_UPDATE
    ),
    "attach_node_statistics": Verb(
        lambda w, by: updates.attach_node_statistics(w.extra["update"], period_start=builders.TODAY, by=by), BG_UPDATE
    ),
    "register_node": Verb(
        lambda w, by: nodes.register_node(
            country=builders.country("RO"),
            node_id="ro-nrm",
            organisation="NRM Romania",
            endpoint="https://ro.trm.example",
            since=date(2026, 1, 1),
            by=by,
        ),
        SECRETARIAT,
    ),
    "update_node": Verb(lambda w, by: nodes.update_node(w.extra["node"], organisation="NRM", by=by), SECRETARIAT),
    "import_participants": Verb(
        lambda w, by: imports.import_participants(CSV, filename="list.csv", today=builders.TODAY, by=by), SECRETARIAT
    ),
}

REFUSALS = [
    pytest.param(verb, actor, expected, id=f"{verb}-{actor}")
    for verb, spec in VERBS.items()
    for actor, expected in spec.refused.items()
    if expected is not None
]


def test_every_verb_of_the_network_is_in_the_table():
    from trm.network import access

    assert set(VERBS) == set(access.STEPS)


@pytest.mark.parametrize(("verb", "actor", "expected"), REFUSALS)
def test_it_refuses_the_actor_and_writes_nothing(world, verb, actor, expected):
    before = AuditEvent.objects.count()
    with pytest.raises(expected) as refused:
        VERBS[verb].call(world, world.actors[actor])
    assert not isinstance(refused.value, Conflict)
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("verb", list(VERBS))
def test_the_secretariat_may_take_every_step(world, verb):
    VERBS[verb].call(world, world.actors["secretariat"])


@pytest.mark.parametrize("verb", [v for v, spec in VERBS.items() if None in spec.refused.values()])
def test_the_coordinator_may_take_the_steps_on_their_own_country(world, verb):
    VERBS[verb].call(world, world.actors["bg"])


# --- the object's state ------------------------------------------------------------------------

ON_A_CANCELLED_MEETING = [
    "record_minutes",
    "add_session",
    "update_session",
    "invite",
    "register",
    "set_attendance",
    "add_conclusion",
    "add_action_item",
    "save_update",
    "attach_node_statistics",
]


def _cancel(world: World) -> None:
    meetings.update_meeting(world.meeting, status=MeetingStatus.CANCELLED, by=None)
    for obj in (world.extra["session"], world.extra["attendance"], world.extra["update"]):
        obj.meeting.refresh_from_db()


@pytest.mark.parametrize("verb", ON_A_CANCELLED_MEETING)
def test_it_refuses_a_step_on_a_cancelled_meeting(world, verb):
    _cancel(world)
    before = AuditEvent.objects.count()
    with pytest.raises(Conflict) as refused:
        VERBS[verb].call(world, world.actors["secretariat"])
    assert refused.value.code == "meeting_cancelled"
    assert status_of(refused.value) == 409
    assert AuditEvent.objects.count() == before


def test_the_actor_is_refused_before_the_state(world):
    """An outsider learns nothing about the meeting, not even that it is cancelled."""
    _cancel(world)
    with pytest.raises(Http404):
        meetings.record_minutes(world.meeting, minutes="Agreed.", by=world.actors["case_manager"])
    with pytest.raises(PermissionDenied):
        meetings.record_minutes(world.meeting, minutes="Agreed.", by=world.actors["ro"])


def test_a_cancelled_meeting_may_be_reinstated(world):
    _cancel(world)
    meetings.update_meeting(world.meeting, status=MeetingStatus.PLANNED, by=world.actors["secretariat"])
    assert actions.add_conclusion(world.meeting, text="Agreed.", by=world.actors["secretariat"]).pk


def test_it_refuses_registering_an_import_for_a_cancelled_meeting(world):
    _cancel(world)
    with pytest.raises(Conflict):
        imports.import_participants(
            CSV, filename="list.csv", today=builders.TODAY, register_for=world.meeting, by=world.actors["secretariat"]
        )
    assert not world.meeting.attendances.filter(participant__email="given.family@coordination.example").exists()


def test_it_refuses_a_status_change_the_table_forbids_as_a_conflict(world):
    with pytest.raises(Conflict) as refused:
        actions.change_status(world.item, event="reopen", by=world.actors["bg"])
    assert refused.value.code == "bad_transition"
    world.item.refresh_from_db()
    assert world.item.status == "open"


def test_it_refuses_an_unknown_event_as_bad_input(world):
    with pytest.raises(Exception) as refused:
        actions.change_status(world.item, event="explode", by=world.actors["secretariat"])
    assert status_of(refused.value) == 400


def test_it_refuses_ending_a_position_that_has_ended(world):
    secretariat = world.actors["secretariat"]
    directory.end_position(world.position, end_date=builders.TODAY, by=secretariat)
    with pytest.raises(Conflict) as refused:
        directory.end_position(world.position, end_date=builders.TODAY + timedelta(days=1), by=secretariat)
    assert refused.value.code == "position_ended"
    world.position.refresh_from_db()
    assert world.position.end_date == builders.TODAY


# --- pages and the API answer as the verbs do ------------------------------------------------------


def test_the_page_answers_a_cancelled_meetings_minutes_with_409(world):
    _cancel(world)
    url = reverse("network:meeting_minutes", kwargs={"pk": world.meeting.pk})
    response = verified_client(world.actors["secretariat"]).post(url, {"minutes": "Agreed."})
    assert response.status_code == 409
    world.meeting.refresh_from_db()
    assert world.meeting.minutes == ""


def test_the_page_and_the_api_refuse_another_countrys_update_with_403(world):
    ro = verified_client(world.actors["ro"])
    page = reverse("network:country_update", kwargs={"pk": world.meeting.pk, "code": "BG"})
    assert ro.post(page, {"trends": "Up."}).status_code == 403
    api = f"/api/network/meetings/{world.meeting.pk}/updates/BG"
    assert_problem(ro.put(api, {"trends": "Up."}, content_type="application/json"), 403)
    with pytest.raises(PermissionDenied) as refused:
        VERBS["save_update"].call(world, world.actors["ro"])
    assert status_of(refused.value) == 403


def test_the_api_answers_a_cancelled_meetings_update_with_409(world):
    _cancel(world)
    api = f"/api/network/meetings/{world.meeting.pk}/updates/BG"
    body = assert_problem(
        verified_client(world.actors["bg"]).put(api, {"trends": "Up."}, content_type="application/json"), 409
    )
    assert body["code"] == "meeting_cancelled"


def test_the_meeting_page_offers_no_form_a_cancelled_meeting_would_refuse(world):
    secretariat = verified_client(world.actors["secretariat"])
    url = reverse("network:meeting", kwargs={"pk": world.meeting.pk})
    minutes = reverse("network:meeting_minutes", kwargs={"pk": world.meeting.pk})
    conclude = reverse("network:conclusion_add", kwargs={"pk": world.meeting.pk})
    update = reverse("network:country_update", kwargs={"pk": world.meeting.pk, "code": "BG"})
    before = secretariat.get(url).content.decode()
    assert minutes in before and conclude in before
    assert update in verified_client(world.actors["bg"]).get(url).content.decode()
    _cancel(world)
    after = secretariat.get(url).content.decode()
    assert minutes not in after and conclude not in after
    assert update not in verified_client(world.actors["bg"]).get(url).content.decode()

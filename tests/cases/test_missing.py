"""A person going missing: the episode, its urgent workflow, the hooks, the page and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.cases.builders import days_ago, detect
from tests.factories import verified_client
from tests.problems import assert_problem
from trm.audit.models import AuditEvent
from trm.cases import children, deadlines, missing, tasks
from trm.cases.models import Case, Deadline, MissingEpisode
from trm.lib.refusals import Conflict

J = "application/json"


def _child(world) -> Case:
    case = detect(world.responder, date_of_birth=days_ago(365 * 15), detected_on=days_ago(20))
    children.appoint_guardian(case, guardian=world.guardian, by=world.focal, appointed_on=days_ago(1))
    case.refresh_from_db()
    return case


def _ago(**kw) -> dt.datetime:
    return timezone.now() - dt.timedelta(**kw)


def _open_kinds(case: Case) -> set[str]:
    return set(case.deadlines.open().values_list("kind", flat=True))


# ------------------------------------------------------------------------------------------
# The urgent workflow


def test_recording_a_missing_child_opens_urgent_deadlines_counted_in_hours(world):
    case = _child(world)
    before = timezone.now()
    episode = missing.record_missing(case, by=world.responder, last_seen_at=_ago(hours=3), last_seen_place="Park")
    rules = tasks.rules()
    rows = {d.kind: d for d in case.deadlines.open()}
    assert set(rows) >= {deadlines.MISSING_POLICE, deadlines.MISSING_GUARDIAN, deadlines.MISSING_REVIEW}
    police = rows[deadlines.MISSING_POLICE]
    assert police.due_at is not None
    assert (
        dt.timedelta(0)
        <= police.due_at - before - dt.timedelta(hours=rules.missing_police_report_hours)
        < dt.timedelta(minutes=1)
    )
    assert rows[deadlines.MISSING_REVIEW].due_at - rows[deadlines.MISSING_POLICE].due_at == dt.timedelta(
        hours=rules.missing_review_hours - rules.missing_police_report_hours
    )
    case.refresh_from_db()
    assert case.next_deadline == timezone.localdate(police.due_at)
    # the police report completes its task; the guardian's and the review's are done by hand
    missing.record_police_report(episode, by=world.responder, reference="POL-2026-0001")
    assert deadlines.MISSING_POLICE not in _open_kinds(case)
    missing.complete_step(episode, by=world.responder, step=missing.INFORM_GUARDIAN)
    assert _open_kinds(case) & set(missing.STEP_DEADLINE.values()) == {deadlines.MISSING_REVIEW}
    missing.record_found(episode, by=world.responder, found_at=_ago(minutes=5), found_place="Station", condition="safe")
    assert not _open_kinds(case) & set(missing.STEP_DEADLINE.values())


def test_the_time_frames_are_the_jurisdictions(world, monkeypatch):
    from dataclasses import replace

    quick = replace(tasks.rules(), missing_police_report_hours=1, missing_review_hours=6)
    monkeypatch.setattr(tasks, "rules", lambda: quick)
    case = _child(world)
    before = timezone.now()
    missing.record_missing(case, by=world.responder, last_seen_at=_ago(hours=1), last_seen_place="Park")
    police = case.deadlines.open().get(kind=deadlines.MISSING_POLICE)
    assert police.due_at - before < dt.timedelta(hours=1, minutes=1)


def test_an_adult_gets_no_guardian_task_and_a_known_police_report_no_police_task(world):
    adult = detect(world.responder, detected_on=days_ago(5))
    missing.record_missing(
        adult, by=world.responder, last_seen_at=_ago(hours=2), last_seen_place="Flat", police_report_ref="POL-1"
    )
    assert _open_kinds(adult) == {deadlines.MISSING_REVIEW}


def test_the_dashboard_lists_the_urgent_tasks_first_with_their_time(world):
    case = _child(world)
    missing.record_missing(case, by=world.responder, last_seen_at=_ago(hours=1), last_seen_place="Park")
    page = verified_client(world.responder).get("/").content.decode()
    assert "Report the missing person to the police" in page
    # the guardian deadline (days) comes after the hourly ones, though due later the same way
    assert page.index("Report the missing person to the police") < page.index("Review the search")
    assert "Urgent" in page


# ------------------------------------------------------------------------------------------
# Refusals


def test_found_before_last_seen_is_refused_nothing_stored_and_audited(world):
    case = _child(world)
    episode = missing.record_missing(case, by=world.responder, last_seen_at=_ago(hours=3), last_seen_place="Park")
    with pytest.raises(ValidationError) as caught:
        missing.record_found(episode, by=world.responder, found_at=_ago(hours=4), found_place="X", condition="safe")
    assert caught.value.error_dict["found_at"][0].code == "found_before_last_seen"
    episode.refresh_from_db()
    assert episode.found_at is None and episode.found_place == ""
    assert deadlines.MISSING_REVIEW in _open_kinds(case)
    refused = AuditEvent.objects.filter(action="refused", object_ref=case.reference).latest("seq")
    assert "missing_found: found_before_last_seen" in refused.note
    assert "X" not in refused.note


def test_a_second_open_episode_and_a_future_or_early_last_seen_are_refused(world):
    case = _child(world)
    with pytest.raises(ValidationError) as caught:
        missing.record_missing(case, by=world.responder, last_seen_at=_ago(hours=-2), last_seen_place="P")
    assert caught.value.error_dict["last_seen_at"][0].code == "future"
    with pytest.raises(ValidationError) as caught:
        missing.record_missing(case, by=world.responder, last_seen_at=_ago(days=40), last_seen_place="P")
    assert caught.value.error_dict["last_seen_at"][0].code == "before_detection"
    assert not MissingEpisode.objects.exists() and not Deadline.objects.filter(kind__startswith="missing").exists()
    episode = missing.record_missing(case, by=world.responder, last_seen_at=_ago(hours=1), last_seen_place="P")
    with pytest.raises(Conflict):
        missing.record_missing(case, by=world.responder, last_seen_at=_ago(hours=1), last_seen_place="P")
    missing.record_found(episode, by=world.responder, found_at=timezone.now(), found_place="Q", condition="safe")
    with pytest.raises(Conflict):
        missing.record_police_report(episode, by=world.responder, reference="POL-9")
    with pytest.raises(Conflict):
        missing.complete_step(episode, by=world.responder, step=missing.REVIEW_SEARCH)


def test_the_guardian_may_record_a_missing_child_and_other_roles_may_not(world):
    from django.http import Http404

    case = _child(world)
    with pytest.raises(Http404):
        missing.record_missing(case, by=world.other_responder, last_seen_at=_ago(hours=1), last_seen_place="P")
    episode = missing.record_missing(case, by=world.guardian, last_seen_at=_ago(hours=1), last_seen_place="P")
    assert episode.recorded_by == world.guardian


def test_a_found_person_is_recorded_on_a_case_closed_as_missing(world):
    from trm.cases import casework

    case = _child(world)
    episode = missing.record_missing(case, by=world.focal, last_seen_at=_ago(hours=5), last_seen_place="P")
    casework.close(case, by=world.focal, reason="missing")
    missing.record_found(
        episode, by=world.focal, found_at=_ago(hours=1), found_place="Border", condition="left_country"
    )
    episode.refresh_from_db()
    assert not episode.is_open and episode.found_condition == "left_country"


# ------------------------------------------------------------------------------------------
# Hooks for other parts (the cross-border alert)


def test_other_parts_offer_actions_on_an_open_episode_and_hear_of_it(world, monkeypatch):
    heard: list[tuple[str, int]] = []
    monkeypatch.setattr(missing, "_offers", [])
    monkeypatch.setattr(missing, "_opened_hooks", [])
    monkeypatch.setattr(missing, "_found_hooks", [])
    missing.register_offer(lambda request, e: missing.Offer("Send a route alert", f"/alert/{e.pk}/", method="post"))
    missing.register_offer(lambda request, e: None)
    missing.on_opened(lambda e, by: heard.append(("opened", e.pk)))
    missing.on_found(lambda e, by: heard.append(("found", e.pk)))
    case = _child(world)
    episode = missing.record_missing(case, by=world.responder, last_seen_at=_ago(hours=1), last_seen_place="P")
    page = verified_client(world.responder).get(f"/cases/{case.reference}/").content.decode()
    assert "Send a route alert" in page and f'action="/alert/{episode.pk}/"' in page
    missing.record_found(episode, by=world.responder, found_at=timezone.now(), found_place="Q", condition="safe")
    assert heard == [("opened", episode.pk), ("found", episode.pk)]
    page = verified_client(world.responder).get(f"/cases/{case.reference}/").content.decode()
    assert "Send a route alert" not in page


def test_the_cases_part_does_not_import_the_cross_border_part():
    import ast
    from pathlib import Path

    import trm.cases

    for path in Path(trm.cases.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("trm.transnational", "trm.referrals")), path.name


# ------------------------------------------------------------------------------------------
# The page and the API


def test_the_page_records_a_missing_child_and_the_finding(world):
    case = _child(world)
    client = verified_client(world.responder)
    seen = timezone.localtime(_ago(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/cases/{case.reference}/missing/", {"last_seen_at": seen, "last_seen_place": "Bus station"}
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Urgent tasks" in page and "not yet reported" in page and "Record the police report" in page
    episode = MissingEpisode.objects.get(case=case)
    early = timezone.localtime(_ago(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/cases/{case.reference}/found/",
        {"episode": episode.pk, "found_at": early, "found_place": "Square", "condition": "safe"},
    )
    assert response.status_code == 400
    assert "cannot be found before they were last seen" in response.content.decode()
    episode.refresh_from_db()
    assert episode.is_open
    response = client.post(f"/cases/{case.reference}/police_report/", {"episode": episode.pk, "reference": "POL-77"})
    assert response.status_code == 302
    response = client.post(f"/cases/{case.reference}/missing_step/", {"episode": episode.pk, "step": "inform_guardian"})
    assert response.status_code == 302
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/cases/{case.reference}/found/",
        {"episode": episode.pk, "found_at": now, "found_place": "Square", "condition": "safe"},
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.police_report_ref == "POL-77" and not episode.is_open


def test_the_page_refuses_other_roles_and_an_episode_of_another_case(world):
    case = _child(world)
    other = _child(world)
    episode = missing.record_missing(other, by=world.responder, last_seen_at=_ago(hours=1), last_seen_place="P")
    client = verified_client(world.responder)
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    data = {"episode": episode.pk, "found_at": now, "found_place": "Q", "condition": "safe"}
    assert client.post(f"/cases/{case.reference}/found/", data).status_code == 400  # not this case's episode
    assert verified_client(world.provider).post(f"/cases/{other.reference}/found/", data).status_code == 404
    assert verified_client(world.rapporteur).post(f"/cases/{other.reference}/found/", data).status_code == 404
    episode.refresh_from_db()
    assert episode.is_open


def test_the_api_walks_an_episode_and_refuses_a_finding_before_it_started(world):
    case = _child(world)
    api = verified_client(world.responder)
    base = f"/api/cases/{case.reference}/missing"
    response = api.post(base, {"last_seen_at": _ago(hours=2).isoformat(), "last_seen_place": "Camp"}, content_type=J)
    assert response.status_code == 201, response.content
    body = response.json()
    assert {t["kind"] for t in body["tasks"]} == {"missing_police", "missing_guardian", "missing_review"}
    assert all(t["due_at"] and not t["done"] for t in body["tasks"])
    pk = body["id"]
    response = api.post(
        f"{base}/{pk}/found",
        {"found_at": _ago(hours=3).isoformat(), "found_place": "X", "condition": "safe"},
        content_type=J,
    )
    assert_problem(response, 400)
    assert AuditEvent.objects.filter(action="refused", note__contains="found_before_last_seen").exists()
    response = api.post(f"{base}/{pk}/steps", {"step": "teleport"}, content_type=J)
    assert_problem(response, 400)
    response = api.post(f"{base}/{pk}/police-report", {"reference": "POL-5"}, content_type=J)
    assert response.status_code == 200 and response.json()["police_report_ref"] == "POL-5"
    assert_problem(
        api.post(
            f"{base}/999999/found",
            {"found_at": timezone.now().isoformat(), "found_place": "X", "condition": "safe"},
            content_type=J,
        ),
        404,
    )
    assert_problem(
        verified_client(world.other_ca).post(
            base, {"last_seen_at": _ago(hours=1).isoformat(), "last_seen_place": "P"}, content_type=J
        ),
        404,
    )
    response = api.post(
        f"{base}/{pk}/found",
        {"found_at": timezone.now().isoformat(), "found_place": "Y", "condition": "safe"},
        content_type=J,
    )
    assert response.status_code == 200 and response.json()["open"] is False
    assert all(t["done"] for t in response.json()["tasks"])


def test_the_episode_states_are_a_table():
    assert missing.TRANSITIONS[missing.FOUND] == {}
    assert set(missing.TRANSITIONS[missing.OPEN]) == {*missing.STEP_DEADLINE, missing.RECORD_FOUND}


def test_urgent_tasks_are_listed_however_many_other_deadlines_are_due(world):
    older = detect(world.responder, date_of_birth=days_ago(365 * 10), detected_on=days_ago(60))  # guardian overdue
    case = _child(world)
    missing.record_missing(case, by=world.responder, last_seen_at=_ago(hours=1), last_seen_place="P")
    first = tasks.tasks_for(world.responder, limit=1)
    assert [d.case_id for d in first] == [older.pk]  # the days-counted list alone would miss it
    assert {d.kind for d in tasks.urgent_for(world.responder)} == set(missing.STEP_DEADLINE.values())
    assert tasks.urgent_for(world.other_ca) == []

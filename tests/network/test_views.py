"""Every page: the secretariat gets it, other roles are refused, bad input is a 4xx that stores nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.network import builders
from tests.network.conftest import OUTSIDERS
from trm.network import actions, meetings, nodes
from trm.network.models import (
    ActionItem,
    Attendance,
    Conclusion,
    CountryUpdate,
    Meeting,
    NetworkCountry,
    NetworkNode,
    Participant,
    PartnerOrganisation,
    Session,
)


@pytest.fixture
def world(db):
    m = builders.meeting()
    p = builders.person(code="RO")
    meetings.register(m, participant=p, by=None)
    item = builders.action(m, owner="RO")
    node = nodes.register_node(
        country=builders.country("RO"),
        node_id="ro-nrm",
        organisation="NRM",
        endpoint="https://ro.trm.example",
        since=builders.TODAY,
        by=None,
        status="active",
    )
    return {"meeting": m, "person": p, "item": item, "attendance": m.attendances.get(), "node": node}


def routes(w):
    m, p = w["meeting"].pk, w["person"].pk
    return [
        ("network:home", {}),
        ("network:countries", {}),
        ("network:country_add", {}),
        ("network:country_edit", {"code": "RO"}),
        ("network:organisations", {}),
        ("network:organisation_add", {}),
        ("network:participants", {}),
        ("network:participant_add", {}),
        ("network:participant_import", {}),
        ("network:participant_export", {"fmt": "csv"}),
        ("network:participant_export", {"fmt": "xlsx"}),
        ("network:participant", {"pk": p}),
        ("network:participant_edit", {"pk": p}),
        ("network:meetings", {}),
        ("network:meeting_add", {}),
        ("network:calendar_ics", {}),
        ("network:meeting", {"pk": m}),
        ("network:meeting_edit", {"pk": m}),
        ("network:meeting_invite", {"pk": m}),
        ("network:participants_print", {"pk": m}),
        ("network:participants_export", {"pk": m, "fmt": "csv"}),
        ("network:participants_export", {"pk": m, "fmt": "xlsx"}),
        ("network:meeting_minutes", {"pk": m}),
        ("network:country_update", {"pk": m, "code": "RO"}),
        ("network:meeting_report", {"pk": m, "fmt": "md"}),
        ("network:meeting_report", {"pk": m, "fmt": "pdf"}),
        ("network:meeting_ics", {"pk": m}),
        ("network:commitments", {}),
        ("network:action", {"pk": w["item"].pk}),
        ("network:nodes", {}),
        ("network:node_add", {}),
        ("network:node_edit", {"pk": w["node"].pk}),
        ("network:trust_list", {}),
    ]


POST_ONLY = [
    ("network:session_add", "pk"),
    ("network:conclusion_add", "pk"),
    ("network:action_add", "pk"),
]


def test_the_secretariat_reaches_every_page(world, secretariat):
    for name, kwargs in routes(world):
        response = secretariat.get(reverse(name, kwargs=kwargs))
        assert response.status_code == 200, name


@pytest.mark.parametrize("role", OUTSIDERS)
def test_every_other_role_is_refused_everywhere(world, client_as, role):
    client = client_as(role)
    for name, kwargs in routes(world):
        response = client.get(reverse(name, kwargs=kwargs))
        assert response.status_code in (403, 404), name
    m = world["meeting"].pk
    for name, _arg in POST_ONLY:
        assert client.post(reverse(name, kwargs={"pk": m}), {}).status_code in (403, 404), name
    url = reverse("network:attendance_update", kwargs={"pk": m, "attendance_pk": world["attendance"].pk})
    assert client.post(url, {"status": "declined"}).status_code in (403, 404)
    assert Attendance.objects.get().status == "registered"


def test_anonymous_visitors_are_sent_to_log_in(world, client):
    response = client.get(reverse("network:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_pdf_report_downloads(world, secretariat):
    response = secretariat.get(reverse("network:meeting_report", kwargs={"pk": world["meeting"].pk, "fmt": "pdf"}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]


# --- bad input: 4xx, nothing stored ------------------------------------------------------------


def test_planning_a_meeting_with_dates_out_of_order_is_refused(world, secretariat):
    before = Meeting.objects.count()
    response = secretariat.post(
        reverse("network:meeting_add"),
        {
            "title": "Wrong",
            "kind": "regular",
            "status": "planned",
            "start_date": "2026-06-10",
            "end_date": "2026-06-09",
            "host_country": builders.country("SI").pk,
            "city": "Ljubljana",
        },
    )
    assert response.status_code == 400
    assert "cannot be before the first day" in response.content.decode()
    assert Meeting.objects.count() == before


def test_editing_a_meeting_with_dates_out_of_order_is_refused(world, secretariat):
    m = world["meeting"]
    response = secretariat.post(
        reverse("network:meeting_edit", kwargs={"pk": m.pk}),
        {
            "title": m.title,
            "kind": "regular",
            "status": "planned",
            "start_date": "2026-06-10",
            "end_date": "2026-06-01",
            "host_country": m.host_country.pk,
            "city": "X",
        },
    )
    assert response.status_code == 400
    m.refresh_from_db()
    assert m.city == "Ljubljana"


def test_a_session_outside_the_meeting_is_refused(world, secretariat):
    m = world["meeting"]
    response = secretariat.post(
        reverse("network:session_add", kwargs={"pk": m.pk}),
        {
            "session-title": "Late",
            "session-day": (m.end_date + timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert not Session.objects.exists()


def test_a_conclusion_whose_action_has_no_owner_is_refused_whole(world, secretariat):
    m = world["meeting"]
    response = secretariat.post(
        reverse("network:conclusion_add", kwargs={"pk": m.pk}),
        {
            "conclusion-text": "Agreed.",
            "conclusion-description": "Do it.",
        },
    )
    assert response.status_code == 400
    assert not Conclusion.objects.exists()


def test_an_action_due_before_the_meeting_is_refused(world, secretariat):
    m = world["meeting"]
    response = secretariat.post(
        reverse("network:action_add", kwargs={"pk": m.pk}),
        {
            "action-description": "Late.",
            "action-owner_country": builders.country("RO").pk,
            "action-due_date": (m.start_date - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert ActionItem.objects.count() == 1


def test_a_conclusion_with_its_action_is_recorded(world, secretariat):
    m = world["meeting"]
    response = secretariat.post(
        reverse("network:conclusion_add", kwargs={"pk": m.pk}),
        {
            "conclusion-text": "Agreed.",
            "conclusion-description": "Do it.",
            "conclusion-owner_country": builders.country("RO").pk,
            "conclusion-due_date": (m.start_date + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert Conclusion.objects.get().action_items.get().description == "Do it."


def test_a_bad_import_is_refused_with_line_numbers(world, secretariat):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("l.csv", b"Country,Last name,First name,E-mail\r\nRomania,Pop,Ion,broken\r\n")
    response = secretariat.post(reverse("network:participant_import"), {"file": upload})
    assert response.status_code == 400
    assert "Line 2" in response.content.decode()
    assert Participant.objects.count() == 1


def test_a_good_import_registers_for_the_meeting(world, secretariat):
    from django.core.files.uploadedfile import SimpleUploadedFile

    m = world["meeting"]
    upload = SimpleUploadedFile("l.csv", b"Country,Last name,First name,E-mail\r\nRomania,Pop,Ion,ion@ro.example\r\n")
    response = secretariat.post(reverse("network:participant_import"), {"file": upload, "meeting": m.pk})
    assert response.status_code == 302
    assert Attendance.objects.filter(meeting=m, status="registered").count() == 2


def test_bad_directory_input_is_refused(world, secretariat):
    assert secretariat.post(reverse("network:country_add"), {"code": "QQ", "membership": "member"}).status_code == 400
    assert secretariat.post(reverse("network:organisation_add"), {"name": "", "kind": "donor"}).status_code == 400
    response = secretariat.post(
        reverse("network:participant_add"),
        {"first_name": "A", "last_name": "B", "email": world["person"].email.upper()},
    )
    assert response.status_code == 400
    response = secretariat.post(
        reverse("network:participant", kwargs={"pk": world["person"].pk}),
        {"kind": "advisor", "start_date": "2026-05-01", "end_date": "2026-04-01"},
    )
    assert response.status_code == 400
    assert NetworkCountry.objects.count() == 2
    assert not PartnerOrganisation.objects.exists()
    assert Participant.objects.count() == 1
    assert world["person"].positions.count() == 1


def test_bad_node_input_is_refused(world, secretariat):
    response = secretariat.post(
        reverse("network:node_add"),
        {
            "country": builders.country("RO").pk,
            "node_id": "Bad Id!",
            "organisation": "X",
            "endpoint": "not a url",
            "status": "active",
            "since": "2026-01-01",
            "until": "2025-01-01",
            "signing_jwk": "{not json",
        },
    )
    assert response.status_code == 400
    assert NetworkNode.objects.count() == 1


def test_a_bad_attendance_status_is_refused(world, secretariat):
    url = reverse(
        "network:attendance_update", kwargs={"pk": world["meeting"].pk, "attendance_pk": world["attendance"].pk}
    )
    assert secretariat.post(url, {"status": "vip"}).status_code == 400
    assert secretariat.post(url, {"status": "attended"}).status_code == 302
    assert Attendance.objects.get().status == "attended"


def test_a_bad_action_change_is_refused(world, secretariat):
    url = reverse("network:action", kwargs={"pk": world["item"].pk})
    assert secretariat.post(url, {"event": "reopen"}).status_code == 400
    assert secretariat.post(url, {}).status_code == 400
    assert secretariat.post(url, {"event": "complete", "note": "Done."}).status_code == 302
    assert ActionItem.objects.get().status == "done"


# --- coordinators with an account ------------------------------------------------------------


def test_a_coordinator_sees_only_meetings_they_are_invited_to(world, coordinator, coordinator_user):
    m = world["meeting"]
    assert coordinator.get(reverse("network:meeting", kwargs={"pk": m.pk})).status_code == 404
    meetings.invite(m, participants=[coordinator_user.network_participant], by=None)
    response = coordinator.get(reverse("network:meeting", kwargs={"pk": m.pk}))
    assert response.status_code == 200
    assert "Write the update of Bulgaria" in response.content.decode()
    assert coordinator.get(reverse("network:meeting_edit", kwargs={"pk": m.pk})).status_code == 403
    assert coordinator.get(reverse("network:meeting_report", kwargs={"pk": m.pk, "fmt": "pdf"})).status_code == 403
    assert coordinator.get(reverse("network:participants")).status_code == 403


def test_a_coordinator_writes_their_own_countrys_update_only(world, coordinator, coordinator_user):
    m = world["meeting"]
    meetings.invite(m, participants=[coordinator_user.network_participant], by=None)
    own = reverse("network:country_update", kwargs={"pk": m.pk, "code": "BG"})
    other = reverse("network:country_update", kwargs={"pk": m.pk, "code": "RO"})
    assert coordinator.post(other, {"key_activities": "x"}).status_code == 403
    response = coordinator.post(own, {"key_activities": "Trained officers.", "submit": "on"})
    assert response.status_code == 302
    update = CountryUpdate.objects.get()
    assert (update.country.code, update.status) == ("BG", "submitted")


def test_a_coordinator_sees_and_reports_on_their_countrys_commitments(world, coordinator):
    m = world["meeting"]
    own = actions.add_action_item(m, description="Bulgarian task", owner_country=builders.country("BG"), by=None)
    response = coordinator.get(reverse("network:commitments"))
    assert "Bulgarian task" in response.content.decode()
    assert world["item"].description not in response.content.decode()
    assert coordinator.get(reverse("network:action", kwargs={"pk": world["item"].pk})).status_code == 404
    response = coordinator.post(reverse("network:action", kwargs={"pk": own.pk}), {"note": "Under way."})
    assert response.status_code == 302
    assert own.notes.get().text == "Under way."


def test_a_former_coordinator_loses_write_access(world, client_as):
    from tests.factories import make_user, verified_client
    from trm.accounts.roles import Role
    from trm.network import directory

    user = make_user(Role.FOCAL_POINT)
    p = builders.person(code="BG", user=user, start=builders.TODAY - timedelta(days=800))
    from trm.network.models import Position

    directory.end_position(Position.objects.get(participant=p), end_date=builders.TODAY - timedelta(days=400), by=None)
    meetings.invite(world["meeting"], participants=[p], by=None)
    client = verified_client(user)
    url = reverse("network:country_update", kwargs={"pk": world["meeting"].pk, "code": "BG"})
    assert client.post(url, {"key_activities": "x"}).status_code == 403

"""Migration status (kept consistent with the asylum flag), route encounters, and the asylum referral."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.cases.builders import days_ago, detect
from tests.factories import verified_client
from tests.problems import assert_problem, field_errors
from trm.cases import migrants
from trm.cases.models import MigrationStatusChange, RouteEncounter

J = "application/json"
TODAY = timezone.localdate


@pytest.mark.parametrize(
    ("given", "status", "flag"),
    [
        ({}, "unknown", False),
        ({"asylum_seeker": True}, "applicant", True),
        ({"migration_status": "beneficiary"}, "beneficiary", True),
        ({"migration_status": "irregular"}, "irregular", False),
        ({"migration_status": "applicant", "asylum_seeker": True}, "applicant", True),
    ],
)
def test_a_detection_keeps_the_status_and_the_asylum_flag_together(world, given, status, flag):
    case = detect(world.responder, **given)
    assert (case.migration_status, case.asylum_seeker) == (status, flag)


def test_a_detection_with_an_inconsistent_status_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        detect(world.responder, asylum_seeker=True, migration_status="irregular")
    assert "migration_status" in caught.value.error_dict
    with pytest.raises(ValidationError):
        detect(world.responder, migration_status="tourist")


def test_changing_the_status_moves_the_flag_and_leaving_protection_needs_a_reason(world):
    case = detect(world.responder, migration_status="irregular")
    migrants.set_migration_status(case, by=world.responder, status="applicant", since=days_ago(1))
    case.refresh_from_db()
    assert case.asylum_seeker is True
    migrants.set_migration_status(case, by=world.responder, status="beneficiary")
    case.refresh_from_db()
    assert case.asylum_seeker is True
    with pytest.raises(ValidationError) as caught:
        migrants.set_migration_status(case, by=world.responder, status="irregular")
    assert "reason" in caught.value.error_dict
    case.refresh_from_db()
    assert case.asylum_seeker is True and case.migration_status == "beneficiary"
    migrants.set_migration_status(case, by=world.responder, status="other", reason="Synthetic: protection ceased.")
    case.refresh_from_db()
    assert (case.migration_status, case.asylum_seeker) == ("other", False)
    assert [c.status for c in MigrationStatusChange.objects.filter(case=case).order_by("id")] == [
        "applicant",
        "beneficiary",
        "other",
    ]


def test_a_status_change_refuses_bad_input(world):
    case = detect(world.responder)
    for kwargs, field in (
        ({"status": "tourist"}, "status"),
        ({"status": "unknown"}, "status"),  # unchanged
        ({"status": "applicant", "since": days_ago(-3)}, "since"),
    ):
        with pytest.raises(ValidationError) as caught:
            migrants.set_migration_status(case, by=world.responder, **kwargs)
        assert field in caught.value.error_dict
    assert not MigrationStatusChange.objects.exists()


def test_route_encounters_are_recorded_and_checked(world):
    case = detect(world.responder, date_of_birth=days_ago(365 * 15))
    migrants.record_route_encounter(
        case, by=world.responder, country="MK", place_type="transit_centre", met_on=days_ago(30), place="Gevgelija"
    )
    for kwargs, field in (
        ({"country": "XX", "place_type": "transit_centre", "met_on": TODAY()}, "country"),
        ({"country": "RS", "place_type": "palace", "met_on": TODAY()}, "place_type"),
        ({"country": "RS", "place_type": "informal_camp", "met_on": days_ago(-1)}, "met_on"),
        ({"country": "RS", "place_type": "informal_camp", "met_on": days_ago(365 * 16)}, "met_on"),
    ):
        with pytest.raises(ValidationError) as caught:
            migrants.record_route_encounter(case, by=world.responder, **kwargs)
        assert field in caught.value.error_dict
    assert RouteEncounter.objects.filter(case=case).count() == 1


def test_the_page_and_the_api_record_the_status_and_the_route(world):
    case = detect(world.responder)
    client = verified_client(world.responder)
    response = client.post(f"/cases/{case.reference}/migration/", {"status": "applicant", "since": str(TODAY())})
    assert response.status_code == 302
    response = client.post(
        f"/cases/{case.reference}/encounter/",
        {"country": "RS", "place_type": "reception_centre", "place": "Centre East", "met_on": str(TODAY())},
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Migration and route" in page and "Centre East" in page and "Reception centre" in page
    assert "never goes to the authorities of the country of origin" in page
    api = verified_client(world.responder)
    response = api.post(
        f"/api/cases/{case.reference}/migration-status", {"status": "irregular"}, content_type=J
    )  # leaving protection without a reason
    assert_problem(response, 400)
    assert "reason" in field_errors(response)
    response = api.post(
        f"/api/cases/{case.reference}/route-encounters",
        {"country": "HU", "place_type": "border_crossing", "met_on": str(TODAY())},
        content_type=J,
    )
    assert response.status_code == 201
    body = api.get(f"/api/cases/{case.reference}/protection").json()
    assert body["asylum_seeker"] is True and body["migration_status"] == "applicant"
    assert {m["country"] for m in body["route_encounters"]} == {"RS", "HU"}


def test_other_roles_may_not_change_the_status(world):
    case = detect(world.responder)
    data = {"status": "applicant"}
    assert_problem(
        verified_client(world.other_responder).post(
            f"/api/cases/{case.reference}/migration-status", data, content_type=J
        ),
        404,
    )
    assert verified_client(world.dpo).post(f"/cases/{case.reference}/migration/", data).status_code == 404
    assert verified_client(world.provider).post(f"/cases/{case.reference}/migration/", data).status_code == 404
    case.refresh_from_db()
    assert case.migration_status == "unknown" and not case.asylum_seeker


def test_an_existing_asylum_flag_becomes_the_applicant_status():
    """The data step of the migration that added the status (copied logic, run on a model)."""
    from importlib import import_module

    module = import_module("trm.cases.migrations.0007_children_on_the_move_missing_migration")

    class FakeManager:
        def __init__(self) -> None:
            self.calls: list[tuple[dict, dict]] = []

        def filter(self, **kw):
            manager = self

            class Q:
                def update(self, **values):
                    manager.calls.append((kw, values))

            return Q()

    class FakeCase:
        objects = FakeManager()

    class Apps:
        def get_model(self, app, name):
            return FakeCase

    module.asylum_seekers_are_applicants(Apps(), None)
    assert FakeCase.objects.calls == [({"asylum_seeker": True}, {"migration_status": "applicant"})]

"""Every error of the API is an RFC 9457 problem, and each status means one thing (docs/api.md)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory, override_settings
from django.urls import resolve
from ninja.errors import AuthenticationError, HttpError

from tests.factories import make_user
from tests.problems import assert_problem
from trm.accounts.roles import Role
from trm.api import api
from trm.audit.models import AuditEvent
from trm.lib import problems
from trm.lib.refusals import Conflict

CASE = "/api/cases/ZZ-NOPE-0000"


def _answer(exc: Exception, user) -> tuple[object, dict]:
    """What the API's handlers answer for ``exc`` raised by the case detail operation."""
    request = RequestFactory().get(CASE)
    request.user = user
    request.resolver_match = resolve(CASE)
    response = api.on_exception(request, exc)
    assert response["Content-Type"] == problems.PROBLEM_JSON
    return response, json.loads(response.content)


@pytest.fixture
def worker(db, org):
    return make_user(Role.FOCAL_POINT, org=org)


def _refusals() -> list[str]:
    return list(AuditEvent.objects.filter(action="refused").values_list("note", flat=True))


def test_a_django_validation_error_is_a_400_with_each_field_error(worker):
    exc = ValidationError(
        {
            "service": ValidationError("Not offered.", code="service_not_offered"),
            "__all__": ValidationError("Consent is missing.", code="no_consent"),
        }
    )
    response, body = _answer(exc, worker)
    assert response.status_code == 400
    assert body["title"] == "Bad Request" and body["type"] == "about:blank"
    assert body["detail"] == "Consent is missing."
    assert body["errors"] == [
        {"field": "service", "message": "Not offered.", "code": "service_not_offered"},
        {"field": None, "message": "Consent is missing.", "code": "no_consent"},
    ]
    assert _refusals() == []  # bad input is not a refusal


def test_a_validation_error_without_fields_is_a_400_about_the_whole_input(worker):
    response, body = _answer(ValidationError("Dates out of order."), worker)
    assert response.status_code == 400
    assert body["errors"] == [{"field": None, "message": "Dates out of order.", "code": "invalid"}]


def test_a_conflict_is_a_409_with_its_code_and_is_audited(worker):
    response, body = _answer(Conflict("The case is closed.", code="case_closed"), worker)
    assert response.status_code == 409
    assert body["detail"] == "The case is closed." and body["code"] == "case_closed"
    assert "errors" not in body
    assert _refusals() == ["409 GET /api/cases/{reference}"]


def test_permission_denied_is_a_403_with_its_message_and_is_audited(worker):
    response, body = _answer(PermissionDenied("Only the competent authority decides."), worker)
    assert response.status_code == 403 and body["detail"] == "Only the competent authority decides."
    assert _refusals() == ["403 GET /api/cases/{reference}"]


def test_http404_is_a_404_that_never_repeats_its_message(worker):
    response, body = _answer(Http404("No Case matches ZZ-NOPE-0000 of Ana Testova"), worker)
    assert response.status_code == 404
    assert body["detail"] == "Not found, or not visible to you."
    assert b"Ana" not in response.content
    assert _refusals() == ["404 GET /api/cases/{reference}"]


@pytest.mark.parametrize(("status", "audited"), [(403, True), (404, True), (409, True), (429, False), (400, False)])
def test_an_http_error_keeps_its_status(worker, status, audited):
    response, body = _answer(HttpError(status, "Said so."), worker)
    assert response.status_code == status and body["detail"] == "Said so."
    assert bool(_refusals()) is audited


def test_an_authentication_error_is_a_401_with_a_challenge(worker):
    response, _ = _answer(AuthenticationError(), worker)
    assert response.status_code == 401
    assert response["WWW-Authenticate"]
    assert _refusals() == []


def test_a_schema_error_names_each_field_also_nested_ones(client_as):
    client = client_as(Role.NODE_ADMIN)
    response = client.post(
        "/api/referrals/providers", {"organisation": "x", "services": [1]}, content_type="application/json"
    )
    body = assert_problem(response, 400, fields={"organisation", "services.0"})
    assert {e["code"] for e in body["errors"]} == {"int_parsing", "string_type"}
    assert body["detail"] == "The input is not valid: organisation, services.0."


def test_a_missing_body_is_a_400(client_as):
    response = client_as(Role.NODE_ADMIN).post("/api/referrals/providers", content_type="application/json")
    assert_problem(response, 400)


def test_a_query_parameter_of_the_wrong_type_is_a_400(client_as):
    response = client_as(Role.FOCAL_POINT).get("/api/referrals/providers?free_only=perhaps")
    assert_problem(response, 400, fields={"free_only"})


def test_a_malformed_json_body_is_a_400(client_as):
    response = client_as(Role.FOCAL_POINT).post(
        "/api/referrals/notifications/read", "{oops", content_type="application/json"
    )
    assert_problem(response, 400)


def test_no_session_is_a_401(client, db):
    body = assert_problem(client.get("/api/me"), 401)
    assert body["title"] == "Unauthorized"


def test_an_owed_second_factor_is_a_401_problem(client, db, org):
    user = make_user(Role.FOCAL_POINT, org=org)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    body = assert_problem(client.get("/api/me"), 401)
    assert body["detail"] == "Two-factor verification required."


def test_an_unknown_api_path_is_a_404_problem(client_as):
    assert_problem(client_as(Role.FOCAL_POINT).get("/api/no-such-thing"), 404)


def test_a_method_the_operation_does_not_take_is_a_405_problem(client_as):
    response = client_as(Role.FOCAL_POINT).delete("/api/me")
    assert_problem(response, 405)
    assert "GET" in response["Allow"]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_an_oversized_body_is_a_413_problem(client_as):
    response = client_as(Role.FOCAL_POINT).post(
        "/api/referrals/notifications/read", '{"ids": [' + "1," * 100 + "1]}", content_type="application/json"
    )
    assert_problem(response, 413)


def test_pages_outside_the_api_keep_their_html_errors(client_as):
    response = client_as(Role.FOCAL_POINT).get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_openapi_schema_describes_the_problem_once(client, db):
    schema = client.get("/api/openapi.json").json()
    problem = schema["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "errors", "code"} <= set(problem["properties"])
    me = schema["paths"]["/api/me"]["get"]["responses"]["4XX"]
    assert me["content"][problems.PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_the_detail_names_the_fields_at_fault_when_nothing_is_said_of_the_whole():
    errors = [
        problems.FieldError(field="a", message="x", code="invalid"),
        problems.FieldError(field="a", message="y", code="invalid"),
    ]
    assert problems.detail_of(errors) == "The input is not valid: a."
    assert problems.detail_of([]) == "The input is not valid."

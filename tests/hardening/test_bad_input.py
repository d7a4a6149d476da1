"""Bad input gets a clear 4xx, never a 500, and nothing is stored half-way."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from tests.factories import verified_client
from tests.problems import field_errors
from tests.referrals.builders import World
from trm.cases.models import Case, Consent
from trm.referrals.models import Provider

J = "application/json"
TOO_BIG = 2**63


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def focal(world):
    client = verified_client(world.focal)
    client.raise_request_exception = False  # a 500 must show as a 500, not as a test error
    return client


def post_json(client, url, data, method="post"):
    return getattr(client, method)(url, data=json.dumps(data), content_type=J)


@pytest.mark.parametrize("bad", ["\ud800", "Ana\udfff", "A\x00na", "A\x07na", "Ana\ufffe", "\ufdd0"])
def test_it_refuses_a_name_with_a_lone_surrogate_or_control_character(focal, bad):
    before = Case.objects.count()
    response = post_json(
        focal, "/api/cases/", {"detected_on": "2025-01-01", "detection_country": "SE", "given_name": bad}
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "not allowed" in response.json()["detail"]
    assert bad not in response.content.decode("utf-8", "replace")
    assert Case.objects.count() == before


def test_it_refuses_bad_text_in_a_json_key_too(focal):
    response = post_json(focal, "/api/referrals/notifications/read", {"ids\ud800": []})
    assert response.status_code == 400


def test_it_still_takes_ordinary_non_ascii_text(focal):
    response = post_json(
        focal,
        "/api/cases/",
        {"detected_on": "2025-01-01", "detection_country": "SE", "given_name": "Ана-Мария 🌻", "narrative": "a\tb\nc"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["person"]["given_name"] == "Ана-Мария 🌻"


def test_it_refuses_a_control_character_in_a_form_post(world):
    client = verified_client(world.focal)
    client.raise_request_exception = False
    response = client.post("/referrals/directory/new/", {"contact_name": "Intake\x00desk"})
    assert response.status_code == 400
    assert b"could not be understood" in response.content
    assert b"app.css" in response.content  # the styled page
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response


@pytest.mark.parametrize("ids", [[TOO_BIG], [2**70], [-(2**63) - 1]])
def test_it_refuses_consent_recipients_out_of_range_over_the_api(world, focal, ids):
    case = world.presumed_victim()
    before = Consent.objects.count()
    response = post_json(
        focal, f"/api/cases/{case.reference}/consents", {"purpose": "assistance", "language": "ro", "recipients": ids}
    )
    assert response.status_code == 400
    assert Consent.objects.count() == before


def test_it_refuses_a_negative_recipient_over_the_api(world, focal):
    case = world.presumed_victim()
    response = post_json(
        focal, f"/api/cases/{case.reference}/consents", {"purpose": "assistance", "language": "ro", "recipients": [-1]}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("pk", [str(TOO_BIG), "-1", str(2**80), "1e3"])
def test_it_refuses_consent_recipients_out_of_range_in_the_form(world, pk):
    case = world.presumed_victim()
    client = verified_client(world.focal)
    client.raise_request_exception = False
    before = Consent.objects.count()
    response = client.post(
        f"/cases/{case.reference}/consent/",
        {"purpose": "assistance", "language": "ro", "given_by": "person", "recipients": [pk]},
    )
    assert response.status_code in (200, 400)
    assert Consent.objects.count() == before


@pytest.mark.parametrize("ids", [[TOO_BIG], [1, 2**64]])
def test_it_refuses_notification_ids_out_of_range(focal, ids):
    response = post_json(focal, "/api/referrals/notifications/read", {"ids": ids})
    assert response.status_code == 400


def test_it_refuses_a_negative_notification_id(focal):
    response = post_json(focal, "/api/referrals/notifications/read", {"ids": [-5]})
    assert response.status_code == 400


def test_it_refuses_a_multipart_body_to_a_json_endpoint(world):
    # With CSRF enforced, as a browser or script would meet it: the form must never be read
    # as a side effect before the JSON body (that used to crash the request).
    client = verified_client(world.focal, Client(enforce_csrf_checks=True))
    client.raise_request_exception = False
    response = client.post("/api/referrals/notifications/read", data={"ids": "1"})
    assert response.status_code == 415
    assert response.json()["status"] == 415
    response = client.post("/api/referrals/notifications/read", data="ids=1", content_type="text/plain")
    assert response.status_code == 415


def test_it_refuses_a_body_that_is_not_utf8(focal):
    response = focal.post("/api/referrals/notifications/read", data=b'{"ids": ["\xff"]}', content_type=J)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "field", ["services", "regions", "languages", "contact_name", "description", "accepts_children", "is_active"]
)
def test_it_refuses_to_empty_a_provider_detail_with_null(world, focal, field):
    provider = world.shelter_provider
    response = post_json(focal, f"/api/referrals/providers/{provider.pk}", {field: None}, method="patch")
    assert response.status_code == 400, response.content
    assert field in field_errors(response)
    provider.refresh_from_db()
    assert provider.services == ["shelter", "psychological"]


def test_it_still_clears_a_nullable_provider_detail_with_null(world, focal):
    provider = world.legal_provider
    response = post_json(focal, f"/api/referrals/providers/{provider.pk}", {"mou_valid_until": None}, method="patch")
    assert response.status_code == 200, response.content
    assert Provider.objects.get(pk=provider.pk).mou_valid_until is None


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_it_answers_a_too_large_api_body_with_a_json_413(focal):
    response = post_json(focal, "/api/referrals/notifications/read", {"ids": [1] * 2000})
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 413


def test_it_refuses_a_control_character_in_a_query_string(focal):
    assert focal.get("/api/referrals/providers", {"q": "shel\x00ter"}).status_code == 400
    assert focal.get("/cases/", {"q": "x\x1b"}).status_code == 400


def test_an_unknown_host_gets_a_styled_400_not_a_500(db):
    client = Client(raise_request_exception=False)
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert b"Bad request" in response.content
    assert b"app.css" in response.content
    response = client.get("/api/node", HTTP_HOST="evil.example")
    assert response.status_code == 400


def test_an_import_refuses_a_cell_with_control_characters(db):
    from trm.network import imports

    data = "Last name,First name,E-mail\r\nTest\x00ova,Ana,ana@example.org\r\nOk,Bo\ufffe,bo@example.org\r\n"
    _rows, errors, _notes = imports.check_rows(imports.read_table(data.encode(), "people.csv"))
    refused = [str(e) for e in errors if "not allowed" in str(e)]
    assert refused == [
        "Line 2: Last name holds characters that are not allowed.",
        "Line 3: First name holds characters that are not allowed.",
    ]


def test_it_refuses_json_nested_too_deeply(focal):
    body = "[" * 100_000 + "]" * 100_000
    response = focal.post("/api/referrals/notifications/read", data=body, content_type=J)
    assert response.status_code == 400


def test_an_empty_form_post_to_an_api_action_is_not_refused_as_a_body(world):
    client = verified_client(world.focal, Client(raise_request_exception=False))
    response = client.post("/api/referrals/notifications/read")  # the test client sends an empty multipart
    # Passed on to the endpoint, whose schema then finds no JSON: its own 400, no crash.
    assert response.status_code == 400
    assert "Unsupported" not in response.content.decode()


def test_it_refuses_a_text_over_the_hard_cap_in_the_api_and_stores_nothing(focal):
    from trm.lib.text import MAX_TEXT_CHARS

    before = Case.objects.count()
    body = {"detected_on": "2025-01-01", "detection_country": "SE", "narrative": "a" * (MAX_TEXT_CHARS + 1)}
    response = post_json(focal, "/api/cases/", body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "longer than" in response.json()["detail"]
    assert Case.objects.count() == before


def test_it_refuses_a_list_over_the_hard_cap_in_the_api(focal):
    from trm.lib.text import MAX_ITEMS

    response = post_json(focal, "/api/referrals/notifications/read", {"ids": list(range(1, MAX_ITEMS + 2))})
    assert response.status_code == 400
    assert "more than" in response.json()["detail"]


def test_it_refuses_a_form_field_over_the_hard_caps_on_a_page(world):
    from trm.lib.text import MAX_ITEMS, MAX_TEXT_CHARS

    client = verified_client(world.focal)
    client.raise_request_exception = False
    case = world.presumed_victim()
    assert client.post(f"/cases/{case.reference}/note/", {"text": "a" * (MAX_TEXT_CHARS + 1)}).status_code == 400
    assert client.post(f"/cases/{case.reference}/note/", {"text": ["a"] * (MAX_ITEMS + 1)}).status_code == 400
    assert not case.notes.exists()

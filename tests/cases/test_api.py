from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.builders import PRESUMED_HITS, days_ago, detect, referred
from tests.factories import verified_client
from tests.problems import field_errors
from trm.audit.models import AuditEvent
from trm.cases.models import Case, Screening

J = "application/json"


def post(client, url, data):
    return client.post(url, data, content_type=J)


def test_it_walks_detection_to_reasonable_grounds_over_the_api(world):
    fr = verified_client(world.responder)
    response = post(
        fr,
        "/api/cases/",
        {"detected_on": str(days_ago(2)), "detection_country": "SE", "given_name": "Api", "family_name": "Person",
         "date_of_birth": "1990-01-01", "citizenships": ["MD"], "languages": ["ro"]},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    ref = response.json()["reference"]
    assert response.json()["person"]["given_name"] == "Api"
    response = post(
        fr, f"/api/cases/{ref}/screenings", {"indicator_set": "delphi-adults-labour", "hits": PRESUMED_HITS}
    )
    assert response.status_code == 201
    assert response.json()["outcome"] == "presumed_victim"
    assert "not an identification decision" in response.json()["advice"]
    response = post(fr, f"/api/cases/{ref}/referral", {"to": world.authority.pk})
    assert response.status_code == 409  # the case lacks the consent: its state, not the input
    assert "consented" in response.json()["detail"]
    response = post(
        fr,
        f"/api/cases/{ref}/consents",
        {"purpose": "identification", "language": "ro", "recipients": [world.authority.pk]},
    )
    assert response.status_code == 201
    response = post(fr, f"/api/cases/{ref}/referral", {"to": world.authority.pk})
    assert response.status_code == 201
    assert response.json()["to_state"] == "rg_pending"
    assert fr.get(f"/api/cases/{ref}").status_code == 404
    ca = verified_client(world.ca)
    assert ca.get(f"/api/cases/{ref}").json()["allowed_steps"] == ["rg_positive", "rg_negative"]
    response = post(ca, f"/api/cases/{ref}/decisions", {"event": "rg_positive", "reasons": "Indicators"})
    assert response.status_code == 201
    kinds = {d["kind"] for d in ca.get(f"/api/cases/{ref}/deadlines").json()}
    assert kinds == {"reflection_end", "cg_decision"}
    assert "reflection_end" in {d["kind"] for d in ca.get("/api/cases/tasks").json()}


def test_it_lists_and_filters_without_names(world):
    detect(world.responder, given_name="Hidden", date_of_birth=days_ago(365 * 9))
    detect(world.responder)
    client = verified_client(world.focal)
    body = client.get("/api/cases/?child=yes").json()
    assert body["count"] == 1
    assert "Hidden" not in str(body)
    assert client.get("/api/cases/?status=Bogus").status_code == 400


def test_it_gives_an_exact_count_and_pages_below_the_bound(world):
    for _ in range(3):
        detect(world.responder)
    body = verified_client(world.focal).get("/api/cases/").json()
    figures = (body["count"], body["count_capped"], body["page"], body["pages"], body["has_next"])
    assert figures == (3, False, 1, 1, False)
    assert len(body["results"]) == 3


def test_it_caps_the_count_and_pages_by_the_next_row_above_the_bound(world, monkeypatch):
    monkeypatch.setattr("trm.lib.paging.COUNT_BOUND", 2)
    monkeypatch.setattr("trm.lib.paging.MAX_ROWS", 4)
    monkeypatch.setattr("trm.cases.api.PAGE_SIZE", 2)
    refs = [detect(world.responder).reference for _ in range(5)]
    client = verified_client(world.focal)
    first = client.get("/api/cases/").json()
    assert (first["count"], first["count_capped"], first["page"], first["pages"], first["has_next"]) == (
        2, True, 1, 2, True,
    )  # fmt: skip
    second = client.get("/api/cases/", {"page": 2}).json()
    assert (second["page"], second["has_next"]) == (2, False)  # the deepest page that may be asked for
    assert [r["reference"] for r in first["results"] + second["results"]] == refs[::-1][:4]
    assert client.get("/api/cases/", {"page": 99}).json()["page"] == 2


def test_it_searches_by_name_through_a_post_and_a_hash(world):
    case = detect(world.responder, given_name="Nameto", family_name="Find")
    detect(world.responder)
    client = verified_client(world.focal)
    target = post(client, "/api/cases/search", {"q": "nameto find"}).json()
    assert set(target) == {"ref", "nk"} and target["nk"]
    body = client.get("/api/cases/", {"nk": target["nk"]}).json()
    assert [r["reference"] for r in body["results"]] == [case.reference]
    target = post(client, "/api/cases/search", {"q": case.reference}).json()
    assert client.get("/api/cases/", {"ref": target["ref"]}).json()["count"] == 1
    assert post(client, "/api/cases/search", {"q": "  "}).status_code == 400


@pytest.mark.parametrize("who", ["other_responder", "other_ca", "guardian", "provider", "police"])
def test_it_answers_404_for_cases_out_of_scope(world, who):
    case = detect(world.responder)
    client = verified_client(getattr(world, who))
    assert client.get(f"/api/cases/{case.reference}").status_code == 404
    assert post(client, f"/api/cases/{case.reference}/events", {"type": "Transit", "country": "RO"}).status_code == 404
    assert (
        post(client, f"/api/cases/{case.reference}/screenings", {"indicator_set": "x", "hits": []}).status_code == 404
    )


@pytest.mark.parametrize("who", ["dpo", "rapporteur", "admin", "secretariat"])
def test_roles_without_case_content_get_403_for_the_list_and_404_for_a_case(world, who):
    case = detect(world.responder)
    client = verified_client(getattr(world, who))
    assert client.get("/api/cases/").status_code == 403
    assert client.get(f"/api/cases/{case.reference}").status_code == 404


def test_it_needs_a_login(client, db):
    assert client.get("/api/cases/").status_code == 401


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"detected_on": "2099-01-01", "detection_country": "SE"}, "detected_on"),
        ({"detected_on": "2024-01-01", "detection_country": "QQ"}, "detection_country"),
        ({"detected_on": "2024-01-01", "detection_country": "SE", "date_of_birth": "2024-02-01"}, "date_of_birth"),
        ({"detected_on": "2024-01-01", "detection_country": "SE", "citizenships": ["ZZ"]}, "citizenships"),
    ],
)
def test_bad_detections_are_400_with_the_field_and_nothing_saved(world, payload, field):
    response = post(verified_client(world.responder), "/api/cases/", payload)
    assert response.status_code == 400
    assert field in field_errors(response)
    assert Case.objects.count() == 0


def test_a_malformed_date_is_rejected(world):
    response = post(
        verified_client(world.responder), "/api/cases/", {"detected_on": "yesterday", "detection_country": "SE"}
    )
    assert response.status_code == 400
    assert Case.objects.count() == 0


def test_an_unknown_indicator_is_400_and_nothing_saved(world):
    case = detect(world.responder)
    response = post(
        verified_client(world.responder),
        f"/api/cases/{case.reference}/screenings",
        {"indicator_set": "delphi-adults-labour", "hits": ["zz.unknown"]},
    )
    assert response.status_code == 400
    assert "hits" in field_errors(response)
    assert Screening.objects.count() == 0


def test_a_decision_by_a_role_without_the_right_is_403(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    response = post(verified_client(world.focal), f"/api/cases/{case.reference}/decisions", {"event": "rg_positive"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == "rg_pending"


def test_an_invalid_transition_is_409_with_the_reason(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    response = post(verified_client(world.ca), f"/api/cases/{case.reference}/decisions", {"event": "cg_positive"})
    assert response.status_code == 409
    assert "not possible now" in response.json()["detail"]


def test_an_exploitation_in_the_future_is_400(world):
    case = detect(world.responder)
    future = str(timezone.localdate() + dt.timedelta(days=10))
    response = post(
        verified_client(world.responder),
        f"/api/cases/{case.reference}/events",
        {"type": "Exploitation", "country": "SE", "start_date": future, "exploitation_type": "Surrogacy"},
    )
    assert response.status_code == 400
    assert case.events.count() == 0


def test_a_guardian_may_read_but_not_add_events(world):
    from trm.cases import children

    case = detect(world.responder, date_of_birth=days_ago(365 * 12))
    children.appoint_guardian(case, guardian=world.guardian, by=world.focal, appointed_on=timezone.localdate())
    client = verified_client(world.guardian)
    assert client.get(f"/api/cases/{case.reference}").status_code == 200
    assert post(client, f"/api/cases/{case.reference}/events", {"type": "Transit", "country": "RO"}).status_code == 403


def test_every_api_read_of_a_case_is_audited(world):
    case = detect(world.responder)
    verified_client(world.focal).get(f"/api/cases/{case.reference}")
    assert AuditEvent.objects.filter(action="read", object_ref=case.reference).count() == 1


def test_it_lists_the_indicator_sets(world):
    sets = verified_client(world.responder).get("/api/cases/indicator-sets").json()
    assert "delphi-adults-labour" in {s["id"] for s in sets}


def test_a_screening_s_reasons_come_in_the_language_asked_for_with_the_same_codes(world):
    from django.utils import translation

    client = verified_client(world.responder)
    answers = {}
    for language in ("en", "bg"):
        case = detect(world.responder)
        response = client.post(
            f"/api/cases/{case.reference}/screenings",
            {"indicator_set": "delphi-adults-labour", "hits": PRESUMED_HITS},
            content_type=J,
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 201
        answers[language] = response.json()
    en, bg = answers["en"], answers["bg"]
    assert en["reason_codes"] == bg["reason_codes"] and "presumed" in en["reason_codes"]
    assert len(en["reasons"]) == len(en["reason_codes"]) and len(bg["reasons"]) == len(bg["reason_codes"])
    presumed = en["reason_codes"].index("presumed")
    english = "The combination rule is met: advise referral as a presumed victim."
    assert en["reasons"][presumed] == english
    with translation.override("bg"):
        bulgarian = translation.gettext(english)
    assert bulgarian != english and bg["reasons"][presumed] == bulgarian
    assert "not an identification decision" in en["advice"] and "not an identification" not in bg["advice"]

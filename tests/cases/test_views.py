from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.builders import days_ago, detect, referred
from tests.factories import make_user, verified_client
from trm.accounts.roles import Role
from trm.audit.models import AuditEvent
from trm.cases import casework, identification
from trm.cases.models import Case, Person


def test_it_lists_cases_without_names(world):
    case = detect(world.responder, given_name="Veselina")
    response = verified_client(world.focal).get("/cases/")
    assert response.status_code == 200
    assert case.reference in response.content.decode()
    assert "Veselina" not in response.content.decode()
    assert AuditEvent.objects.filter(action="read", object_ref="list").exists()


def test_it_filters_the_list(world):
    child = detect(world.responder, date_of_birth=days_ago(365 * 10), citizenships=["UA"])
    adult = detect(world.responder, citizenships=["MD"])
    casework.add_event(adult, by=world.responder, type="Exploitation", country="SE", exploitation_type="ForcedBegging")
    client = verified_client(world.focal)
    page = client.get("/cases/?child=yes").content.decode()
    assert child.reference in page and adult.reference not in page
    page = client.get("/cases/?nationality=MD").content.decode()
    assert adult.reference in page and child.reference not in page
    page = client.get("/cases/?exploitation=ForcedBegging").content.decode()
    assert adult.reference in page and child.reference not in page
    page = client.get("/cases/?deadline=any").content.decode()
    assert child.reference in page and adult.reference not in page
    page = client.get("/cases/?deadline=overdue").content.decode()
    assert child.reference not in page


def test_it_searches_by_reference_and_by_exact_name_without_putting_the_name_in_a_url(world):
    case = detect(world.responder, given_name="Kalina", family_name="Probna")
    other = detect(world.responder, given_name="Other", family_name="Person")
    client = verified_client(world.focal)
    response = client.post("/cases/search/", {"q": case.reference.lower()})
    assert response["Location"] == f"/cases/?ref={case.reference}"
    page = client.get(response["Location"]).content.decode()
    assert case.reference in page and other.reference not in page
    response = client.post("/cases/search/", {"q": "kalina  PROBNA"})
    assert "kalina" not in response["Location"].lower() and "nk=" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert case.reference in page and other.reference not in page
    page = client.get(client.post("/cases/search/", {"q": "Kalina"})["Location"]).content.decode()
    assert case.reference not in page
    assert client.get("/cases/search/").status_code == 405
    assert client.get("/cases/?nk=not-a-hash").status_code == 400


def test_it_answers_400_to_a_bad_filter(world):
    response = verified_client(world.focal).get("/cases/?status=Nonsense")
    assert response.status_code == 400


def test_it_renders_the_results_partial_for_htmx(world):
    detect(world.responder)
    response = verified_client(world.focal).get("/cases/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.content.decode()


@pytest.mark.parametrize("who", ["dpo", "rapporteur", "admin", "secretariat"])
def test_roles_without_case_content_are_refused_the_list(world, who):
    assert verified_client(getattr(world, who)).get("/cases/").status_code == 403


def test_it_shows_a_case_and_audits_the_read_with_field_names_only(world):
    case = detect(world.responder, given_name="Radostina")
    response = verified_client(world.responder).get(f"/cases/{case.reference}/")
    assert response.status_code == 200
    assert "Radostina" in response.content.decode()
    event = AuditEvent.objects.filter(action="read", object_ref=case.reference).get()
    assert "person.given_name" in event.fields
    assert "Radostina" not in str(event.chained_fields())


@pytest.mark.parametrize("who", ["other_responder", "ca", "other_ca", "guardian", "provider", "police"])
def test_a_guessed_url_is_a_404_for_every_role_that_must_not_see(world, who):
    case = detect(world.responder)
    client = verified_client(getattr(world, who))
    assert client.get(f"/cases/{case.reference}/").status_code == 404
    assert client.post(f"/cases/{case.reference}/note/", {"text": "x"}).status_code == 404
    assert client.get(f"/cases/{case.reference}/screen/").status_code == 404
    assert not case.notes.exists()


@pytest.mark.parametrize("who", ["dpo", "rapporteur", "admin", "secretariat"])
def test_a_role_that_sees_no_case_content_is_a_404_for_any_case_on_page_and_api(world, who):
    # Every case is out of reach for the role: the same 404 for a real and a guessed reference.
    case = detect(world.responder)
    client = verified_client(getattr(world, who))
    for reference in (case.reference, "ZZ-NOPE-0000"):
        assert client.get(f"/cases/{reference}/").status_code == 404
        assert client.post(f"/cases/{reference}/note/", {"text": "x"}).status_code == 404
        assert client.get(f"/cases/{reference}/screen/").status_code == 404
        assert client.get(f"/api/cases/{reference}").status_code == 404
    assert not case.notes.exists()


def test_it_records_a_detection_through_the_form(world):
    client = verified_client(world.responder)
    assert client.get("/cases/new/").status_code == 200
    response = client.post(
        "/cases/new/",
        {
            "given_name": "Iva", "family_name": "Demo", "date_of_birth": "2001-02-03", "gender": "Feminine",
            "citizenship": "MD", "languages": ["ro", "ru"], "detected_on": str(days_ago(1)),
            "detection_country": "SE", "detection_place": "Port", "document_type": "passport",
            "document_number": "XK123", "document_held_by": "third_party", "contact": "+46 70 000 00 00",
        },
    )  # fmt: skip
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.reference}/"
    assert case.person.languages == ["ro", "ru"]
    assert case.person.documents == [{"type": "passport", "number": "XK123", "held_by": "third_party"}]
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "XK123" in page and "withheld by someone else" in page and "+46 70 000 00 00" in page


def test_a_birth_after_the_detection_is_a_form_error_and_nothing_is_saved(world):
    response = verified_client(world.responder).post(
        "/cases/new/",
        {"date_of_birth": str(days_ago(1)), "detected_on": str(days_ago(2)), "detection_country": "SE",
         "gender": "Feminine"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "cannot be after the detection" in response.content.decode()
    assert Person.objects.count() == 0


def test_an_unknown_country_is_a_form_error(world):
    response = verified_client(world.responder).post(
        "/cases/new/", {"detected_on": str(days_ago(2)), "detection_country": "QQ", "gender": "Feminine"}
    )
    assert response.status_code == 400
    assert Case.objects.count() == 0


@pytest.mark.parametrize("who", ["ca", "guardian", "provider", "dpo"])
def test_roles_that_do_not_detect_cannot_open_the_form(world, who):
    assert verified_client(getattr(world, who)).get("/cases/new/").status_code == 403


def test_a_first_responder_refers_and_lands_on_the_list(world):
    from tests.cases.builders import screened
    from trm.cases import consent

    case = screened(detect(world.responder), world.responder)
    consent.give(case, purpose="identification", language="ro", by=world.responder, recipients=[world.authority])
    client = verified_client(world.responder)
    response = client.post(f"/cases/{case.reference}/refer/", {"to": world.authority.pk})
    assert response.status_code == 302
    assert response["Location"] == "/cases/"
    case.refresh_from_db()
    assert case.state == "rg_pending"
    assert client.get(f"/cases/{case.reference}/").status_code == 404


def test_a_referral_without_consent_is_a_409_with_the_reason_on_the_form(world):
    from tests.cases.builders import screened

    case = screened(detect(world.responder), world.responder)
    response = verified_client(world.responder).post(f"/cases/{case.reference}/refer/", {"to": world.authority.pk})
    assert response.status_code == 409
    assert "not consented" in response.content.decode()


def test_the_competent_authority_records_reasonable_grounds_and_the_dashboard_shows_the_deadline(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    client = verified_client(world.ca)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Record a decision" in page
    response = client.post(
        f"/cases/{case.reference}/decide/",
        {"event": "rg_positive", "decided_on": str(timezone.localdate()), "reasons": "Strong indicators"},
    )
    assert response.status_code == 302
    dashboard = client.get("/").content.decode()
    assert "Deadlines and tasks" in dashboard
    assert "Recovery and reflection period ends" in dashboard
    assert case.reference in dashboard


def test_a_decision_by_a_role_without_the_right_is_refused(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    response = verified_client(world.focal).post(
        f"/cases/{case.reference}/decide/", {"event": "rg_positive", "decided_on": str(timezone.localdate())}
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == "rg_pending"


def test_a_step_the_state_does_not_allow_is_a_409(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    response = verified_client(world.ca).post(
        f"/cases/{case.reference}/decide/", {"event": "cg_positive", "decided_on": str(timezone.localdate())}
    )
    assert response.status_code == 409
    assert "not possible now" in response.content.decode()
    case.refresh_from_db()
    assert case.state == "rg_pending"


def test_a_decision_in_the_future_is_a_form_error(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = verified_client(world.ca).post(
        f"/cases/{case.reference}/decide/", {"event": "rg_positive", "decided_on": str(tomorrow)}
    )
    assert response.status_code == 400
    assert "future" in response.content.decode()


def test_an_unknown_action_is_a_404(world):
    case = detect(world.responder)
    assert verified_client(world.focal).post(f"/cases/{case.reference}/promote/").status_code == 404


def test_a_guardian_may_read_and_note_but_not_close(world):
    from trm.cases import children

    case = detect(world.responder, date_of_birth=days_ago(365 * 12))
    children.appoint_guardian(case, guardian=world.guardian, by=world.focal, appointed_on=timezone.localdate())
    client = verified_client(world.guardian)
    assert client.get(f"/cases/{case.reference}/").status_code == 200
    assert client.post(f"/cases/{case.reference}/note/", {"text": "Visited"}).status_code == 302
    assert client.post(f"/cases/{case.reference}/close/", {"reason": "recovered"}).status_code == 403


def test_a_child_case_shows_the_guardian_deadline(world):
    case = detect(world.responder, date_of_birth=days_ago(365 * 12))
    client = verified_client(world.responder)
    assert "Appoint the child" in client.get(f"/cases/{case.reference}/").content.decode()
    assert "Appoint the child" in client.get("/").content.decode()


def test_the_nav_shows_cases_to_case_roles_only(world):
    assert 'href="/cases/"' in verified_client(world.responder).get("/").content.decode()
    assert 'href="/cases/"' not in verified_client(world.dpo).get("/").content.decode()


def test_every_action_form_works_for_the_focal_point(world):
    case = detect(world.focal, date_of_birth=days_ago(365 * 12))
    client = verified_client(world.focal)
    today = str(timezone.localdate())
    posts = {
        "event": {"type": "Exploitation", "country": "SE", "exploitation_type": "ForcedBegging",
                  "methods_of_control": ["DebtBondage"]},
        "consent": {"purpose": "assistance", "language": "ro", "given_by": "guardian", "scope": ["health"]},
        "risk": {"kind": "individual", "level": "medium", "assessed_on": today, "risks": ["re_trafficking"]},
        "support": {"type": "Health", "status": "planned", "starts_on": today},
        "permit": {"kind": "reflection", "issued_on": today},
        "note": {"text": "Synthetic note"},
        "guardian": {"guardian": world.guardian.pk, "kind": "guardian", "appointed_on": today},
        "best_interests": {"kind": "assessment", "decided_on": today},
        "tracing": {"status": "requested", "country": "MD", "started_on": today},
        "age": {"trigger": "Doubt", "methods": ["documents"], "decision": "minor", "assessed_on": today},
    }  # fmt: skip
    for action, data in posts.items():
        response = client.post(f"/cases/{case.reference}/{action}/", data)
        assert response.status_code == 302, (action, response.content.decode()[:3000])
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Timeline" in page and "Guardian appointed" in page
    item = case.consents.get()
    assert item.scope == ["health"]
    assert client.post(f"/cases/{case.reference}/withdraw/", {"consent": item.pk}).status_code == 302
    # A child is not closed as returned without the return safeguards: the case's state, a 409.
    assert client.post(f"/cases/{case.reference}/close/", {"reason": "returned"}).status_code == 409
    assert client.post(f"/cases/{case.reference}/close/", {"reason": "recovered"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "Closed"
    assert identification.allowed_events_for(world.focal, case) == []


def test_the_panel_shows_overdue_deadlines(world):
    from trm.cases import tasks

    case = detect(world.responder, date_of_birth=days_ago(365 * 12), detected_on=days_ago(60))
    tasks.rules()
    page = verified_client(world.responder).get("/").content.decode()
    assert "Overdue by" in page and case.reference in page


def test_a_screening_without_indicators_can_be_closed_and_still_referred_later(world):
    from tests.cases.builders import screened

    case = screened(detect(world.responder), world.responder)
    client = verified_client(world.responder)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "How the rule was applied" in page
    assert client.post(f"/cases/{case.reference}/no_indicators/").status_code == 302
    case.refresh_from_db()
    assert case.state == "not_indicated"
    assert "Refer to the competent authority" in client.get(f"/cases/{case.reference}/").content.decode()


def test_the_case_moves_to_follow_up_from_its_page(world):
    case = detect(world.focal)
    client = verified_client(world.focal)
    assert "Move to follow-up" in client.get(f"/cases/{case.reference}/").content.decode()
    assert client.post(f"/cases/{case.reference}/follow_up/").status_code == 302
    case.refresh_from_db()
    assert case.status == "FollowUp"
    assert client.post(f"/cases/{case.reference}/follow_up/").status_code == 409


def test_the_list_needs_the_same_number_of_queries_for_3_or_30_cases(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = verified_client(world.focal)
    for _ in range(3):
        detect(world.responder)
    client.get("/cases/")
    with CaptureQueriesContext(connection) as few:
        client.get("/cases/")
    for _ in range(27):
        detect(world.responder)
    with CaptureQueriesContext(connection) as many:
        client.get("/cases/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_competent_authority_assigns_a_case_owner_of_its_own(world):
    from tests.factories import make_user
    from trm.accounts.roles import Role

    case = referred(detect(world.responder), world.responder, world.authority)
    colleague = make_user(Role.COMPETENT_AUTHORITY, org=world.authority)
    client = verified_client(world.ca)
    assert client.post(f"/cases/{case.reference}/owner/", {"owner": colleague.pk}).status_code == 302
    case.refresh_from_db()
    assert case.owner == colleague
    assert client.post(f"/cases/{case.reference}/owner/", {"owner": world.other_ca.pk}).status_code == 400
    with pytest.raises(Exception, match="owning or competent"):
        casework.assign_owner(case, owner=world.other_ca, by=world.focal)


def test_the_person_s_details_can_be_corrected_and_stay_encrypted(world):
    from django.db import connection

    case = detect(world.focal)
    client = verified_client(world.focal)
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Correct the person" in page and 'value="Testova"' not in page  # the form opens on demand
    assert 'value="Testova"' in client.get(f"/cases/{case.reference}/person/").content.decode()
    response = client.post(
        f"/cases/{case.reference}/person/",
        {
            "given_name": "Ana Maria",
            "family_name": "Corrected",
            "aliases": "Ani\nMara",
            "date_of_birth": "1995-04-02",
            "gender": "Feminine",
            "citizenship": "RO",
            "languages": ["ro", "en"],
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.person.family_name, case.person.aliases, case.nationality) == ("Corrected", ["Ani", "Mara"], "RO")
    with connection.cursor() as cur:
        cur.execute("SELECT family_name FROM cases_person WHERE id = %s", [case.person_id])
        assert "Corrected" not in cur.fetchone()[0]
    bad = client.post(f"/cases/{case.reference}/person/", {"gender": "Feminine", "date_of_birth": "2999-01-01"})
    assert bad.status_code == 400
    case.refresh_from_db()
    assert case.person.family_name == "Corrected"
    outsider = verified_client(make_user(Role.FIRST_RESPONDER))
    assert outsider.post(f"/cases/{case.reference}/person/", {"gender": "Feminine"}).status_code == 404

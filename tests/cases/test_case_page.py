"""The case page that guides: summary, stepper, sections, forms opened on demand, only the actions that apply."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from tests.cases.builders import detect, referred, screened
from tests.factories import verified_client
from trm.cases import casework
from trm.cases.models import CaseNote


def _page(client, case) -> str:
    response = client.get(f"/cases/{case.reference}/")
    assert response.status_code == 200
    return response.content.decode()


def _stages(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<li class="stage stage-(\w+)"[^>]*><span class="stage-label">([^<]+)</span>', page)


def test_the_summary_says_who_where_and_what_next(world):
    case = detect(world.responder, given_name="Radka", family_name="Summary")
    page = _page(verified_client(world.responder), case)
    summary = page[page.index('id="summary"') : page.index("case-nav")]
    assert case.reference in summary and "Radka Summary" in summary
    assert "Screen the person with an indicator set." in summary and "Outreach NGO" in summary
    assert 'id="case-state">Detected<' in summary


def test_the_stepper_places_the_case_on_the_identification_path(world):
    case = detect(world.responder)
    client = verified_client(world.focal)
    assert _stages(_page(client, case))[:2] == [("done", "Detected"), ("current", "Screened")]
    case = referred(case, world.responder, world.authority)
    stages = _stages(_page(client, case))
    assert [s for s, _label in stages] == ["done", "done", "current", "todo", "todo", "todo"]
    assert "awaiting the decision" in _page(client, case)
    casework.close(case, by=world.focal, reason="recovered")
    assert {s for s, _label in _stages(_page(client, case))} == {"done"}


def test_the_page_renders_no_form_and_no_long_pick_list(world):
    case = detect(world.focal)
    page = _page(verified_client(world.focal), case)
    # The language switcher and the few short choices shown in place (a child's travelling status,
    # a migration status); never a list of countries, languages or organisations.
    assert page.count("<option") < 30
    assert 'name="text"' not in page and 'name="country"' not in page
    for action in ("person", "event", "consent", "note", "risk", "support", "permit", "close"):
        assert f'hx-get="/cases/{case.reference}/{action}/"' in page
        assert f'href="/cases/{case.reference}/{action}/"' in page  # the same form without JavaScript


def test_every_registered_section_has_its_place_in_the_navigation(world):
    case = detect(world.focal)
    page = _page(verified_client(world.focal), case)
    nav = page[page.index("case-nav") : page.index("</nav>", page.index("case-nav"))]
    for anchor in ("identification", "person", "route", "consent", "support", "notes", "timeline", "close"):
        assert f'href="#{anchor}"' in nav and f'id="{anchor}"' in page
    # The referrals app registers its section through cases.sections: it is in the navigation too.
    assert "Referrals to service providers" in nav
    assert 'href="#section-1"' in nav and 'id="section-1"' in page


def test_a_form_opens_as_its_own_page_and_as_a_fragment_for_htmx(world):
    case = detect(world.focal)
    client = verified_client(world.focal)
    full = client.get(f"/cases/{case.reference}/event/")
    assert full.status_code == 200 and "<html" in full.content.decode()
    assert 'id="event_country"' in full.content.decode()
    part = client.get(f"/cases/{case.reference}/event/", headers={"HX-Request": "true"})
    assert part.status_code == 200
    html = part.content.decode()
    assert "<html" not in html and f'action="/cases/{case.reference}/event/"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_only_the_actions_that_apply_to_the_case_and_role_are_offered(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    ca_page = _page(verified_client(world.ca), case)
    assert "Record a decision" in ca_page and "Refer to the competent authority" not in ca_page
    focal_page = _page(verified_client(world.focal), case)
    assert "Record a decision" not in focal_page  # the focal point does not decide
    fresh = screened(detect(world.responder), world.responder)
    responder_page = _page(verified_client(world.responder), fresh)
    assert "Refer to the competent authority" in responder_page and "Record a decision" not in responder_page


def test_opening_a_form_is_refused_as_its_submission_would_be(world):
    case = detect(world.responder)
    assert verified_client(world.other_responder).get(f"/cases/{case.reference}/note/").status_code == 404
    assert verified_client(world.dpo).get(f"/cases/{case.reference}/note/").status_code == 404
    # The focal point sees the case but may not decide: 403; the case's state allows no decision yet.
    assert verified_client(world.focal).get(f"/cases/{case.reference}/decide/").status_code == 403
    referred_case = referred(detect(world.responder), world.responder, world.authority)
    assert verified_client(world.ca).get(f"/cases/{referred_case.reference}/decide/").status_code == 200
    casework.close(referred_case, by=world.focal, reason="recovered")
    assert verified_client(world.ca).get(f"/cases/{referred_case.reference}/note/").status_code == 409


def test_a_button_action_has_no_form_page(world):
    case = detect(world.focal)
    assert verified_client(world.focal).get(f"/cases/{case.reference}/follow_up/").status_code == 405


def test_bad_input_shows_the_form_again_with_its_errors_and_stores_nothing(world):
    case = detect(world.focal)
    client = verified_client(world.focal)
    response = client.post(f"/cases/{case.reference}/note/", {"text": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error"' in html and f'action="/cases/{case.reference}/note/"' in html
    assert not CaseNote.objects.exists()
    response = client.post(f"/cases/{case.reference}/event/", {"type": "Exploitation", "country": "QQ"})
    assert response.status_code == 400 and not case.events.exists()


def test_a_recorded_step_returns_to_its_section(world):
    case = detect(world.focal)
    response = verified_client(world.focal).post(f"/cases/{case.reference}/note/", {"text": "Called back"})
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.reference}/#notes"


@pytest.mark.parametrize("field", ["country"])
def test_country_choices_start_with_the_node_country(world, field, settings):
    case = detect(world.focal)
    html = verified_client(world.focal).get(f"/cases/{case.reference}/event/").content.decode()
    select = html[html.index('name="country"') :]
    first = re.findall(r'<option value="(\w*)"', select)[:2]
    assert first[0] == "" and first[1] == settings.TRM_COUNTRY  # no silent default, the node's country first
    assert 'value="AF" selected' not in select


def test_a_provider_opening_cases_is_told_where_its_work_is(world):
    page = verified_client(world.provider).get("/cases/").content.decode()
    assert "As a service provider" in page and 'href="/referrals/plans/"' in page
    assert "As a service provider" not in verified_client(world.responder).get("/cases/").content.decode()


def test_the_decision_form_opens_with_today_as_its_date(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    html = verified_client(world.ca).get(f"/cases/{case.reference}/decide/").content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in html


def test_the_timeline_opens_on_demand_and_is_refused_as_the_case_is(world):
    case = detect(world.responder)
    casework.add_note(case, by=world.responder, text="First contact")
    client = verified_client(world.responder)
    assert "First contact" not in _page(client, case).split('id="timeline"')[1]
    full = client.get(f"/cases/{case.reference}/timeline/")
    assert full.status_code == 200 and "Detection recorded" in full.content.decode()
    part = client.get(f"/cases/{case.reference}/timeline/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in part and "Detection recorded" in part
    assert verified_client(world.other_responder).get(f"/cases/{case.reference}/timeline/").status_code == 404
    assert verified_client(world.dpo).get(f"/cases/{case.reference}/timeline/").status_code == 404
    assert client.post(f"/cases/{case.reference}/timeline/").status_code == 405

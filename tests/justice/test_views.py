"""The proceedings pages and API: each step through its form or endpoint, and bad input refused with nothing stored."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.factories import verified_client
from tests.justice.conftest import days_ago
from trm.audit.models import AuditEvent
from trm.cases import casework
from trm.justice import perpetrators, proceedings
from trm.justice.models import Hearing, Perpetrator, Proceeding


@pytest.fixture
def p(j):
    return j.proceeding()


def _post(user, route, *args, **data):
    return verified_client(user).post(reverse(route, args=args), data)


def test_the_focal_point_records_proceedings_for_an_office_and_sees_only_their_summary(j):
    case = j.case()
    response = _post(j.focal, "justice:proceeding_new", case.reference, person_role="witness", organisation=j.office.pk)
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.reference])
    assert Proceeding.objects.get().organisation == j.office


def test_the_police_open_proceedings_on_their_case_and_land_on_them(j):
    own = casework.record_detection(by=j.police, detected_on=days_ago(2), detection_country="SE")
    response = _post(j.police, "justice:proceeding_new", own.reference, person_role="injured_party")
    p = Proceeding.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("justice:proceeding", args=[p.reference])
    listing = verified_client(j.police).get(reverse("justice:proceedings"))
    assert listing.status_code == 200 and p.reference in listing.content.decode()
    assert verified_client(j.focal).get(reverse("justice:proceedings")).status_code == 403


def test_opening_with_bad_input_stores_nothing(j):
    case = j.case()
    for data in ({"person_role": "accomplice", "organisation": j.office.pk}, {"person_role": "witness"}):
        response = _post(j.focal, "justice:proceeding_new", case.reference, **data)
        assert response.status_code == 400
    response = _post(j.focal, "justice:proceeding_new", case.reference, person_role="witness", organisation=j.ngo.pk)
    assert response.status_code == 400
    assert not Proceeding.objects.exists()
    assert _post(j.other_ca, "justice:proceeding_new", case.reference, person_role="witness").status_code == 404


def test_the_police_record_content_steps_hearings_and_perpetrators(j, p):
    ok = _post(
        j.police,
        "justice:proceeding_action",
        p.reference,
        "content",
        person_role="civil_party",
        court="District Court",
        measures=["video", "in_camera"],
        legal_aid="requested",
        testimony_expected="on",
    )
    assert ok.status_code == 302
    p.refresh_from_db()
    assert (p.person_role, p.court, p.measures, p.legal_aid, p.testimony_expected) == (
        "civil_party", "District Court", ["video", "in_camera"], "requested", True
    )  # fmt: skip
    assert (
        _post(j.police, "justice:proceeding_action", p.reference, "step", event="charge", on=days_ago(3)).status_code
        == 302
    )
    assert (
        _post(
            j.police, "justice:proceeding_action", p.reference, "hearing", held_on=days_ago(-5), kind="hearing"
        ).status_code
        == 302
    )
    perpetrator = _post(
        j.police,
        "justice:proceeding_action",
        p.reference,
        "perpetrator",
        role="Exploiter",
        name="X. Synthetic",
        status="charged",
    )
    assert perpetrator.status_code == 302
    p.refresh_from_db()
    assert p.stage == "prosecution" and p.hearings.count() == 1 and p.perpetrators.count() == 1
    page = verified_client(j.police).get(reverse("justice:proceeding", args=[p.reference]))
    assert "X. Synthetic" in page.content.decode() and "Testimony by video link" in page.content.decode()


def test_a_judgment_before_the_charge_is_refused_on_the_page(j, p):
    proceedings.advance(p, by=j.police, event="charge", on=days_ago(3))
    proceedings.advance(p, by=j.police, event="open_trial", on=days_ago(2))
    response = _post(
        j.police, "justice:proceeding_action", p.reference, "step", event="judge", on=days_ago(10), outcome="convicted"
    )
    assert response.status_code == 400
    assert "before the charge" in response.content.decode()
    p.refresh_from_db()
    assert (p.stage, p.judgment_on) == ("trial", None)
    # One 'refused' entry naming the field and the refusal's code, nothing of what was entered.
    (refused,) = AuditEvent.objects.filter(action="refused", actor_id=j.police.pk)
    assert refused.object_ref == p.reference and refused.fields == ["judgment_on"]
    assert "400" in refused.note and "proceeding step: date_order" in refused.note
    assert days_ago(10).isoformat() not in refused.note and "convicted" not in refused.note


def test_a_judgment_before_the_charge_is_refused_in_the_api_and_audited_once(j, p):
    proceedings.advance(p, by=j.police, event="charge", on=days_ago(3))
    proceedings.advance(p, by=j.police, event="open_trial", on=days_ago(2))
    url = f"/api/justice/proceedings/{p.reference}/steps"
    response = _api(j.police, "post", url, {"event": "judge", "on": days_ago(10).isoformat(), "outcome": "convicted"})
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("judgment_on", "date_order")]
    p.refresh_from_db()
    assert (p.stage, p.judgment_on) == ("trial", None)
    (refused,) = AuditEvent.objects.filter(action="refused", actor_id=j.police.pk)
    assert refused.object_ref == p.reference and refused.fields == ["judgment_on"]
    assert "proceeding step: date_order" in refused.note and days_ago(10).isoformat() not in refused.note


def test_bad_input_on_a_proceeding_page_is_audited_once_each(j, p):
    response = _post(j.police, "justice:proceeding_action", p.reference, "notify", channel="pigeon")
    assert response.status_code == 400
    response = _post(
        j.police, "justice:proceeding_action", p.reference, "hearing", held_on=days_ago(40), kind="hearing"
    )
    assert response.status_code == 400
    notify, hearing = AuditEvent.objects.filter(action="refused", actor_id=j.police.pk).order_by("id")
    assert notify.fields == ["channel"] and "proceeding notify: invalid_choice" in notify.note
    assert hearing.fields == ["held_on"] and "proceeding hearing: date_order" in hearing.note
    case = j.case()
    response = _post(j.focal, "justice:proceeding_new", case.reference, person_role="witness", organisation=j.ngo.pk)
    assert response.status_code == 400
    (opening,) = AuditEvent.objects.filter(action="refused", actor_id=j.focal.pk)
    assert opening.object_ref == case.reference and opening.fields == ["organisation"]


def test_bad_input_on_the_page_stores_nothing(j, p):
    cases = [
        ("step", {"event": "judge"}),  # not a step from the investigation: refused by the form
        ("hearing", {"held_on": "not a date"}),
        ("perpetrator", {"role": "Mastermind", "name": "X"}),
        ("content", {"person_role": "witness", "measures": ["public_shaming"]}),
        ("notify", {"channel": "pigeon"}),
    ]
    for action, data in cases:
        assert _post(j.police, "justice:proceeding_action", p.reference, action, **data).status_code == 400, action
    assert _post(j.police, "justice:proceeding_action", p.reference, "delete").status_code == 404
    p.refresh_from_db()
    assert p.stage == "investigation" and not Hearing.objects.exists() and not Perpetrator.objects.exists()


def _api(user, method, url, body=None):
    client = verified_client(user)
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


def test_the_api_takes_the_same_steps(j, p):
    url = f"/api/justice/proceedings/{p.reference}"
    changed = _api(j.police, "patch", url, {"evidence": "Synthetic statement", "measures": ["video"]})
    assert changed.status_code == 200 and changed.json()["measures"] == ["video"]
    assert (
        _api(j.police, "post", f"{url}/steps", {"event": "charge", "on": days_ago(3).isoformat()}).json()["stage"]
        == "prosecution"
    )
    assert _api(j.police, "post", f"{url}/hearings", {"held_on": days_ago(-3).isoformat()}).status_code == 201
    assert _api(j.police, "post", f"{url}/perpetrators", {"role": "Transporter", "name": "Y"}).status_code == 201
    told = _api(j.police, "post", f"{url}/notices", {"channel": "in_person"})
    assert told.status_code == 201 and told.json()["outcome"] == "charged"
    opened = _api(
        j.focal,
        "post",
        f"/api/justice/cases/{j.case().reference}/proceedings",
        {"person_role": "witness", "organisation": j.office.pk},
    )
    assert opened.status_code == 201 and opened.json()["reference"] is None


def test_the_api_refuses_bad_input_and_stores_nothing(j, p):
    url = f"/api/justice/proceedings/{p.reference}"
    assert _api(j.police, "patch", url, {"measures": ["public_shaming"]}).status_code == 400
    assert _api(j.police, "post", f"{url}/steps", {"event": "explode"}).status_code == 400
    assert _api(j.police, "post", f"{url}/steps", {"event": "judge", "outcome": "convicted"}).status_code == 409
    assert _api(j.police, "post", f"{url}/hearings", {"held_on": "2026-02-30"}).status_code == 400
    assert _api(j.police, "post", f"{url}/perpetrators", {"role": "Exploiter", "name": ""}).status_code == 400
    assert _api(j.police, "post", f"{url}/notices", {"channel": "pigeon"}).status_code == 400
    case = j.case()
    assert (
        _api(
            j.focal, "post", f"/api/justice/cases/{case.reference}/proceedings", {"person_role": "witness"}
        ).status_code
        == 400
    )
    assert (
        _api(
            j.focal,
            "post",
            f"/api/justice/cases/{case.reference}/proceedings",
            {"person_role": "witness", "organisation": j.ngo.pk},
        ).status_code
        == 400
    )
    p.refresh_from_db()
    assert p.stage == "investigation" and p.measures == [] and not Hearing.objects.exists()
    assert Proceeding.objects.count() == 1
    # Another office's criminal track: the proceeding does not exist for it.
    assert _api(j.other_police, "patch", url, {"evidence": "X"}).status_code == 404


def test_the_police_change_a_perpetrators_status_and_cancel_a_hearing_on_the_page(j, p):
    x = perpetrators.add(p, by=j.police, role="Exploiter", name="X. Synthetic")
    h = proceedings.add_hearing(p, by=j.police, held_on=days_ago(-5))
    page = verified_client(j.police).get(reverse("justice:proceeding", args=[p.reference])).content.decode()
    assert "Change a perpetrator" in page and "Cancel a hearing" in page
    changed = _post(
        j.police, "justice:proceeding_action", p.reference, "perpetrator_status", perpetrator=x.pk, status="charged"
    )
    assert changed.status_code == 302
    cancelled = _post(j.police, "justice:proceeding_action", p.reference, "cancel_hearing", hearing=h.pk)
    assert cancelled.status_code == 302
    x.refresh_from_db()
    h.refresh_from_db()
    assert x.status == "charged" and h.cancelled and p.next_hearing(days_ago(0)) is None
    again = _post(j.police, "justice:proceeding_action", p.reference, "cancel_hearing", hearing=h.pk)
    assert again.status_code == 409 and "already cancelled" in again.content.decode()
    bad = _post(
        j.police, "justice:proceeding_action", p.reference, "perpetrator_status", perpetrator=x.pk, status="freed"
    )
    assert bad.status_code == 400
    # A perpetrator of another proceeding is not found through this one.
    other = perpetrators.add(j.proceeding(), by=j.police, role="Exploiter", name="Y. Synthetic")
    elsewhere = _post(
        j.police, "justice:proceeding_action", p.reference, "perpetrator_status", perpetrator=other.pk, status="charged"
    )
    assert elsewhere.status_code == 404
    other.refresh_from_db()
    assert other.status == "suspected"


def test_the_api_changes_a_perpetrators_status_and_cancels_a_hearing(j, p):
    url = f"/api/justice/proceedings/{p.reference}"
    x = _api(j.police, "post", f"{url}/perpetrators", {"role": "Transporter", "name": "Y"}).json()
    h = _api(j.police, "post", f"{url}/hearings", {"held_on": days_ago(-3).isoformat()}).json()
    changed = _api(j.police, "post", f"{url}/perpetrators/{x['id']}/status", {"status": "convicted"})
    assert changed.status_code == 200 and changed.json()["status"] == "convicted"
    cancelled = _api(j.police, "post", f"{url}/hearings/{h['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["cancelled"] is True
    assert _api(j.police, "post", f"{url}/hearings/{h['id']}/cancel").status_code == 409
    assert _api(j.police, "post", f"{url}/perpetrators/{x['id']}/status", {"status": "freed"}).status_code == 400
    assert _api(j.police, "post", f"{url}/perpetrators/999999/status", {"status": "charged"}).status_code == 404
    read = verified_client(j.police).get(url).json()
    assert read["perpetrators"][0]["status"] == "convicted" and read["hearings"][0]["cancelled"] is True


def test_a_caseworker_gets_404_for_a_perpetrators_status_and_a_hearings_cancellation(j, p):
    x = perpetrators.add(p, by=j.police, role="Exploiter", name="X. Synthetic")
    h = proceedings.add_hearing(p, by=j.police, held_on=days_ago(-5))
    url = f"/api/justice/proceedings/{p.reference}"
    for user in (j.focal, j.other_police):
        page = _post(
            user, "justice:proceeding_action", p.reference, "perpetrator_status", perpetrator=x.pk, status="charged"
        )
        assert page.status_code == 404
        assert _post(user, "justice:proceeding_action", p.reference, "cancel_hearing", hearing=h.pk).status_code == 404
        assert _api(user, "post", f"{url}/perpetrators/{x.pk}/status", {"status": "charged"}).status_code == 404
        assert _api(user, "post", f"{url}/hearings/{h.pk}/cancel").status_code == 404
    x.refresh_from_db()
    h.refresh_from_db()
    assert x.status == "suspected" and not h.cancelled

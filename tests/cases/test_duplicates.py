"""The duplicate warning at detection: link what the user may see, never reveal what they may not."""

from __future__ import annotations

import datetime as dt

from tests.cases.builders import days_ago, detect, referred
from tests.factories import verified_client
from trm.audit.models import AuditEvent
from trm.cases import duplicates
from trm.cases.models import Case

FORM = {
    "given_name": "Mira",
    "family_name": "Dvojna",
    "date_of_birth": "1998-05-06",
    "gender": "Feminine",
    "detection_country": "SE",
}


def _post(client, **overrides):
    data = {**FORM, "detected_on": str(days_ago(1)), **overrides}
    return client.post("/cases/new/", data)


def test_the_same_name_and_birth_date_on_a_visible_case_is_linked_before_saving(world):
    existing = detect(world.responder, given_name="Mira", family_name="Dvojna", date_of_birth=dt.date(1998, 5, 6))
    client = verified_client(world.responder)
    response = _post(client, given_name="  mira ", family_name="DVOJNA")  # case and spacing do not matter
    assert response.status_code == 200
    html = response.content.decode()
    assert "may already have a case" in html and f'href="/cases/{existing.reference}/"' in html
    assert "duplicate-elsewhere" not in html
    assert Case.objects.count() == 1


def test_the_user_may_record_the_case_anyway_deliberately(world):
    detect(world.responder, given_name="Mira", family_name="Dvojna", date_of_birth=dt.date(1998, 5, 6))
    response = _post(verified_client(world.responder), confirm_new="yes")
    assert response.status_code == 302
    assert Case.objects.count() == 2


def test_another_date_of_birth_is_not_a_duplicate(world):
    detect(world.responder, given_name="Mira", family_name="Dvojna", date_of_birth=dt.date(1998, 5, 7))
    assert _post(verified_client(world.responder)).status_code == 302
    assert Case.objects.count() == 2


def test_the_same_document_number_is_a_duplicate_whatever_the_name(world):
    existing = detect(world.responder, documents=[{"type": "passport", "number": "AB 123-456", "held_by": ""}])
    client = verified_client(world.responder)
    response = _post(client, given_name="Other", document_type="passport", document_number="ab123456")
    assert response.status_code == 200 and existing.reference in response.content.decode()
    assert Case.objects.count() == 1


def test_a_case_the_user_may_not_see_is_never_revealed(world):
    # The other first responder's case: same person, not visible to this responder.
    hidden = detect(world.other_responder, given_name="Mira", family_name="Dvojna", date_of_birth=dt.date(1998, 5, 6))
    hidden = referred(hidden, world.other_responder, world.authority)
    response = _post(verified_client(world.responder))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Contact the national focal point" in html
    for secret in (hidden.reference, hidden.person.reference, hidden.get_state_display(), "Identification Commission"):
        assert secret not in html
    assert "/cases/" + hidden.reference not in html
    assert Case.objects.count() == 1
    # Nothing about the hidden case in the audit entry either: field names and what was shown.
    entry = AuditEvent.objects.filter(object_ref="duplicate-check").get()
    assert entry.note == "0 shown" and hidden.reference not in str(entry.chained_fields())


def test_the_focal_point_sees_the_same_case_linked(world):
    hidden = detect(world.other_responder, given_name="Mira", family_name="Dvojna", date_of_birth=dt.date(1998, 5, 6))
    html = _post(verified_client(world.focal)).content.decode()
    assert hidden.reference in html and "duplicate-elsewhere" not in html


def test_the_answer_is_the_same_for_one_hidden_case_and_for_several(world):
    detect(world.other_responder, given_name="Mira", family_name="Dvojna", date_of_birth=dt.date(1998, 5, 6))
    one = _post(verified_client(world.responder)).content.decode()
    for _ in range(2):
        detect(world.other_responder, given_name="Mira", family_name="Dvojna", date_of_birth=dt.date(1998, 5, 6))
    several = _post(verified_client(world.responder)).content.decode()

    def warning(html: str) -> str:
        return html[html.index("duplicate-warning") : html.index("</div>", html.index("duplicate-elsewhere"))]

    assert warning(one) == warning(several)


def test_find_without_a_name_and_without_a_document_finds_nothing(world):
    detect(world.responder, given_name="", family_name="", date_of_birth=dt.date(1998, 5, 6))
    assert not duplicates.find(world.focal, date_of_birth=dt.date(1998, 5, 6))


def test_bad_input_is_still_a_form_error_and_checks_nothing(world):
    response = _post(verified_client(world.responder), detection_country="QQ")
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(object_ref="duplicate-check").exists()


def test_roles_that_do_not_detect_are_refused_before_any_check(world):
    detect(world.responder, given_name="Mira", family_name="Dvojna", date_of_birth=dt.date(1998, 5, 6))
    for user in (world.provider, world.ca, world.dpo):
        assert _post(verified_client(user)).status_code == 403
    assert not AuditEvent.objects.filter(object_ref="duplicate-check").exists()

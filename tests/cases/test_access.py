from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from tests.cases.builders import days_ago, detect, referred
from trm.cases import children
from trm.cases.access import get_case_for, visible_cases

NO_CASE_CONTENT = ["dpo", "rapporteur", "admin", "secretariat"]


def sees(user, case) -> bool:
    return visible_cases(user).filter(pk=case.pk).exists()


def test_a_first_responder_sees_what_they_created_until_referred(world):
    case = detect(world.responder)
    assert get_case_for(world.responder, case.reference) == case
    referred(case, world.responder, world.authority)
    with pytest.raises(Http404):
        get_case_for(world.responder, case.reference)


def test_another_first_responder_gets_404(world):
    case = detect(world.responder)
    with pytest.raises(Http404):
        get_case_for(world.other_responder, case.reference)


def test_the_competent_authority_sees_cases_routed_to_it_only(world):
    case = detect(world.responder)
    assert not sees(world.ca, case)
    referred(case, world.responder, world.authority)
    assert get_case_for(world.ca, case.reference, write=True) == case
    with pytest.raises(Http404):
        get_case_for(world.other_ca, case.reference)


def test_the_focal_point_sees_every_case(world):
    a = detect(world.responder)
    b = detect(world.other_responder)
    assert set(visible_cases(world.focal)) == {a, b}
    assert get_case_for(world.focal, a.reference, write=True) == a


@pytest.mark.parametrize("who", [*NO_CASE_CONTENT, "provider", "police", "guardian", "other_responder"])
def test_roles_without_a_claim_get_404(world, who):
    case = referred(detect(world.responder), world.responder, world.authority)
    user = getattr(world, who)
    assert not sees(user, case)
    with pytest.raises(Http404):
        get_case_for(user, case.reference)


@pytest.mark.parametrize("who", NO_CASE_CONTENT)
def test_roles_without_case_content_see_no_case_at_all(world, who):
    detect(world.responder)
    detect(world.focal)
    assert visible_cases(getattr(world, who)).count() == 0


def test_a_guardian_sees_only_the_child_they_represent_and_may_not_manage_it(world):
    child = detect(world.responder, date_of_birth=days_ago(365 * 12))
    other_child = detect(world.responder, date_of_birth=days_ago(365 * 13))
    appointment = children.appoint_guardian(
        child, guardian=world.guardian, by=world.focal, appointed_on=timezone.localdate()
    )
    assert list(visible_cases(world.guardian)) == [child]
    assert get_case_for(world.guardian, child.reference) == child
    with pytest.raises(PermissionDenied):
        get_case_for(world.guardian, child.reference, write=True)
    with pytest.raises(Http404):
        get_case_for(world.guardian, other_child.reference)
    children.end_guardianship(appointment, by=world.focal, ended_on=timezone.localdate())
    with pytest.raises(Http404):
        get_case_for(world.guardian, child.reference)


def test_an_anonymous_user_sees_nothing(db):
    from django.contrib.auth.models import AnonymousUser

    assert visible_cases(AnonymousUser()).count() == 0


def test_a_guessed_reference_is_a_404(world):
    with pytest.raises(Http404):
        get_case_for(world.focal, "SE-AAAA-BBBB")


def test_no_view_or_api_fetches_cases_around_the_access_module():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "src" / "trm"
    offenders = [
        str(p) for p in root.rglob("*.py") if "Case.objects.get(" in p.read_text() and p.name in ("views.py", "api.py")
    ]
    assert offenders == []

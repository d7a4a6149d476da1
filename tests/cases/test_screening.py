from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.cases.builders import PRESUMED_HITS, days_ago, detect, referred, screened
from tests.factories import verified_client
from trm.cases import screening
from trm.cases.identification import TransitionError
from trm.cases.models import Screening


def test_it_records_a_presumed_victim_outcome_and_moves_the_case_to_screened(world):
    case = detect(world.responder)
    item = screening.record_screening(case, set_key="delphi-adults-labour", hits=PRESUMED_HITS, by=world.responder)
    case.refresh_from_db()
    assert item.outcome == "presumed_victim"
    assert case.state == "screened"
    assert set(item.hits) == set(PRESUMED_HITS)
    assert "deceptive_recruitment" in item.dimensions["positive_dimensions"]
    assert case.decisions.get().legal_test == "screening"


def test_some_indicators_advise_referral_for_assessment(world):
    case = detect(world.responder)
    item = screening.record_screening(
        case, set_key="delphi-adults-labour", hits=["dr.deceived_nature_of_job"], by=world.responder
    )
    assert item.outcome == "refer_for_assessment"


def test_no_hits_is_no_indicators_and_screening_can_be_repeated(world):
    case = detect(world.responder)
    first = screening.record_screening(case, set_key="delphi-adults-labour", hits=[], by=world.responder)
    assert first.outcome == "no_indicators"
    second = screening.record_screening(case, set_key="delphi-adults-labour", hits=PRESUMED_HITS, by=world.responder)
    assert second.outcome == "presumed_victim"


def test_it_refuses_an_indicator_not_in_the_set_and_saves_nothing(world):
    case = detect(world.responder)
    with pytest.raises(ValidationError) as err:
        screening.record_screening(case, set_key="delphi-adults-labour", hits=["xx.made_up"], by=world.responder)
    assert "hits" in err.value.message_dict
    with pytest.raises(ValidationError):
        screening.record_screening(case, set_key="no-such-set", hits=[], by=world.responder)
    assert Screening.objects.count() == 0
    case.refresh_from_db()
    assert case.state == "detected"


def test_a_referred_case_is_not_screened_again(world):
    case = referred(detect(world.responder), world.responder, world.authority)
    with pytest.raises(TransitionError):
        screening.record_screening(case, set_key="delphi-adults-labour", hits=[], by=world.focal)


def test_it_uses_the_childrens_list_for_a_child(world):
    child = detect(world.responder, date_of_birth=days_ago(365 * 11))
    assert screening.default_set_for(child) == "delphi-children-labour"
    assert screening.default_set_for(detect(world.responder)) == "delphi-adults-labour"


def test_the_screening_page_groups_indicators_by_dimension(world):
    case = detect(world.responder)
    page = verified_client(world.responder).get(f"/cases/{case.reference}/screen/").content.decode()
    assert "Deceptive recruitment" in page
    assert "Coercion at destination" in page
    assert 'value="cd.debt_bondage"' in page


def test_the_screening_form_records_the_delphi_outcome(world):
    case = detect(world.responder)
    data = {"indicator_set": "delphi-adults-labour"}
    for hit in PRESUMED_HITS:
        dim = {"dr": "deceptive_recruitment", "ec": "exploitative_conditions", "cd": "coercion_at_destination"}
        data.setdefault(f"dim_{dim[hit.split('.')[0]]}", []).append(hit)
    response = verified_client(world.responder).post(f"/cases/{case.reference}/screen/", data)
    assert response.status_code == 302
    assert case.screenings.get().outcome == "presumed_victim"


def test_a_forged_indicator_is_a_400(world):
    case = detect(world.responder)
    response = verified_client(world.responder).post(
        f"/cases/{case.reference}/screen/",
        {"indicator_set": "delphi-adults-labour", "dim_deceptive_recruitment": ["xx.forged"]},
    )
    assert response.status_code == 400
    assert not case.screenings.exists()


def test_the_begging_set_takes_its_screening_questions(world):
    child = detect(world.responder, date_of_birth=days_ago(365 * 9))
    indicator_set = screening.scoring.get_set("unodc-begging-petty-crime")
    field = indicator_set.fields[0]
    item = screening.record_screening(
        child,
        set_key=indicator_set.id,
        hits=[indicator_set.indicators[0].id],
        by=world.responder,
        answers={field.id: field.choices[0] if field.type == "choice" else [field.choices[0]]},
    )
    assert field.id in item.dimensions["answers"]


def test_screened_builder_uses_the_verb(world):
    case = screened(detect(world.responder), world.responder)
    assert case.screenings.count() == 1

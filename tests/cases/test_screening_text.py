"""Indicator sets and screening reasons read in the page's language; the stored data keeps codes and English."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import trans_real

from tests.cases.builders import PRESUMED_HITS, days_ago, detect
from tests.factories import verified_client
from trm.cases import indicator_strings, scoring, screening, screening_text

ROOT = Path(__file__).resolve().parents[2]

# A few Bulgarian entries, added to the live catalogue for one test: what `make messages` and the
# glossary will provide, whatever the shipped catalogue holds today.
FAKE_BG = {
    "indicator\x04Trafficking of adults for labour exploitation (ILO/EC operational indicators)": "Трафик на възрастни",
    "indicator\x04Deceptive recruitment": "Измамно набиране",
    "indicator\x04Deceived about the conditions of work": "Измамен за условията на труд",
    "indicator\x04Begging and petty crime (UNODC indicators), with child-begging screening questions": "Просия",
    "indicator\x04Must the child bring back a set amount of money or goods?": "Трябва ли детето да донесе сума?",
    "indicator\x04Not known": "Не е известно",
    "indicator\x04Not of school age": "Не е в училищна възраст",
    "indicator\x04Act": "Действие",
    "indicator weight\x04medium": "средна",
    "%(dimension)s: %(strong)s strong, %(medium)s medium and %(weak)s weak indicators; positive.": (
        "%(dimension)s: %(strong)s силни, %(medium)s средни и %(weak)s слаби индикатора; положително."
    ),
    "%(element)s is present: %(dimensions)s.": "%(element)s е налице: %(dimensions)s.",
    "indicator clause\x04%(count)s strong": "%(count)s силни",
}


@pytest.fixture
def fake_bg() -> Iterator[None]:
    catalogue = trans_real.translation("bg")._catalog._catalogs[0]
    before = {key: catalogue[key] for key in FAKE_BG if key in catalogue}
    catalogue.update(FAKE_BG)
    yield
    for key in FAKE_BG:
        catalogue.pop(key, None)
    catalogue.update(before)


def _english(strings: tuple[object, ...]) -> set[str]:
    with translation.override("en"):
        return {str(s) for s in strings}


def test_the_strings_module_is_in_step_with_the_set_files() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "indicator_strings.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_string_a_set_shows_is_extracted_with_the_indicator_context() -> None:
    extracted = _english(indicator_strings.STRINGS)
    shown = {*scoring.DIMENSION_LABELS.values(), *scoring.ELEMENT_LABELS.values()}
    for indicator_set in scoring.available_sets():
        shown |= {indicator_set.title, *(i.label for i in indicator_set.indicators)}
        for field in indicator_set.fields:
            shown |= {field.label, *(field.choice_label(c) for c in field.choices)}
    assert shown <= extracted
    source = (ROOT / "src" / "trm" / "cases" / "indicator_strings.py").read_text()
    assert 'pgettext_lazy("indicator", "Deceived about the conditions of work")' in source


def test_every_shipped_answer_has_a_label_and_never_shows_its_code() -> None:
    begging = scoring.get_set("unodc-begging-petty-crime")
    assert begging.fields
    for field in begging.fields:
        assert {c for c, _ in field.choice_labels} == set(field.choices), field.id
        for _code, label in screening_text.answer_choices(field):
            assert "_" not in label
    school = next(f for f in begging.fields if f.id == "school_attendance")
    assert dict(screening_text.answer_choices(school))["not_of_school_age"] == "Not of school age"


def test_a_choice_label_must_name_a_choice_of_its_field() -> None:
    text = (ROOT / "src" / "trm" / "cases" / "indicators" / "unodc-begging-petty-crime.json").read_text()
    broken = text.replace('"unknown": "Not known"', '"maybe": "Perhaps"', 1)
    with pytest.raises(scoring.IndicatorSetError, match="choice_labels"):
        scoring.parse_set(broken, name="x.json")
    # A file without labels still loads; its answers read as words, not codes.
    bare = scoring.Field("f", "Question?", "choice", ("not_of_school_age",), True)
    assert bare.choice_label("not_of_school_age") == "Not of school age"


@pytest.mark.django_db
def test_the_screening_form_reads_in_bulgarian(world, fake_bg) -> None:
    child = detect(world.responder, date_of_birth=days_ago(365 * 9))
    with translation.override("bg"):
        form = screening.ScreeningForm({"indicator_set": "unodc-begging-petty-crime"}, case=child)
        sets = dict(form.fields["indicator_set"].choices)
        quota = form.fields["ans_begging_quota"]
        school = dict(form.fields["ans_school_attendance"].choices)
        labour = screening.ScreeningForm({"indicator_set": "delphi-adults-labour"}, case=child)
        group = labour.fields["dim_deceptive_recruitment"]
        title = screening.indicator_set_title("delphi-adults-labour")
    assert sets["unodc-begging-petty-crime"] == "Просия"
    assert quota.label == "Трябва ли детето да донесе сума?"
    assert dict(quota.choices)["unknown"] == "Не е известно"
    assert school["not_of_school_age"] == "Не е в училищна възраст"
    assert group.label == "Измамно набиране"
    assert dict(group.choices)["dr.deceived_conditions_of_work"] == "Измамен за условията на труд (средна)"
    assert title == "Трафик на възрастни"


def _stored(set_id: str, hits: list[str], *, is_child: bool) -> list[dict[str, object]]:
    result = scoring.score(scoring.get_set(set_id), hits, is_child=is_child)
    return result.as_json()["reasons"]


CASES = [
    ("delphi-adults-labour", PRESUMED_HITS, False),
    ("delphi-adults-labour", ["dr.deceived_nature_of_job", "vd.dependency_on_exploiters"], False),
    ("delphi-children-labour", PRESUMED_HITS[:2], True),
    ("delphi-children-sexual", [], False),
    ("unodc-begging-petty-crime", ["bp.begging_in_public"], True),
    ("unodc-begging-petty-crime", ["bp.begging_in_public"], False),
    ("unodc-begging-petty-crime", ["bp.punished_for_quota", "bp.begging_in_public"], False),
]


@pytest.mark.parametrize(("set_id", "hits", "is_child"), CASES)
def test_in_english_each_reason_reads_as_scoring_wrote_it_even_from_an_older_row(set_id, hits, is_child) -> None:
    stored = _stored(set_id, [h for h in hits if h.split(".")[0] in _prefixes(set_id)], is_child=is_child)
    # Older rows kept only the English words: without the *_code parameters they read the same.
    older = [{**r, "params": {k: v for k, v in r["params"].items() if not k.endswith("_code")}} for r in stored]
    with translation.override("en"):
        assert screening_text.reasons({"reasons": stored}) == [r["text"] for r in stored]
        assert screening_text.reasons({"reasons": older}) == [r["text"] for r in stored]


def _prefixes(set_id: str) -> set[str]:
    return {i.id.split(".")[0] for i in scoring.get_set(set_id).indicators}


def test_a_reason_it_cannot_render_shows_its_stored_text() -> None:
    assert screening_text.reason({"code": "from_a_later_version", "params": {}, "text": "Stored."}) == "Stored."
    odd = {"code": "dimension", "params": {"dimension": "Unheard of"}, "text": "Stored too."}
    assert screening_text.reason(odd) == "Stored too."


def test_reasons_render_in_bulgarian_from_their_codes(fake_bg) -> None:
    stored = _stored("delphi-adults-labour", PRESUMED_HITS, is_child=False)
    begging = _stored("unodc-begging-petty-crime", ["bp.punished_for_quota"], is_child=False)
    with translation.override("bg"):
        lines = screening_text.reasons({"reasons": stored})
        counted = screening_text.reasons({"reasons": begging})
    assert any(line.startswith("Измамно набиране: ") and line.endswith("; положително.") for line in lines)
    assert any(line.startswith("Действие е налице: измамно набиране") for line in lines)
    assert any("(1 силни)" in line for line in counted)


@pytest.mark.django_db
def test_the_case_page_explains_the_rule_in_the_readers_language(world, fake_bg) -> None:
    case = detect(world.responder)
    screening.record_screening(case, set_key="delphi-adults-labour", hits=PRESUMED_HITS, by=world.responder)
    client = verified_client(world.responder)
    client.cookies["django_language"] = "bg"
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Действие е налице: измамно набиране" in page
    assert "Trafficking of adults for labour exploitation" not in page
    assert "Трафик на възрастни" in page
    # The stored summary keeps its English text and its codes.
    reasons = case.screenings.get().dimensions["reasons"]
    assert any(r["params"].get("dimension_code") == "deceptive_recruitment" for r in reasons)
    assert any(r["text"].startswith("Deceptive recruitment: ") for r in reasons)

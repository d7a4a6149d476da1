"""Every country and language a select offers is named in Bulgarian, Romanian and Swedish (CLDR)."""

from __future__ import annotations

import pytest
from babel import Locale
from django.conf import settings
from django.utils import translation

from trm.vocab.countries import (
    country_choices,
    country_label,
    country_names,
    language_choices,
    language_label,
    sort_key,
)

LANGUAGES = ["bg", "ro", "sv"]

# Names the same as in English that CLDR does not confirm word for word: ISO's short name where
# CLDR adds a qualifier ("Hong Kong SAR China"), and Kosovo*, the project's own name.
SAME_AS_ENGLISH = {"ro": {"HK", "MO", "MM", "XK"}, "sv": {"MO", "MM", "XK"}}


def _english() -> tuple[dict[str, str], dict[str, str]]:
    with translation.override("en"):
        return dict(country_choices()), dict(language_choices())


def _untranslated(names: dict[str, str], english: dict[str, str], cldr: dict[str, str], language: str) -> list[str]:
    # A name the same as the English one is untranslated unless the language writes it so too
    # (Romanian "Afrikaans", Swedish "Chile"), which its own CLDR names show.
    allowed = SAME_AS_ENGLISH.get(language, set())
    return [
        f"{code}: {name}"
        for code, name in names.items()
        if name == english[code] and code not in allowed and name.casefold() != cldr.get(code, "").casefold()
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_country_offered_is_named_in_the_language(language):
    english, _languages = _english()
    with translation.override(language):
        names = dict(country_choices())
    assert names.keys() == english.keys() and len(names) > 240
    assert _untranslated(names, english, dict(Locale(language).territories), language) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_offered_is_named_in_the_language(language):
    _countries, english = _english()
    with translation.override(language):
        names = dict(language_choices())
    assert names.keys() == english.keys() and len(names) > 180
    assert _untranslated(names, english, dict(Locale(language).languages), language) == []


def test_every_shipped_language_but_english_is_checked():
    assert {code for code, _name in settings.LANGUAGES} - {"en"} == set(LANGUAGES)


def test_bulgarian_names_languages_pycountry_left_in_english():
    with translation.override("bg"):
        assert language_label("ro") == "Румънски"
        assert language_label("dv") == "Дивехи" and language_label("ha") == "Хауса"
        assert language_label("km") == "Кхмерски" and language_label("yo") == "Йоруба"
        assert country_label("XK") == "Косово*"  # the project's name, with its footnote
        assert country_label("RU") == "Русия" and country_label("CD") == "Демократична република Конго"


def test_three_letter_codes_are_named_as_their_two_letter_language():
    with translation.override("bg"):
        assert language_label("ron") == language_label("rum") == language_label("ro") == "Румънски"
        assert language_label("rom") == "Ромски"  # ISO 639-2 only: CLDR has it under the three letters
        assert language_label("qqq") == "qqq"
    with translation.override("sv"):
        assert language_label("swe") == "Svenska"
    with translation.override("en"):
        assert language_label("ell") == "Greek"  # not ISO's "Modern Greek (1453-)"


def test_the_project_s_own_names_win_over_cldr():
    with translation.override("ro"):
        assert country_label("MD") == "Republica Moldova" and country_label("CD") == "Republica Democrată Congo"
        assert country_label("HK") == "Hong Kong"  # not CLDR's "R.A.S. Hong Kong, China"
    with translation.override("sv"):
        assert country_label("PS") == "Palestina" and country_label("XK") == "Kosovo*"
    with translation.override("en"):
        assert country_label("XK") == "Kosovo*" and country_label("MD") == "Moldova"


@pytest.mark.parametrize("language", ["en", "bg", "ro", "sv"])
def test_the_choices_are_sorted_in_the_language(language):
    with translation.override(language):
        for choices in (country_choices(), language_choices()):
            names = [name for _code, name in choices]
            assert names == sorted(names, key=lambda name: sort_key(name, language))


def test_swedish_and_romanian_letters_sort_after_their_base_letters():
    with translation.override("sv"):
        names = list(country_names().values())
        assert names.index("San Marino") < names.index("Saudiarabien")  # a space before a letter
        assert names.index("Sri Lanka") < names.index("S:t Lucia") < names.index("Storbritannien")
    with translation.override("ro"):
        assert [name for _code, name in language_choices()].index("Sârbă") < [
            name for _code, name in language_choices()
        ].index("Suedeză")
        names = list(country_names().values())
        assert names.index("Tuvalu") < names.index("Țările de Jos") < names.index("Ucraina")

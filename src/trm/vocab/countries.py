"""ISO 3166-1 countries and ISO 639 languages, named in the reader's language.

The codes are pycountry's (ISO 3166-1 plus Kosovo*, which the region's networks list with a
footnote; ISO 639). The names come from the Unicode CLDR through Babel, which names every
country and every two-letter language in Bulgarian, Romanian and Swedish; where CLDR has no
name, pycountry's translation, then the English name, then the code. English country names
stay ISO's (pycountry's), which CLDR writes in a looser style ("Bosnia & Herzegovina").
"""

from __future__ import annotations

import gettext
import unicodedata
from functools import cache, lru_cache

import pycountry
from babel import Locale, UnknownLocaleError
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

KOSOVO = "XK"
KOSOVO_FOOTNOTE = _(
    "This designation is without prejudice to positions on status, and is in line with "
    "UNSCR 1244/1999 and the ICJ Opinion on the Kosovo declaration of independence."
)


KOSOVO_NAME = _("Kosovo*")

# The name people use in that language, where CLDR's name (or pycountry's) is not it: CLDR tells
# the two Congos apart with the capital ("Congo - Kinshasa") and names Palestine's territories
# rather than the state; pycountry has only the formal, inverted form ("Moldova, Republica").
SHORT_NAMES: dict[str, dict[str, str]] = {
    "bg": {
        "CD": "Демократична република Конго",
        "CG": "Република Конго",
        "PS": "Палестина",
    },
    "ro": {
        "CD": "Republica Democrată Congo",
        "CG": "Republica Congo",
        "FM": "Micronezia",
        "IR": "Iran",
        "KP": "Coreea de Nord",
        "LA": "Laos",
        "MD": "Republica Moldova",
        "MK": "Macedonia de Nord",
        "PS": "Palestina",
        "TW": "Taiwan",
        "TZ": "Tanzania",
        "VE": "Venezuela",
        "VG": "Insulele Virgine Britanice",
        "VI": "Insulele Virgine Americane",
        "ZA": "Africa de Sud",
    },
    "sv": {
        "BO": "Bolivia",
        "CD": "Demokratiska republiken Kongo",
        "CG": "Republiken Kongo",
        "FM": "Mikronesien",
        "IR": "Iran",
        "LA": "Laos",
        "PS": "Palestina",
        "TW": "Taiwan",
        "TZ": "Tanzania",
        "VE": "Venezuela",
        "VG": "Brittiska Jungfruöarna",
        "VI": "Amerikanska Jungfruöarna",
    },
}

# CLDR's name of these adds a qualifier ("Hong Kong SAR China", "Myanmar (Burma)"): pycountry's
# translation, the short name, reads better.
ISO_FORM = frozenset({"HK", "MO", "MM"})


def country_names() -> dict[str, str]:
    """Every country's name in the active language, sorted by name (choices, select lists)."""
    return _country_names(_active_language())


@cache
def _country_names(language: str) -> dict[str, str]:
    with translation.override(language):
        names = {c.alpha_2: country_label(c.alpha_2) for c in pycountry.countries}
        names[KOSOVO] = country_label(KOSOVO)
    return dict(sorted(names.items(), key=lambda item: sort_key(item[1], language)))


# The order of the letters of the Latin-script languages TRM speaks, where it is not the
# order of the code points (Romanian Ș after S; Swedish Å, Ä, Ö after Z).
ALPHABETS = {
    "en": "abcdefghijklmnopqrstuvwxyz",
    "ro": "aăâbcdefghiîjklmnopqrsștțuvwxyz",
    "sv": "abcdefghijklmnopqrstuvwxyzåäö",
}


def sort_key(name: str, language: str) -> tuple[int, ...]:
    """A key that sorts names as a reader of the language expects (accents follow their letter)."""
    alphabet = ALPHABETS.get(language)
    text = name.casefold()
    if alphabet is None:
        return tuple(ord(c) for c in text)
    key = []
    for char in text:
        if char == " ":
            key.append(-1)  # "San Marino" before "Saudi Arabia"
            continue
        if not char.isalnum():
            continue  # "S:t Lucia" as "St Lucia", "Papua-Noua Guinee" as one word
        if char not in alphabet:
            base = unicodedata.normalize("NFD", char)[0]
            char = base if base in alphabet else char
        key.append(alphabet.index(char) if char in alphabet else 1000 + ord(char))
    return tuple(key)


def country_choices() -> list[tuple[str, str]]:
    return list(country_names().items())


def country_name(code: str) -> str:
    return country_names().get(code, code)


def validate_country(value: str) -> None:
    if value not in country_names():
        raise ValidationError(_("Unknown country code."), code="unknown_country")


def language_names() -> dict[str, str]:
    """ISO 639 languages with a two-letter code, keyed by it (as Django's LANGUAGES), named in the active language."""
    return _language_names(_active_language())


@cache
def _language_names(language: str) -> dict[str, str]:
    names = {
        lang.alpha_2: _language_label(lang.alpha_2, language)
        for lang in pycountry.languages
        if hasattr(lang, "alpha_2")
    }
    return dict(sorted(names.items(), key=lambda item: sort_key(item[1], language)))


def language_choices() -> list[tuple[str, str]]:
    """The languages as choices of a select, sorted by name in the active language."""
    return list(language_names().items())


def _capitalised(name: str) -> str:
    """A language's name as a label: some languages write them in lower case ("albaneză")."""
    return name[:1].upper() + name[1:]


def validate_language(value: str) -> None:
    if value not in language_names():
        raise ValidationError(_("Unknown language code."), code="unknown_language")


@cache
def _cldr(language: str) -> Locale | None:
    try:
        return Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return None


@cache
def _catalogue(domain: str, language: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


def _active_language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def country_label(code: str) -> str:
    """The country's name in the active language (CLDR's, or pycountry's), or the code if unknown."""
    return _country_label(code, translation.get_language() or "en")


def language_label(code: str) -> str:
    """The language's name (ISO 639-1, -2 or -3 code) in the active language (CLDR's), or the code if unknown."""
    return _language_label(code, translation.get_language() or "en")


# Looked up once per code and language: a page shows the same few names many times, and each
# look-up through pycountry, CLDR and their catalogues costs far more than a dictionary read. Bounded, as
# an unknown code (shown as it is) may come from outside.
@lru_cache(maxsize=4096)
def _country_label(code: str, active: str) -> str:
    if code == KOSOVO:
        return str(KOSOVO_NAME)
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    language = active.split("-")[0]
    if code in SHORT_NAMES.get(language, {}):
        return SHORT_NAMES[language][code]
    cldr = _cldr(language)
    if language != "en" and code not in ISO_FORM and cldr is not None and code in cldr.territories:
        return str(cldr.territories[code])
    catalogue = _catalogue("iso3166-1", language)
    common = getattr(country, "common_name", None)
    if common and catalogue.gettext(common) != common:
        return catalogue.gettext(common)
    name = catalogue.gettext(country.name)
    # Untranslated: the short English name ("Moldova") rather than the formal one.
    return common if common and name == country.name else name


@lru_cache(maxsize=4096)
def _language_label(code: str, active: str) -> str:
    lowered = code.lower()
    if len(code) == 2:
        language = pycountry.languages.get(alpha_2=lowered)
    else:
        language = pycountry.languages.get(alpha_3=lowered) or pycountry.languages.get(bibliographic=lowered)
    if language is None:
        return code
    # CLDR keys a language by its two-letter code where it has one ("ro" for "ron" and "rum").
    key = getattr(language, "alpha_2", language.alpha_3)
    reader = active.split("-")[0]
    name = _cldr_language(reader, key)
    if name is None:
        translated = _catalogue("iso639-3", reader).gettext(language.name)
        name = translated if translated != language.name else _cldr_language("en", key) or language.name
    return _capitalised(name)


def _cldr_language(reader: str, key: str) -> str | None:
    cldr = _cldr(reader)
    if cldr is None or key not in cldr.languages:
        return None
    return str(cldr.languages[key])

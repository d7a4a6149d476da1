"""ISO 3166-1 countries (pycountry) plus Kosovo*, which the region's networks list with a footnote."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

KOSOVO = "XK"
KOSOVO_FOOTNOTE = _(
    "This designation is without prejudice to positions on status, and is in line with "
    "UNSCR 1244/1999 and the ICJ Opinion on the Kosovo declaration of independence."
)


KOSOVO_NAME = _("Kosovo*")


def country_names() -> dict[str, str]:
    """Every country's name in the active language, sorted by name (choices, select lists)."""
    return _country_names(_active_language())


@cache
def _country_names(language: str) -> dict[str, str]:
    with translation.override(language):
        names = {c.alpha_2: country_label(c.alpha_2) for c in pycountry.countries}
        names[KOSOVO] = country_label(KOSOVO)
    return dict(sorted(names.items(), key=lambda item: item[1].casefold()))


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
    catalogue = _catalogue("iso639-3", language)
    return {lang.alpha_2: catalogue.gettext(lang.name) for lang in pycountry.languages if hasattr(lang, "alpha_2")}


def validate_language(value: str) -> None:
    if value not in language_names():
        raise ValidationError(_("Unknown language code."), code="unknown_language")


@cache
def _catalogue(domain: str, language: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[language], fallback=True)


def _active_language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def country_label(code: str) -> str:
    """The country's name in the active language (pycountry's translations), or the code if unknown."""
    if code == KOSOVO:
        return str(KOSOVO_NAME)
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    catalogue = _catalogue("iso3166-1", _active_language())
    common = getattr(country, "common_name", None)
    if common and catalogue.gettext(common) != common:
        return catalogue.gettext(common)
    name = catalogue.gettext(country.name)
    # Untranslated: the short English name ("Moldova") rather than the formal one.
    return common if common and name == country.name else name


def language_label(code: str) -> str:
    """The language's name (ISO 639, two or three letters) in the active language, or the code if unknown."""
    language = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    if language is None:
        return code
    return _catalogue("iso639-3", _active_language()).gettext(language.name)

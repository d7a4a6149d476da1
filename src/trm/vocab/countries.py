"""ISO 3166-1 countries (pycountry) plus Kosovo*, which the region's networks list with a footnote."""

from __future__ import annotations

from functools import cache

import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

KOSOVO = "XK"
KOSOVO_FOOTNOTE = _(
    "This designation is without prejudice to positions on status, and is in line with "
    "UNSCR 1244/1999 and the ICJ Opinion on the Kosovo declaration of independence."
)


@cache
def country_names() -> dict[str, str]:
    names = {c.alpha_2: getattr(c, "common_name", c.name) for c in pycountry.countries}
    names[KOSOVO] = "Kosovo*"
    return dict(sorted(names.items(), key=lambda item: item[1]))


def country_choices() -> list[tuple[str, str]]:
    return list(country_names().items())


def country_name(code: str) -> str:
    return country_names().get(code, code)


def validate_country(value: str) -> None:
    if value not in country_names():
        raise ValidationError(_("Unknown country code."), code="unknown_country")


@cache
def language_names() -> dict[str, str]:
    """ISO 639 languages with a two-letter code, keyed by it (as Django's LANGUAGES)."""
    return {lang.alpha_2: lang.name for lang in pycountry.languages if hasattr(lang, "alpha_2")}


def validate_language(value: str) -> None:
    if value not in language_names():
        raise ValidationError(_("Unknown language code."), code="unknown_language")

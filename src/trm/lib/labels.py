"""One way to show a coded value as its label in the reader's language: ``{{ value|label:"country" }}``.

Each vocabulary is registered once, by the part that owns it (countries and languages here,
indicator sets by cases, the trm/1 vocabularies by transnational, services by referrals),
and read in templates through the ``labels`` library (``{% load labels %}``) and in code
through :func:`label`. A code without a label is shown as it is, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from trm.vocab import countries

Lookup = Callable[[str], Any]

_VOCABULARIES: dict[str, Lookup] = {}


def register(name: str, lookup: Lookup) -> None:
    """Make a vocabulary known by name; ``lookup(code)`` returns its label (or the code)."""
    _VOCABULARIES[name] = lookup


def names() -> list[str]:
    return sorted(_VOCABULARIES)


def label(vocabulary: str, code: Any) -> str:
    """The label of one code; an empty value reads as the empty string."""
    if code is None or code == "":
        return ""
    try:
        lookup = _VOCABULARIES[vocabulary]
    except KeyError:
        raise LookupError(f"no vocabulary named {vocabulary!r}; known: {', '.join(names())}") from None
    found = lookup(str(code))
    return str(found) if found not in (None, "") else str(code)


def labels(vocabulary: str, codes: Iterable[Any] | None) -> list[str]:
    return [label(vocabulary, code) for code in codes or ()]


def from_choices(choices: Iterable[tuple[Any, Any]]) -> Lookup:
    """A lookup over a model's or a form's choices (a TextChoices' ``.choices``)."""
    table = {str(value): text for value, text in choices}
    return lambda code: table.get(code, code)


register("country", countries.country_label)
register("language", countries.language_label)

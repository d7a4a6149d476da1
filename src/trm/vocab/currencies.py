"""ISO 4217 currencies (pycountry): the codes an amount of money may carry."""

from __future__ import annotations

from functools import cache

import pycountry


@cache
def _names() -> dict[str, str]:
    return {c.alpha_3: c.name for c in pycountry.currencies}


def is_currency(code: str) -> bool:
    """An ISO 4217 alphabetic code in capitals (``EUR``); anything else is not a currency."""
    return isinstance(code, str) and code.isupper() and code in _names()


def currency_label(code: str) -> str:
    """``EUR — Euro``; an unknown code as it is."""
    name = _names().get(code)
    return f"{code} — {name}" if name else code


# The currencies of the region's countries first in pick-lists; every other code is accepted too.
COMMON = (
    "EUR",
    "ALL",
    "BAM",
    "BGN",
    "CHF",
    "CZK",
    "GBP",
    "HUF",
    "MDL",
    "MKD",
    "PLN",
    "RON",
    "RSD",
    "SEK",
    "TRY",
    "UAH",
    "USD",
)


def currency_choices() -> list[tuple[str, str]]:
    common = [(c, currency_label(c)) for c in COMMON if c in _names()]
    rest = sorted((c, currency_label(c)) for c in _names() if c not in COMMON)
    return common + rest

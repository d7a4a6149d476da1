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

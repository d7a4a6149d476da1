"""What a person reads must be labels in their language: never a code, a Python repr or English left over.

The checks of the crawl over every demo page (tests/core/test_labels_everywhere.py) and of the
browser tests (tests/e2e/readable.py) share these functions:
- a vocabulary code where its label belongs: a code of a model field's choices, of the trm/1
  vocabularies or an indicator set's id that reads as a code (``id_card``,
  ``TakesEarnings``, ``unodc-begging-petty-crime``);
- a Python repr (a bare ``None`` or ``True``, ``['...']``, ``{'...': ...}``, ``<... object at 0x...>``);
- in another language than English, a text that is one of TRM's English strings left
  untranslated (a whole text equal to a msgid whose translation differs).
"""

from __future__ import annotations

import gettext
import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from django.apps import apps

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)+$")  # id_card, unodc-begging-petty-crime
_CAMEL = re.compile(r"^[A-Z][a-z]+(?:[A-Z][a-z]+)+$")  # TakesEarnings
# A bare None/True/False is a value printed as Python, where "None seen" or "False promises" is English.
BARE = re.compile(r"^(?:.*:\s*)?(?:None|True|False)$")
REPRS = (
    re.compile(r"\[\s*'[^']*'"),
    re.compile(r"\{\s*'[^']*'\s*:"),
    re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>"),
    re.compile(r"<(?:QuerySet|Manager|django\.)"),
    re.compile(r"\b(?:datetime\.date|datetime\.datetime|Decimal)\("),
)


def looks_like_code(value: str) -> bool:
    return bool(_SNAKE.match(value) or _CAMEL.match(value))


@cache
def vocabulary_codes() -> frozenset[str]:
    """Every coded value TRM knows whose code is not a plain word."""
    from trm.cases.screening import indicator_sets
    from trm.transnational import vocabulary

    codes: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and looks_like_code(value):
                    codes.add(value)
    for name in dir(vocabulary):
        table = getattr(vocabulary, name)
        if name.isupper() and isinstance(table, dict):
            codes |= {code for code in table if isinstance(code, str) and looks_like_code(code)}
    codes |= {indicator_set.id for indicator_set in indicator_sets() if looks_like_code(indicator_set.id)}
    return frozenset(codes)


@cache
def english_strings(language: str) -> frozenset[str]:
    """TRM's English strings that the language's catalogue translates differently."""
    import trm

    if language == "en":
        return frozenset()
    mo = Path(trm.__file__).parent / "locale" / language / "LC_MESSAGES" / "django.mo"
    with mo.open("rb") as fh:
        catalogue = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    found = set()
    for key, text in catalogue.items():
        msgid = key[0] if isinstance(key, tuple) else key
        # Single words and format-only strings read the same in many languages (names, "OK").
        if isinstance(msgid, str) and " " in msgid.strip() and "%" not in msgid and text != msgid:
            found.add(msgid.strip())
    return frozenset(found)


def problems_in_text(
    visible: str, pieces: Iterable[str], codes: Iterable[str], english: frozenset[str] = frozenset()
) -> list[str]:
    """What is wrong in a page's visible text (nothing: an empty list).

    ``visible`` is the text as one string; ``pieces`` are its separate texts (text nodes, lines),
    each of which must not be a bare repr or an English string left untranslated.
    """
    found: list[str] = []
    codes = set(codes)
    flat = " ".join(visible.split())
    for token in sorted(set(re.findall(r"[A-Za-z][\w-]*[\w]", flat))):
        if token in codes:
            found.append(f"code {token!r}")
    for piece in dict.fromkeys(p.strip() for p in pieces):
        if BARE.match(piece):
            found.append(f"repr {piece!r}")
        if piece in english:
            found.append(f"untranslated {piece!r}")
    for pattern in REPRS:
        match = pattern.search(flat)
        if match:
            start = max(0, match.start() - 40)
            found.append(f"repr {flat[start : match.end() + 40]!r}")
    return found


class _Page(HTMLParser):
    """The visible text, the title, the ids and the links of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.title = ""
        self.ids: list[str] = []
        self.links: list[str] = []
        self._hidden = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag in {"script", "style", "template"}:
            self._hidden += 1
        if tag == "title":
            self._in_title = True
        if tag == "a" and found.get("href") and "download" not in found:
            self.links.append(str(found["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "template"} and self._hidden:
            self._hidden -= 1
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._hidden:
            self.text.append(data)


def problems_in_title(title: str) -> list[str]:
    return [f"markup in <title>: {title!r}"] if "<" in title or "&lt;" in title else []


def problems_in_ids(ids: Iterable[str]) -> list[str]:
    twice = sorted(i for i, n in Counter(ids).items() if n > 1)
    return [f"ids used twice: {twice}"] if twice else []


def problems_on(html: str, codes: Iterable[str], english: frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
    """What is wrong on one page's HTML (nothing: an empty list), and the links it has."""
    page = _Page()
    page.feed(html)
    found = problems_in_text(" ".join(page.text), page.text, codes, english)
    found += problems_in_title(page.title)
    found += problems_in_ids(page.ids)
    return found, page.links

"""Every page of the demo, as every role: labels, never codes or Python reprs, in what a person reads.

The demo's data is seeded, each demo account logs in, and a crawler follows the links of
each page (GET only, same site, at most a few pages per route) from the dashboard. On each
HTML page it reads the visible text (no markup, scripts or attribute values) and fails on
- a vocabulary code where its label belongs: a code of a model field's choices, of the trm/1
  vocabularies or an indicator set's id that reads as a code (``id_card``,
  ``TakesEarnings``, ``unodc-begging-petty-crime``);
- a Python repr (a bare ``None`` or ``True``, ``['...']``, ``{'...': ...}``, ``<... object at 0x...>``);
- markup in the page's <title>, and an element id used twice;
- in another language than English, a text that is one of TRM's English strings left
  untranslated (a whole text node equal to a msgid whose translation differs).
"""

from __future__ import annotations

import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import Resolver404, resolve
from django.utils import translation

from tests.factories import verified_client
from trm.accounts.models import User
from trm.demo.accounts import ACCOUNTS

PER_ROUTE = 2  # pages visited per route name (a list's first rows stand for the others)
PER_ACCOUNT = 120
SKIP_PREFIXES = ("/api/", "/admin/", "/i18n/", "/static/", "/trm/1/", "/accounts/logout")
SKIP_ROUTES = {"favicon"}
# The audit log shows each entry as it was recorded (field names, states, codes): it is evidence, not prose.
VERBATIM_ROUTES = {"audit:log"}

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


def vocabulary_codes() -> set[str]:
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
    return codes


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


def english_strings(language: str) -> frozenset[str]:
    """TRM's English strings that the language's catalogue translates differently."""
    import gettext
    from pathlib import Path

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


def problems_on(html: str, codes: set[str], english: frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
    """What is wrong on one page (nothing: an empty list), and the links it has."""
    page = _Page()
    page.feed(html)
    found: list[str] = []
    visible = " ".join(" ".join(page.text).split())
    for token in set(re.findall(r"[A-Za-z][\w-]*[\w]", visible)):
        if token in codes:
            found.append(f"code {token!r}")
    for node in page.text:
        if BARE.match(node.strip()):
            found.append(f"repr {node.strip()!r}")
        if node.strip() in english:
            found.append(f"untranslated {node.strip()!r}")
    for pattern in REPRS:
        match = pattern.search(visible)
        if match:
            start = max(0, match.start() - 40)
            found.append(f"repr {visible[start : match.end() + 40]!r}")
    if "<" in page.title or "&lt;" in page.title:
        found.append(f"markup in <title>: {page.title!r}")
    twice = [i for i, n in Counter(page.ids).items() if n > 1]
    if twice:
        found.append(f"ids used twice: {twice}")
    return found, page.links


def crawl(client, codes: set[str], english: frozenset[str]) -> tuple[dict[str, list[str]], int]:
    seen: set[str] = set()
    per_route: Counter[str] = Counter()
    queue = deque(["/"])
    problems: dict[str, list[str]] = {}
    visited = 0
    while queue and visited < PER_ACCOUNT:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        path = urlsplit(url).path
        try:
            match = resolve(path)
        except Resolver404:
            continue
        route = match.view_name
        if route in SKIP_ROUTES or per_route[route] >= PER_ROUTE:
            continue
        per_route[route] += 1
        response = client.get(url)
        visited += 1
        assert response.status_code < 500, f"{url}: {response.status_code}"
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        verbatim = route in VERBATIM_ROUTES
        found, links = problems_on(response.content.decode(), set() if verbatim else codes, english)
        if found:
            problems[url] = found
        for link in links:
            link = urldefrag(link)[0]
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIP_PREFIXES):
                continue
            queue.append(link)
    return problems, visited


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("demo_seed", verbosity=0)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "bg"])
@pytest.mark.parametrize("username", [a.username for a in ACCOUNTS])
def test_every_page_reads_as_labels(demo, username, language):
    codes = vocabulary_codes()
    client = verified_client(User.objects.get(username=username))
    client.cookies["django_language"] = language
    assert f'<html lang="{language}">' in client.get("/").content.decode()  # the pages are in that language
    with translation.override(language):
        problems, visited = crawl(client, codes, english_strings(language))
    assert visited >= 1
    assert not problems, "\n".join(f"{url}: {'; '.join(found)}" for url, found in sorted(problems.items()))


def test_the_checks_catch_what_they_look_for():
    codes = {"id_card", "TakesEarnings"}
    html = (
        "<html><head><title>A &lt;b&gt;title</title></head><body>"
        "<p id='x'>Document: id_card</p><p id='x'>Control: TakesEarnings</p>"
        "<p>Answer: None</p><p>None seen</p><p>[ 'a' ]</p><script>var id_card = 1;</script>"
        "<a href='/cases/'>x</a></body></html>"
    )
    found, links = problems_on(html, codes)
    text = " ".join(found)
    assert "'id_card'" in text and "'TakesEarnings'" in text
    assert "None" in text and "[ 'a'" in text
    assert "markup in <title>" in text and "ids used twice: ['x']" in text
    assert links == ["/cases/"]
    assert problems_on("<html><title>Fine</title><p>Identity card</p></html>", codes)[0] == []
    english = frozenset({"Identity card"})
    assert problems_on("<p>Identity card</p>", codes, english)[0] == ["untranslated 'Identity card'"]

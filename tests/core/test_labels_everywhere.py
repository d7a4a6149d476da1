"""Every page of the demo, as every role: labels, never codes or Python reprs, in what a person reads.

The demo's data is seeded, each demo account logs in, and a crawler follows the links of
each page (GET only, same site, at most a few pages per route) from the dashboard. On each
HTML page it reads the visible text (no markup, scripts or attribute values) and fails on
what tests/readable.py looks for (a vocabulary code, a Python repr, in another language than
English a text left in English), on markup in the page's <title> and on an element id used twice.
"""

from __future__ import annotations

from collections import Counter, deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve
from django.utils import translation

from tests.factories import verified_client
from tests.readable import english_strings, problems_on, vocabulary_codes
from trm.accounts.models import User
from trm.demo.accounts import ACCOUNTS

PER_ROUTE = 2  # pages visited per route name (a list's first rows stand for the others)
PER_ACCOUNT = 120
SKIP_PREFIXES = ("/api/", "/admin/", "/i18n/", "/static/", "/trm/1/", "/accounts/logout")
SKIP_ROUTES = {"favicon"}
# The audit log shows each entry as it was recorded (field names, states, codes): it is evidence, not prose.
VERBATIM_ROUTES = {"audit:log"}


def crawl(client, codes: frozenset[str], english: frozenset[str]) -> tuple[dict[str, list[str]], int]:
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
        found, links = problems_on(response.content.decode(), frozenset() if verbatim else codes, english)
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

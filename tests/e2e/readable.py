"""The browser's side of tests/readable.py: every page a browser test shows is read as a person reads it.

``watch(page, language)`` installs a hook in the page: after each page load, each htmx swap and
each <details> opened or closed, it keeps what is visible then (document.body.innerText, the
text of each rendered element, the page's language and title) in the tab's sessionStorage, so
a page left at once by the next click is read too. ``Watch.check()`` reads what was kept,
plus the page as it is now, and fails on a vocabulary code, a Python repr, a page in another
language than asked, and in another language than English on one of TRM's English strings
left untranslated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.readable import english_strings, problems_in_ids, problems_in_text, problems_in_title, vocabulary_codes

SNAPSHOT = """
(() => {
  const KEY = "trm-readable";
  function rendered(element) {
    // An option has no box of its own: it is read when its list is.
    const owner = element.closest("select") || element;
    return owner.checkVisibility ? owner.checkVisibility() : owner.getClientRects().length > 0;
  }
  function snapshot(why) {
    if (!document.body) return;
    const pieces = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.data.trim();
      const parent = node.parentElement;
      if (!text || !parent || parent.closest("script, style, template, noscript")) continue;
      if (rendered(parent)) pieces.push(text);
    }
    const shots = JSON.parse(sessionStorage.getItem(KEY) || "[]");
    shots.push({
      url: location.pathname + location.search, why, lang: document.documentElement.lang,
      title: document.title, visible: document.body.innerText, pieces,
      ids: Array.from(document.querySelectorAll("[id]"), (e) => e.id),
    });
    sessionStorage.setItem(KEY, JSON.stringify(shots));
  }
  window.__trmReadable = snapshot;
  document.addEventListener("DOMContentLoaded", () => snapshot("load"));
  document.addEventListener("htmx:afterSettle", () => snapshot("htmx"));
  document.addEventListener("toggle", () => snapshot("toggle"), true);
})();
"""
# What was kept, taken out of the tab's storage.
TAKE = """() => {
  const shots = sessionStorage.getItem("trm-readable") || "[]";
  sessionStorage.removeItem("trm-readable");
  return JSON.parse(shots);
}"""


@dataclass
class Watch:
    """One page under watch; ``pages`` lists every (url, why) read so far."""

    page: Any
    language: str
    codes: frozenset[str] = field(default_factory=vocabulary_codes)
    pages: list[tuple[str, str]] = field(default_factory=list)

    def problems(self) -> dict[str, list[str]]:
        """What is wrong on each page read since the last call, by page and event."""
        self.page.evaluate("() => window.__trmReadable && window.__trmReadable('check')")
        shots = self.page.evaluate(TAKE)
        english = english_strings(self.language)
        found: dict[str, list[str]] = {}
        for shot in shots:
            self.pages.append((shot["url"], shot["why"]))
            lines = [line for line in shot["visible"].splitlines() if line.strip()]
            wrong = problems_in_text(shot["visible"], shot["pieces"] + lines, self.codes, english)
            wrong += problems_in_title(shot["title"]) + problems_in_ids(shot["ids"])
            if shot["lang"] != self.language:
                wrong.append(f"page in {shot['lang']!r}, not {self.language!r}")
            if wrong:
                where = f"{shot['url']} ({shot['why']})"
                found[where] = sorted(set(found.get(where, []) + wrong))
        return found

    def check(self) -> None:
        found = self.problems()
        assert not found, "\n".join(f"{where}: {'; '.join(wrong)}" for where, wrong in found.items())


def watch(page: Any, language: str) -> Watch:
    """Watch every page this browser page shows from now on (call before its first goto)."""
    page.add_init_script(SNAPSHOT)
    return Watch(page, language)

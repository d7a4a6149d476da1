"""The shipped translations are complete: no untranslated or fuzzy entry, placeholders kept, .mo compiled.

Reads the .po files directly (no gettext tools needed), so it runs in a fraction of a second.
`make messages` extracts new strings; this test then names every one still to translate.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import trm

LOCALE = Path(trm.__file__).parent / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|</?[a-z][a-z0-9]*\b[^>]*>")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"line {self.line}: {self.msgid!r}"

    @property
    def key(self) -> str:
        """The msgid as a compiled catalogue keys it: gettext puts the context first, before EOT."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text.strip()[1:-1])


def parse(path: Path) -> list[Entry]:
    """The live entries of a .po file (obsolete ``#~`` entries and the header left out)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#~"):
            entry, target = None, None
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#,"):
            entry.flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            entry.msgctxt, target = _unquote(line[8:]), ("msgctxt", 0)
        elif line.startswith("msgid_plural "):
            entry.msgid_plural, target = _unquote(line[13:]), ("msgid_plural", 0)
        elif line.startswith("msgid "):
            entry.msgid, target = _unquote(line[6:]), ("msgid", 0)
        elif match := re.match(r"msgstr(?:\[(\d+)\])? (.*)", line):
            index = int(match.group(1) or 0)
            entry.msgstr[index], target = _unquote(match.group(2)), ("msgstr", index)
        elif line.startswith('"') and target is not None:
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, (getattr(entry, name) or "") + _unquote(line))
    return [e for e in entries if e.msgid]


def _plurals(path: Path) -> int:
    header = next(e for e in parse_with_header(path) if not e.msgid)
    match = re.search(r"nplurals=(\d+)", header.msgstr[0])
    assert match, f"{path}: no Plural-Forms in the header"
    return int(match.group(1))


def parse_with_header(path: Path) -> list[Entry]:
    text = path.read_text(encoding="utf-8")
    head = text[: text.index("\n\n", text.index('msgid ""'))]
    header = Entry(line=1, flags={f.strip() for f in re.findall(r"^#,(.*)$", head, re.M) for f in f.split(",")})
    header.msgstr[0] = "".join(_unquote(q) for q in re.findall(r'^(".*")$', head, re.M))
    return [header, *parse(path)]


def _language(path: Path) -> str:
    return path.parents[1].name


@pytest.fixture(params=CATALOGUES, ids=_language)
def catalogue(request: pytest.FixtureRequest) -> Path:
    return request.param


def test_every_shipped_language_has_a_catalogue_and_every_catalogue_is_shipped() -> None:
    """settings.LANGUAGES (the switcher) and the catalogues name the same languages, so none ships half-done."""
    from django.conf import settings

    shipped = {code for code, _ in settings.LANGUAGES} - {"en"}  # English is the source language
    assert {"bg", "ro", "sv"} <= shipped
    assert {_language(path) for path in CATALOGUES} == shipped


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue: Path) -> None:
    entries = parse(catalogue)
    assert len(entries) > 1000  # the parser read the file
    nplurals = _plurals(catalogue)
    fuzzy = [str(e) for e in entries if "fuzzy" in e.flags]
    untranslated = [
        str(e)
        for e in entries
        if not all(e.msgstr.get(i) for i in (range(nplurals) if e.msgid_plural is not None else [0]))
    ]
    assert not fuzzy and not untranslated, (
        f"{catalogue}: {len(untranslated)} untranslated, {len(fuzzy)} fuzzy (translate them, remove '#, fuzzy'):\n"
        + "\n".join(["untranslated:", *untranslated, "fuzzy:", *fuzzy])
    )


def test_the_header_is_not_fuzzy(catalogue: Path) -> None:
    header = parse_with_header(catalogue)[0]
    assert "fuzzy" not in header.flags
    assert f"Language: {_language(catalogue)}" in header.msgstr[0]


def test_translations_keep_their_placeholders_and_tags(catalogue: Path) -> None:
    wrong = []
    for e in parse(catalogue):
        for index, text in e.msgstr.items():
            source = e.msgid_plural if index and e.msgid_plural is not None else e.msgid
            expected = sorted(PLACEHOLDER.findall(source))
            found = sorted(PLACEHOLDER.findall(text))
            # A singular form may leave the number out ("A node sent…" for n == 1).
            if found != expected and not (index == 0 and e.msgid_plural is not None and set(found) <= set(expected)):
                wrong.append(f"{e} [{index}]: {expected} != {found}")
    assert not wrong, "\n".join(wrong)


def test_the_compiled_catalogue_matches_the_po_file(catalogue: Path) -> None:
    with catalogue.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    stale = []
    for e in parse(catalogue):
        if e.msgid_plural is None:
            if compiled.get(e.key) != e.msgstr[0]:
                stale.append(str(e))
        elif any(compiled.get((e.key, i)) != text for i, text in e.msgstr.items()):
            stale.append(str(e))
    assert not stale, f"Run `make messages` (compilemessages): {len(stale)} entries differ in the .mo:\n" + "\n".join(
        stale[:20]
    )

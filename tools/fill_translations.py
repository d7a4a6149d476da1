"""Fill a .po file's untranslated and fuzzy entries from a JSON glossary keyed by msgid.

A glossary value is the translation (a string), or for an entry with plural forms a list with one
string per form of the language's Plural-Forms header. An entry with a context is keyed
"context\\x04msgid", as gettext does. Existing translations that are not fuzzy are kept, so
`make messages` can regenerate the catalogue and fill it again without losing work.

    python tools/fill_translations.py LOCALE/LANG/LC_MESSAGES/django.po LOCALE/LANG/glossary.json
    python tools/fill_translations.py --overwrite PO GLOSSARY   # the glossary also replaces existing translations
    python tools/fill_translations.py --export PO GLOSSARY   # write every translation into the glossary
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text.strip()[1:-1])


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n") + '"'


@dataclass
class Entry:
    """One block of a .po file: its lines, and what they say."""

    lines: list[str]
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else str(self.msgid)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values()) and "fuzzy" not in self.flags


def parse_block(lines: list[str]) -> Entry:
    entry = Entry(lines=lines)
    target: tuple[str, int] | None = None
    for line in lines:
        if line.startswith("#~"):
            return Entry(lines=lines)  # obsolete: left alone
        if line.startswith("#,"):
            entry.flags = [f.strip() for f in line[2:].split(",") if f.strip()]
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            entry.msgctxt, target = unquote(line[8:]), ("msgctxt", 0)
        elif line.startswith("msgid_plural "):
            entry.msgid_plural, target = unquote(line[13:]), ("msgid_plural", 0)
        elif line.startswith("msgid "):
            entry.msgid, target = unquote(line[6:]), ("msgid", 0)
        elif match := re.match(r"msgstr(?:\[(\d+)\])? (.*)", line):
            index = int(match.group(1) or 0)
            entry.msgstr[index], target = unquote(match.group(2)), ("msgstr", index)
        elif line.startswith('"') and target is not None:
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += unquote(line)
            else:
                setattr(entry, name, (getattr(entry, name) or "") + unquote(line))
    return entry


def parse(text: str) -> list[Entry]:
    return [parse_block(block.split("\n")) for block in re.split(r"\n\s*\n", text.strip("\n"))]


def _msgstr_lines(name: str, value: str) -> list[str]:
    if "\n" not in value[:-1] and len(value) < 70:
        return [f"{name} {quote(value)}"]
    parts = re.findall(r"[^\n]*\n|[^\n]+$", value)
    return [f'{name} ""', *(quote(p) for p in parts)]


def fill(entry: Entry, value: str | list[str]) -> None:
    """Replace the entry's msgstr lines (and fuzzy flag, and previous-msgid comments) with the translation."""
    forms = [value] if isinstance(value, str) else list(value)
    keep: list[str] = []
    in_msgstr = False
    for line in entry.lines:
        if not line.startswith('"'):
            in_msgstr = line.startswith("msgstr")
        if in_msgstr or line.startswith("#|"):
            continue
        if line.startswith("#,"):
            flags = [f for f in entry.flags if f != "fuzzy"]
            if flags:
                keep.append("#, " + ", ".join(flags))
            continue
        keep.append(line)
    if entry.msgid_plural is None:
        keep += _msgstr_lines("msgstr", forms[0])
    else:
        for index, form in enumerate(forms):
            keep += _msgstr_lines(f"msgstr[{index}]", form)
    entry.lines = keep
    entry.flags = [f for f in entry.flags if f != "fuzzy"]
    entry.msgstr = dict(enumerate(forms))


def plural_count(entries: list[Entry]) -> int:
    header = next((e for e in entries if e.msgid == ""), None)
    match = re.search(r"nplurals=(\d+)", "".join(header.msgstr.values()) if header else "")
    return int(match.group(1)) if match else 2


def main(argv: list[str]) -> int:
    export = "--export" in argv
    overwrite = "--overwrite" in argv
    po_path, glossary_path = [a for a in argv if not a.startswith("--")][:2]
    text = Path(po_path).read_text(encoding="utf-8")
    entries = parse(text)
    glossary_file = Path(glossary_path)
    glossary: dict[str, str | list[str]] = (
        json.loads(glossary_file.read_text(encoding="utf-8")) if glossary_file.exists() else {}
    )
    if export:
        for e in entries:
            if e.msgid and e.translated:
                glossary[e.key] = e.msgstr[0] if e.msgid_plural is None else [e.msgstr[i] for i in sorted(e.msgstr)]
        glossary_file.write_text(json.dumps(glossary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return 0
    nplurals = plural_count(entries)
    filled = 0
    for e in entries:
        if not e.msgid or e.key not in glossary or (e.translated and not overwrite):
            continue
        value = glossary[e.key]
        current = e.msgstr[0] if e.msgid_plural is None else [e.msgstr[i] for i in sorted(e.msgstr)]
        if e.translated and value == current:
            continue
        plural = e.msgid_plural is not None
        if not value or (plural and (isinstance(value, str) or len(value) != nplurals)):
            continue  # a singular translation for a plural entry (or a wrong count) is not a fill
        if not plural and not isinstance(value, str):
            continue
        fill(e, value)
        filled += 1
    Path(po_path).write_text("\n\n".join("\n".join(e.lines) for e in entries) + "\n", encoding="utf-8")
    sys.stderr.write(f"{po_path}: {filled} entries filled from {glossary_path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""How complete each shipped translation is: translated, untranslated and fuzzy entries per language.

    python tools/catalogue_status.py [--check] [LOCALE_DIR]

Prints one line per language under LOCALE_DIR (default src/trm/locale). With --check it exits 1
when a language is below 100% (an untranslated or a fuzzy entry), naming the first entries left.
Needs no gettext tools: it reads the .po files itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fill_translations import Entry, parse, plural_count

DEFAULT_LOCALE = Path(__file__).resolve().parents[1] / "src" / "trm" / "locale"


def status(po: Path) -> tuple[int, list[Entry], list[Entry]]:
    """(entries, untranslated, fuzzy) of one catalogue; the header is not an entry."""
    entries = parse(po.read_text(encoding="utf-8"))
    nplurals = plural_count(entries)
    live = [e for e in entries if e.msgid]
    fuzzy = [e for e in live if "fuzzy" in e.flags]
    untranslated = [
        e
        for e in live
        if "fuzzy" not in e.flags
        and not all(e.msgstr.get(i) for i in (range(nplurals) if e.msgid_plural is not None else [0]))
    ]
    return len(live), untranslated, fuzzy


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    locale = Path(args[0]) if args else DEFAULT_LOCALE
    catalogues = sorted(locale.glob("*/LC_MESSAGES/django.po"))
    if not catalogues:
        sys.stderr.write(f"no catalogue under {locale}\n")
        return 1
    incomplete = 0
    for po in catalogues:
        language = po.parents[1].name
        total, untranslated, fuzzy = status(po)
        done = total - len(untranslated) - len(fuzzy)
        percent = 100 * done / total if total else 100.0
        line = f"{language}: {done} of {total} translated ({percent:.1f}%)"
        if untranslated or fuzzy:
            incomplete += 1
            line += f", {len(untranslated)} untranslated, {len(fuzzy)} fuzzy"
        sys.stdout.write(line + "\n")
        if check:
            for e in (untranslated + fuzzy)[:10]:
                sys.stdout.write(f"  to translate: {e.msgid[:70]!r}\n")
    if check and incomplete:
        sys.stdout.write(f"{incomplete} language(s) below 100%: translate them (see docs/operations.md, Languages).\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Fill msgstr entries of a .po file from a JSON glossary (keeps existing translations)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path


def main(po_path: str, glossary_path: str) -> None:
    glossary = json.loads(Path(glossary_path).read_text(encoding="utf-8"))
    text = Path(po_path).read_text(encoding="utf-8")
    pattern = re.compile(r'^msgid "((?:[^"\\]|\\.)*)"\nmsgstr ""\n(?!")', re.M)

    def repl(m: re.Match[str]) -> str:
        key = m.group(1).encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        value = glossary.get(key)
        if not value:
            return m.group(0)
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'msgid "{m.group(1)}"\nmsgstr "{escaped}"\n'

    Path(po_path).write_text(pattern.sub(repl, text), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

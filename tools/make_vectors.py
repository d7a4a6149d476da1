"""Regenerate docs/vectors/*.json (the trm/1 test vectors).

    .venv/bin/python tools/make_vectors.py          # write the files
    .venv/bin/python tools/make_vectors.py --check  # exit 1 if the files are not up to date

Sealed tokens of messages.json (JWE, random ephemeral key) are kept from the existing
file when the case that produced them is unchanged; negative.json derives its ephemeral
keys and IVs from each case's name. Running this twice changes nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from trm.exchange import vectors  # noqa: E402

OUT = ROOT / "docs" / "vectors"


def dump(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    previous_path = OUT / "messages.json"
    previous = json.loads(previous_path.read_text()) if previous_path.exists() else None
    files = vectors.generate(previous)
    stale = []
    for name, value in files.items():
        path = OUT / name
        text = dump(value)
        if path.exists() and path.read_text() == text:
            continue
        stale.append(name)
        if not check:
            OUT.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    verb = "out of date" if check else "written"
    sys.stdout.write(f"{verb}: {', '.join(stale) or 'none'}\n")
    return 1 if check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

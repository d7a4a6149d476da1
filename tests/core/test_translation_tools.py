"""`make messages` keeps translations across a regenerated catalogue and reports completeness.

tools/fill_translations.py fills a catalogue from locale/<lang>/glossary.json (plural forms,
multi-line entries, fuzzy guesses replaced, checked translations kept); tools/catalogue_status.py
prints each language's completeness and, with --check, fails below 100%.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

HEADER = """msgid ""
msgstr ""
"Language: ro\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=3; plural=(n==1?0:(((n%100>19)||((n%100==0)&&(n!=0)))?2:1));\\n"
"""

CATALOGUE = (
    HEADER
    + """
#: a.py:1
msgid "Case"
msgstr ""

#: a.py:2
#, fuzzy
#| msgid "Cases"
msgid "Case closed"
msgstr "Cazuri"

#: a.py:3
msgid ""
"A long sentence that makemessages wrapped "
"over two lines."
msgstr ""

#: a.py:4
#, python-format
msgid "%(n)s case"
msgid_plural "%(n)s cases"
msgstr[0] ""
msgstr[1] ""
msgstr[2] ""

#: a.py:5
msgid "Save"
msgstr "Salvează"

#: a.py:6
msgid "Not in the glossary"
msgstr ""
"""
)

GLOSSARY = {
    "Case": "Caz",
    "Case closed": "Caz închis",
    "A long sentence that makemessages wrapped over two lines.": 'O frază lungă, cu "ghilimele".',
    "%(n)s case": ["%(n)s caz", "%(n)s cazuri", "%(n)s de cazuri"],
    "Save": "Salvare",  # differs from the checked translation, which is kept unless --overwrite
}


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / tool), *args], capture_output=True, text=True, timeout=60, check=False
    )


def write_catalogue(tmp_path: Path) -> tuple[Path, Path]:
    po = tmp_path / "ro" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(CATALOGUE, encoding="utf-8")
    glossary = tmp_path / "ro" / "glossary.json"
    glossary.write_text(json.dumps(GLOSSARY, ensure_ascii=False), encoding="utf-8")
    return po, glossary


def test_the_glossary_fills_every_kind_of_entry_and_keeps_checked_translations(tmp_path):
    po, glossary = write_catalogue(tmp_path)
    assert run("fill_translations.py", str(po), str(glossary)).returncode == 0
    text = po.read_text(encoding="utf-8")
    assert 'msgid "Case"\nmsgstr "Caz"' in text
    assert 'msgid "Case closed"\nmsgstr "Caz închis"' in text and "fuzzy" not in text and "#|" not in text
    assert 'msgstr "O frază lungă, cu \\"ghilimele\\"."' in text
    assert 'msgstr[0] "%(n)s caz"\nmsgstr[1] "%(n)s cazuri"\nmsgstr[2] "%(n)s de cazuri"' in text
    assert 'msgstr "Salvează"' in text
    assert '#, python-format\nmsgid "%(n)s case"' in text
    compiled = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, check=False)
    assert compiled.returncode == 0, compiled.stderr


def test_the_status_names_the_language_below_100_and_check_fails(tmp_path):
    po, glossary = write_catalogue(tmp_path)
    before = run("catalogue_status.py", "--check", str(tmp_path))
    assert before.returncode == 1
    assert "ro: 1 of 6 translated (16.7%), 4 untranslated, 1 fuzzy" in before.stdout
    run("fill_translations.py", str(po), str(glossary))
    after = run("catalogue_status.py", "--check", str(tmp_path))
    assert after.returncode == 1 and "ro: 5 of 6 translated (83.3%), 1 untranslated, 0 fuzzy" in after.stdout
    assert "'Not in the glossary'" in after.stdout


def test_the_export_writes_every_translation_back_to_the_glossary(tmp_path):
    po, glossary = write_catalogue(tmp_path)
    run("fill_translations.py", str(po), str(glossary))
    exported = tmp_path / "exported.json"
    assert run("fill_translations.py", "--export", str(po), str(exported)).returncode == 0
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data["Save"] == "Salvează" and data["%(n)s case"] == GLOSSARY["%(n)s case"]
    assert "Not in the glossary" not in data


def test_the_shipped_catalogues_are_complete():
    result = run("catalogue_status.py", "--check")
    assert result.returncode == 0, result.stdout
    assert {line.split(":")[0] for line in result.stdout.splitlines()} >= {"bg", "ro", "sv"}


def test_overwrite_applies_a_correction_made_in_the_glossary(tmp_path):
    po, glossary = write_catalogue(tmp_path)
    run("fill_translations.py", str(po), str(glossary))
    assert 'msgstr "Salvează"' in po.read_text(encoding="utf-8")
    assert run("fill_translations.py", "--overwrite", str(po), str(glossary)).returncode == 0
    text = po.read_text(encoding="utf-8")
    assert 'msgstr "Salvare"' in text and "Salvează" not in text

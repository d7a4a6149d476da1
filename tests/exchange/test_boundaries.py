"""The protocol part imports no part that knows users, cases or workflows (house.json: "never")."""

from __future__ import annotations

import ast
from pathlib import Path

EXCHANGE = Path(__file__).resolve().parents[2] / "src" / "trm" / "exchange"
FORBIDDEN = ("trm.accounts", "trm.cases", "trm.transnational", "trm.demo")


def imported_modules(tree: ast.AST) -> set[str]:
    """Every module an import statement names (top level or inside a function)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _forbidden(name: str) -> bool:
    return any(name == part or name.startswith(part + ".") for part in FORBIDDEN)


def test_it_finds_the_modules_an_import_names() -> None:
    tree = ast.parse("import trm.cases.models\ndef f():\n    from trm import accounts\n")
    assert {"trm.cases.models", "trm.accounts"} <= imported_modules(tree)
    assert _forbidden("trm.accounts") and _forbidden("trm.cases.models") and not _forbidden("trm.casesx")


def test_it_imports_no_accounts_cases_transnational_or_demo() -> None:
    modules = sorted(EXCHANGE.rglob("*.py"))
    assert len(modules) > 10
    offenders = {
        f"{path.relative_to(EXCHANGE)}: {name}"
        for path in modules
        for name in imported_modules(ast.parse(path.read_text(), filename=str(path)))
        if _forbidden(name)
    }
    assert not offenders, sorted(offenders)

"""The demo is a leaf: production code never imports it or Faker, and only demo and test nodes load it."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
DEMO = SRC / "trm" / "demo"
FORBIDDEN = ("trm.demo", "faker")


def _forbidden(module: str) -> bool:
    return any(module == name or module.startswith(f"{name}.") for name in FORBIDDEN)


def _package(module: str, is_package: bool) -> list[str]:
    parts = module.split(".")
    return parts if is_package else parts[:-1]


def forbidden_imports(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """Every import of the demo or Faker in ``source`` (module ``module``), at any depth."""
    found = []
    for node in ast.walk(ast.parse(source)):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package(module, is_package)
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            targets = [origin] if _forbidden(origin) else [f"{origin}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in {"__import__", "import_module"} and isinstance(node.args[0].value, str):
                targets = [node.args[0].value]
        found += [f"{module}:{node.lineno} imports {t}" for t in targets if _forbidden(t)]
    return found


def production_modules() -> list[tuple[Path, str]]:
    out = []
    for path in sorted((SRC / "trm").rglob("*.py")):
        if DEMO in path.parents:
            continue
        parts = path.relative_to(SRC).with_suffix("").parts
        out.append((path, ".".join(parts[:-1] if parts[-1] == "__init__" else parts)))
    return out


def test_no_production_module_imports_the_demo_or_faker():
    modules = production_modules()
    assert len(modules) > 100  # the walk found the tree
    found = []
    for path, module in modules:
        found += forbidden_imports(path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py")
    assert found == []


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("import trm.demo.accounts", "trm.accounts.views"),
        ("from trm.demo.accounts import ACCOUNTS", "trm.accounts.views"),
        ("from trm import demo", "trm.urls"),
        ("def f():\n    from ..demo import accounts", "trm.accounts.views"),
        ("def f():\n    from ...demo.synthetic import seed_staff", "trm.cases.management.seed"),
        ("from .demo import hooks", "trm.urls"),
        ("import faker", "trm.cases.models"),
        ("from faker import Faker", "trm.cases.models"),
        ("__import__('trm.demo.synthetic_cases', fromlist=['seed_cases'])", "trm.cases.views"),
        ("importlib.import_module('faker')", "trm.cases.views"),
    ],
)
def test_the_check_finds_every_form_of_import(source, module):
    assert forbidden_imports(source, module)


def test_the_check_leaves_other_imports_alone():
    source = "import trm.demonstrations\nfrom trm.cases import demography\nfrom ..network import nodes"
    assert forbidden_imports(source, "trm.cases.apps") == []
    assert forbidden_imports("from . import demo", "trm.cases", is_package=True) == []  # trm.cases.demo


PRODUCTION = {
    "TRM_MODE": "production",
    "TRM_SECRET_KEY": "x" * 60,
    "TRM_FIELD_KEYS": "k1:" + "A" * 43,
    "TRM_NODE_ID": "se-nrm",
    "TRM_COUNTRY": "SE",
    "TRM_ALLOWED_HOSTS": "trm.example.org",
    "TRM_DATA_DIR": "/tmp/trm-settings-test",
}

# Loads every app, URL and API route, then says whether the demo app and what it pulls in got loaded.
PROBE = """
import sys, django
django.setup()
from django.apps import apps
from django.urls import get_resolver
get_resolver().url_patterns
import trm.api
loaded = sorted(m for m in sys.modules if m == "faker" or m.startswith(("faker.", "trm.demo")))
print(apps.is_installed("trm.demo"), loaded)
"""


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TRM_", "DATABASE_URL", "DJANGO_"))}
    clean.update(env, PYTHONPATH=str(SRC), DJANGO_SETTINGS_MODULE="trm.settings")
    return subprocess.run([sys.executable, *args], env=clean, capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.mark.parametrize("mode", ["production", "development"])
def test_a_node_outside_demo_and_test_mode_loads_neither_the_demo_nor_faker(mode):
    result = run(["-c", PROBE], **{**PRODUCTION, "TRM_MODE": mode})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False []"


def test_a_demo_node_loads_the_demo():
    result = run(["-c", PROBE], TRM_MODE="demo", TRM_DATA_DIR="/tmp/trm-settings-test")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True ")


def test_trm_demo_outside_demo_mode_says_how_to_run_it():
    result = run(["-m", "trm.cli", "demo"], **PRODUCTION)
    assert result.returncode == 2
    assert "runs only with TRM_MODE=demo" in result.stderr
    assert "Traceback" not in result.stderr

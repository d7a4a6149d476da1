"""axe-core in the browser tests: a page must have no violation (axe-playwright-python bundles axe-core)."""

from __future__ import annotations

from typing import Any

import pytest


def assert_no_violations(page: Any, what: str) -> None:
    """Run axe-core on the page as it is now and fail with axe's report on any violation."""
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    results = axe_module.Axe().run(page)
    assert results.violations_count == 0, f"{what}: {results.generate_report()}"

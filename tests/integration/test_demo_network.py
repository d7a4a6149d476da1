"""`make run` as a person would use it: three node processes on 127.0.0.1, then a clean stop."""

from __future__ import annotations

import os
import time

import pytest

from tests.nodes import demo_network, get

pytestmark = pytest.mark.integration


def test_the_demo_starts_three_nodes_and_stops_cleanly(tmp_path):
    with demo_network(tmp_path, nodes=3, language=None, migrated=False) as urls:
        pages = [get(f"{url}/accounts/login/") for url in urls]
        assert all(status == 200 for status, _ in pages)
        assert "Sweden NRM (destination)" in pages[0][1]
        assert "Bulgaria NRM (origin)" in pages[1][1]
        assert "Romania NRM (origin)" in pages[2][1]
        # Each node opens in its country's language.
        assert 'lang="sv"' in pages[0][1] and "Demokonton" in pages[0][1]
        assert 'lang="bg"' in pages[1][1] and "Демонстрационни профили" in pages[1][1]
        assert 'lang="ro"' in pages[2][1] and "Conturi demonstrative" in pages[2][1]
        assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["bg-nrm", "ro-nrm", "se-nrm"]
    # Stopped cleanly: no process of the launcher's group is left. (Its ports may already
    # serve another test's nodes, so they prove nothing.)
    for _ in range(20):
        try:
            os.killpg(urls.pgid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.5)
    else:
        pytest.fail("a process of the demo outlived its stop by 10 s")

from __future__ import annotations

import pytest

from tests.cases.builders import World
from tests.transnational.conftest import two  # noqa: F401 - the two-node fixture, shared


@pytest.fixture
def world(db):
    return World()

from __future__ import annotations

import pytest

from tests.cases.builders import World


@pytest.fixture
def world(db):
    return World()

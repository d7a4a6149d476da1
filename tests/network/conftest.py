from __future__ import annotations

import pytest

from tests.factories import make_user, verified_client
from tests.network import builders
from trm.accounts.roles import Role


@pytest.fixture
def secretariat(client_as):
    return client_as(Role.SECRETARIAT)


@pytest.fixture
def coordinator_user(db, org):
    """A focal point whose directory entry is the current coordinator of Bulgaria."""
    user = make_user(Role.FOCAL_POINT, org=org)
    builders.person(code="BG", user=user)
    return user


@pytest.fixture
def coordinator(coordinator_user):
    return verified_client(coordinator_user)


# Roles without Cap.MANAGE_NETWORK and without a directory entry: refused everywhere.
OUTSIDERS = [r for r in Role if r != Role.SECRETARIAT]

from __future__ import annotations

import ipaddress
import socket

import pytest

from tests.factories import make_org, make_user, verified_client
from trm.accounts.roles import Role

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    # Tests may only talk to this machine (and its database server).
    host = address[0] if isinstance(address, tuple) else None
    if host is not None:
        try:
            if not ipaddress.ip_address(host).is_loopback:
                raise OSError(f"tests may not connect to {host}")
        except ValueError:
            if host not in ("localhost",):
                raise OSError(f"tests may not connect to {host}") from None
    return _real_connect(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]


@pytest.fixture
def org(db):
    return make_org(name="Home Organisation")


@pytest.fixture
def user_with_role(db, org):
    def build(role: Role | str | None, **kwargs):
        kwargs.setdefault("org", org)
        return make_user(role, **kwargs)

    return build


@pytest.fixture
def client_as(db, org):
    """client_as(role) -> a client logged in (two-factor verified) as a new user with that role."""

    def build(role: Role | str | None, **kwargs):
        kwargs.setdefault("org", org)
        return verified_client(make_user(role, **kwargs))

    return build


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Each test starts in English: a request served in another language leaves its language active."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()

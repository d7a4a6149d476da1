"""Fuzzing POST /trm/1/inbox: random and mutated bodies never get a 500 and store nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.exchange.shell_support import Net, setup_network
from trm.exchange import inbox, jose
from trm.exchange.models import InboxMessage

REFUSAL_STATUSES = {400, 403, 413, 421, 422, 451}
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.fixture
def net(db) -> Net:
    return setup_network()


@pytest.fixture
def token(net: Net) -> str:
    return net.token()


def post(body: bytes):
    return Client().post("/trm/1/inbox", data=body, content_type="application/trm1+jwe")


def check_refused(response) -> None:
    if response.status_code == 415 and not response.wsgi_request.body:
        return  # Django's test client sends no Content-Type with an empty body
    assert response.status_code in REFUSAL_STATUSES, response.status_code
    _header, payload = jose.jws_parts(response.content.decode())
    assert json.loads(payload)["status"] == "rejected"
    assert InboxMessage.objects.count() == 0


@FUZZ
@given(body=st.binary(max_size=2048))
def test_random_bytes_are_refused(net: Net, body: bytes) -> None:
    check_refused(post(body))


@FUZZ
@given(parts=st.lists(st.text(alphabet=B64URL, max_size=60), min_size=1, max_size=7))
def test_random_compact_serialisations_are_refused(net: Net, parts: list[str]) -> None:
    check_refused(post(".".join(parts).encode()))


@FUZZ
@given(data=st.data())
def test_mutated_tokens_are_refused_or_accepted_whole(net: Net, token: str, data) -> None:
    position = data.draw(st.integers(0, len(token) - 1))
    kind = data.draw(st.sampled_from(["replace", "delete", "insert", "truncate"]))
    char = data.draw(st.sampled_from(B64URL + ".="))
    if kind == "replace":
        mutated = token[:position] + char + token[position + 1 :]
    elif kind == "delete":
        mutated = token[:position] + token[position + 1 :]
    elif kind == "insert":
        mutated = token[:position] + char + token[position:]
    else:
        mutated = token[:position]
    response = post(mutated.encode())
    assert response.status_code != 500
    if response.status_code == 200:
        # A mutation that leaves the bytes the same after base64url decoding (unused bits of a
        # final character) is the same message: stored once, never twice.
        assert InboxMessage.objects.count() == 1
        InboxMessage.objects.all().delete()
    else:
        check_refused(response)


@FUZZ
@given(
    envelope=st.dictionaries(
        st.text(max_size=12),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
            max_leaves=10,
        ),
        max_size=8,
    )
)
def test_validly_sealed_garbage_envelopes_are_refused(net: Net, envelope: dict) -> None:
    from django.utils import timezone

    from tests.exchange.shell_support import PEER_SIG
    from trm.exchange.vectors import craft

    envelope = {"from": "xk.nrm", **envelope}
    token = craft(envelope, signer=PEER_SIG, recipient=net.trust_list.encryption_key(net.us, timezone.now()))
    check_refused(post(token.encode()))


def test_an_oversized_random_body_is_refused(net: Net) -> None:
    check_refused(post(b"\x00" * (inbox.MAX_BYTES + 2000)))

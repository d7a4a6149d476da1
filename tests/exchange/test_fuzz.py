"""Fuzzing: whatever a peer sends, open_ raises RemoteProtocolError or returns a Message."""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trm.exchange import jose, protocol
from trm.exchange.errors import RemoteProtocolError
from trm.exchange.messages import Message
from trm.exchange.trustlist import TrustList, canonical_json, load_trust_list, sign_trust_list
from trm.exchange.vectors import NOW, craft, keys, sample_message, trust_list_doc

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@functools.cache
def net() -> tuple[dict[str, jose.PrivateKey], TrustList]:
    keyset = keys()
    token = sign_trust_list(trust_list_doc(keyset), authority_key=keyset["authority"], now=NOW)
    return keyset, load_trust_list(token, authority_public_key=keyset["authority"].public(), now=NOW)


@functools.cache
def good_token() -> str:
    keyset, trust_list = net()
    message = sample_message("referral_offer")
    return protocol.seal(
        message, sender_key=keyset["xk.sig"], recipient_key=trust_list.encryption_key("al.nrm", NOW), now=NOW
    )


def open_or_refuse(token: str | bytes) -> Message | None:
    keyset, trust_list = net()
    try:
        return protocol.open_(
            token,
            our_node_id="al.nrm",
            our_keys=[keyset["al.enc.2025"], keyset["al.enc.2026"]],
            trust_list=trust_list,
            now=NOW,
            seen=set(),
        )
    except RemoteProtocolError:
        return None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(st.binary(max_size=2000))
def test_it_refuses_random_bytes(data: bytes) -> None:
    assert open_or_refuse(data) is None


@FUZZ
@given(st.text(max_size=2000))
def test_it_refuses_random_text(data: str) -> None:
    assert open_or_refuse(data) is None


@FUZZ
@given(st.lists(st.text(alphabet=B64URL, max_size=60), min_size=1, max_size=7))
def test_it_refuses_random_compact_shapes(parts: list[str]) -> None:
    assert open_or_refuse(".".join(parts)) is None


@FUZZ
@given(st.data())
def test_it_refuses_mutated_tokens(data: st.DataObject) -> None:
    token = good_token()
    position = data.draw(st.integers(0, len(token) - 1))
    action = data.draw(st.sampled_from(["replace", "delete", "insert"]))
    char = data.draw(st.sampled_from(B64URL + "."))
    if action == "replace":
        mutated = token[:position] + char + token[position + 1 :]
    elif action == "delete":
        mutated = token[:position] + token[position + 1 :]
    else:
        mutated = token[:position] + char + token[position:]
    result = open_or_refuse(mutated)
    # A base64url change in the unused low bits of the last character can decode to the
    # same bytes; the message is then genuinely intact.
    assert result is None or result == sample_message("referral_offer")


@FUZZ
@given(st.binary(max_size=500))
def test_it_refuses_random_plaintexts(plaintext: bytes) -> None:
    keyset, _ = net()
    token = jose.encrypt(plaintext, typ="trm1+jwe", cty="trm1+jws", recipient=keyset["al.enc.2026"].public())
    assert open_or_refuse(token) is None


@FUZZ
@given(json_values)
def test_it_refuses_random_signed_payloads(value: Any) -> None:
    keyset, _ = net()
    signed = jose.sign(canonical_json(value), typ="trm1+jws", key=keyset["xk.sig"])
    token = jose.encrypt(signed.encode(), typ="trm1+jwe", cty="trm1+jws", recipient=keyset["al.enc.2026"].public())
    assert open_or_refuse(token) is None


@FUZZ
@given(st.sampled_from(sorted(sample_message("case_notification").to_envelope())), json_values)
def test_it_refuses_envelopes_with_one_random_member(member: str, value: Any) -> None:
    keyset, _ = net()
    envelope = sample_message("case_notification").to_envelope()
    envelope[member] = value
    token = craft(envelope, signer=keyset["xk.sig"], recipient=keyset["al.enc.2026"].public())
    result = open_or_refuse(token)
    assert result is None or result.to_envelope() == envelope


@FUZZ
@given(st.dictionaries(st.sampled_from(["case_ref", "nationality", "is_child", "urgency", "x"]), json_values))
def test_it_refuses_random_bodies(body: dict[str, Any]) -> None:
    keyset, _ = net()
    envelope = sample_message("case_notification").to_envelope() | {"body": body}
    token = craft(envelope, signer=keyset["xk.sig"], recipient=keyset["al.enc.2026"].public())
    assert open_or_refuse(token) is None


@FUZZ
@given(st.binary(max_size=1000) | st.text(max_size=1000))
def test_it_refuses_random_receipts_and_trust_lists(data: str | bytes) -> None:
    keyset, trust_list = net()
    for call in (
        lambda: protocol.verify_receipt(data, sent_token="x", receiver="al.nrm", trust_list=trust_list, now=NOW),
        lambda: load_trust_list(data, authority_public_key=keyset["authority"].public(), now=NOW),
    ):
        try:
            call()
        except RemoteProtocolError:
            pass
        else:  # pragma: no cover - would be a failure
            raise AssertionError("accepted random input")

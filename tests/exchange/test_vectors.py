"""The published trm/1 test vectors (docs/vectors/*.json) are the tests."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from trm.exchange import jose, protocol, schemas, vectors
from trm.exchange.errors import Code, ProtocolError
from trm.exchange.messages import parse_time
from trm.exchange.trustlist import TrustList, canonical_json, load_trust_list, sign_trust_list

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "vectors"


@functools.cache
def read(name: str) -> Any:
    return json.loads((VECTORS / name).read_text())


@functools.cache
def private_keys() -> dict[str, jose.PrivateKey]:
    return {name: jose.private_key_from_jwk(jwk, jwk["use"]) for name, jwk in read("keys.json")["keys"].items()}


def authority() -> jose.PublicKey:
    return jose.public_key_from_jwk(read("keys.json")["authority_public_jwk"], "sig")


@functools.cache
def trust_list() -> TrustList:
    data = read("trust_list.json")
    return load_trust_list(data["token"], authority_public_key=authority(), now=parse_time(data["now"]))


def test_it_derives_the_keys_from_their_seeds() -> None:
    for name, key in private_keys().items():
        assert key.kid == jose.key_from_seed(vectors.seed(name), key.use).kid


def test_it_signs_the_trust_list_to_the_exact_token() -> None:
    data = read("trust_list.json")
    assert canonical_json(data["document"]).decode() == data["canonical_payload"]
    token = sign_trust_list(data["document"], authority_key=private_keys()["authority"], now=parse_time(data["now"]))
    assert token == data["token"]
    assert jose.verify(token, authority()).decode() == data["canonical_payload"]


@pytest.mark.parametrize("case", read("trust_list.json")["cases"], ids=lambda case: case["name"])
def test_it_loads_or_refuses_each_trust_list_vector(case: dict[str, Any]) -> None:
    try:
        result = load_trust_list(
            case["token"],
            authority_public_key=authority(),
            now=parse_time(case["now"]),
            previous_sequence=case["previous_sequence"],
        )
    except ProtocolError as err:
        assert case["expect"] == {"error": err.code}
    else:
        assert case["expect"] == {"sequence": result.sequence}


@pytest.mark.parametrize("case", read("messages.json")["cases"], ids=lambda case: case["name"])
def test_it_opens_or_refuses_each_message_vector(case: dict[str, Any]) -> None:
    try:
        message = protocol.open_(
            case["token"],
            our_node_id=case["our_node_id"],
            our_keys=[private_keys()[name] for name in case["our_keys"]],
            trust_list=trust_list(),
            now=parse_time(case["now"]),
            seen=set(case["seen"]),
            max_bytes=case.get("max_bytes", protocol.DEFAULT_MAX_BYTES),
        )
    except ProtocolError as err:
        assert case["expect"] == {"error": err.code}
    else:
        assert case["expect"]["envelope"] == message.to_envelope()
        assert case["expect"]["sender_kid"] == message.sender_kid
        assert case["expect"]["token_sha256"] == message.token_sha256


def test_it_has_a_vector_for_every_type_and_every_open_refusal() -> None:
    names = {case["name"] for case in read("messages.json")["cases"]}
    assert {f"accept_{type_}" for type_ in vectors.SAMPLE_BODIES} <= names
    errors = {case["expect"].get("error") for case in read("messages.json")["cases"]} - {None}
    not_from_open = {
        Code.NO_ENCRYPTION_KEY,
        Code.MALFORMED_RECEIPT,
        Code.RECEIPT_MISMATCH,
        *(code for code in Code if code.startswith("trust_list_")),
    }
    assert errors == {str(code) for code in set(Code) - not_from_open}


@pytest.mark.parametrize("case", read("receipts.json")["cases"], ids=lambda case: case["name"])
def test_it_reproduces_each_receipt_exactly(case: dict[str, Any]) -> None:
    key = private_keys()[case["signed_with"]]
    assert (
        jose.sign(canonical_json(case["expected_payload"]), typ=protocol.RECEIPT_TYP, key=key)
        == (case["expected_token"])
    )
    receipt = protocol.verify_receipt(
        case["expected_token"],
        sent_token=case["sent_token"],
        receiver=case["receiver"],
        trust_list=trust_list(),
        now=parse_time(case["received"]),
    )
    assert receipt.to_payload() == case["expected_payload"]


def test_it_publishes_the_schemas_in_use() -> None:
    assert read("schemas.json") == json.loads(json.dumps(schemas.published()))


def test_it_regenerates_the_same_vectors() -> None:
    files = vectors.generate(read("messages.json"))
    for name, value in files.items():
        assert json.loads(json.dumps(value)) == read(name), name

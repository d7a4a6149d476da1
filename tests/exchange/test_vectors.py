"""The published trm/1 test vectors (docs/vectors/*.json) are the tests."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from trm.exchange import jose, protocol, schemas, vectors
from trm.exchange.errors import HTTP_STATUS, Code, ProtocolError
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
            seen=vectors.seen_pairs(case["seen"]),
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


# --- refusal vectors (negative.json, receipts_negative.json, trustlist_negative.json) ------


def _open_negative(case: dict[str, Any]) -> tuple[str, str, str | None]:
    data = read("negative.json")
    keys = private_keys()
    try:
        message = protocol.open_(
            case["body"],
            our_node_id="al.nrm",
            our_keys=[keys["al.enc.2025"], keys["al.enc.2026"]],
            trust_list=trust_list(),
            now=parse_time(data["now"]),
            seen=vectors.seen_pairs(case["seen"]),
            max_bytes=data["max_bytes"],
        )
    except ProtocolError as err:
        if err.code == Code.REPLAYED:
            return "duplicate", str(err.code), err.message_id
        return "rejected", str(err.code), err.message_id
    return "accepted", "", message.id


@pytest.mark.parametrize("case", read("negative.json")["cases"], ids=lambda case: case["name"])
def test_it_answers_each_negative_vector(case: dict[str, Any]) -> None:
    status, code, message_id = _open_negative(case)
    expect = case["expect"]
    assert status == expect["status"]
    assert code == expect.get("code", "")
    assert message_id == expect["receipt_message_id"]
    assert (
        protocol.token_digest(case["body"], max_bytes=read("negative.json")["max_bytes"])
        == (case["receipt_token_sha256"])
    )
    if status == "rejected":
        assert HTTP_STATUS[Code(code)] == expect["http_status"]


@pytest.mark.parametrize("case", read("receipts_negative.json")["cases"], ids=lambda case: case["name"])
def test_it_verifies_or_refuses_each_receipt_vector(case: dict[str, Any]) -> None:
    try:
        receipt = protocol.verify_receipt(
            case["receipt"],
            sent_token=case["sent_token"],
            receiver=case["receiver"],
            trust_list=trust_list(),
            now=parse_time(case["now"]),
            message_id=case["sent_message_id"],
        )
    except ProtocolError as err:
        assert case["expect"] == {"error": err.code}
    else:
        assert case["expect"] == {"status": receipt.status, "code": receipt.code}


@pytest.mark.parametrize("case", read("trustlist_negative.json")["cases"], ids=lambda case: case["name"])
def test_it_loads_or_refuses_each_trust_list_refusal_vector(case: dict[str, Any]) -> None:
    try:
        result = load_trust_list(
            case["token"],
            authority_public_key=authority(),
            now=parse_time(case["now"]),
            previous_sequence=case["previous_sequence"],
            max_bytes=case.get("max_bytes", 1024 * 1024),
        )
    except ProtocolError as err:
        assert case["expect"] == {"error": err.code}
    else:
        assert case["expect"] == {"sequence": result.sequence}


def _checks(name: str, prefix: str) -> set[int]:
    """The check numbers that some refusal of file ``name`` exercises."""
    refusals = [
        case
        for case in read(name)["cases"]
        if case["expect"].get("status") not in ("accepted", None) or "error" in case["expect"]
    ]
    return {int(case["check"].removeprefix(prefix)) for case in refusals if case["check"].startswith(prefix)}


def test_it_has_a_refusal_vector_for_every_check() -> None:
    # docs/protocol.md: 30 checks in section 7, 12 in 8.3 (8 is part of 4), 8 in 10.2.
    assert _checks("negative.json", "7.") == set(range(1, 31))
    assert _checks("receipts_negative.json", "8.3.") == set(range(1, 13)) - {8}
    assert _checks("trustlist_negative.json", "10.2.") == set(range(1, 9))


# Every point of "a protocol another country can implement exactly": a named refusal (or
# acceptance) vector with its documented code.
POINTS = {
    "duplicate member names": [
        "c08_duplicate_asylum_seeker_true_false",
        "c02_header_duplicate_member",
        "c07_duplicate_member",
    ],
    "regular-expression dialect": [
        "c22_date_arabic_indic_digits",
        "c16_arabic_indic_digits",
        "c22_pattern_final_newline",
    ],
    "JWE header allow-list": ["c04_zip", "c04_jku", "c04_x5u", "c04_jwk", "c04_crit", "c04_apu", "c04_apu_empty"],
    "JWS header allow-list": ["c07_extra_member", "c07_b64_false"],
    "typ comparison": ["c03_typ_case", "c03_typ_media_type", "c07_typ_case"],
    "byte-identical retry": ["c30_byte_identical_retry"],
    "integers only": ["c08_fraction", "c08_exponent", "c08_negative_zero", "c08_big_integer"],
    "strict base64url": [
        "c02_padding",
        "c02_noncanonical_tag",
        "c02_noncanonical_header",
        "c07_noncanonical_signature",
        "c22_base64_not_canonical",
    ],
    "canonical protected header": ["c07_member_order", "c07_white_space", "accept_jwe_header_any_order"],
    "white space and the size limit": [
        "accept_white_space_around",
        "accept_filled_token_with_white_space",
        "c02_vertical_tab",
        "c01_white_space_over_slack",
        "c01_oversized_unread",
    ],
    "replay per sender": ["accept_same_id_from_another_sender", "c30_replayed"],
    "leap second": ["c16_leap_second", "c22_timestamp_leap_second"],
    "message_ids tied to scope": [
        "c22_listed_messages_without_ids",
        "c22_conversation_with_ids",
        "accept_listed_messages_with_ids",
    ],
    "order of the checks": ["order_13_before_16", "order_23_before_25", "order_25_before_29"],
    "any id version": ["accept_any_uuid_version"],
    "lengths in code points": ["c22_text_too_long", "accept_text_of_200_astral_code_points"],
}


def test_it_has_a_vector_for_every_point_settled_in_revision_2() -> None:
    names = {case["name"] for case in read("negative.json")["cases"]}
    missing = {point: [n for n in cases if n not in names] for point, cases in POINTS.items()}
    assert not any(missing.values()), missing
    receipts = {case["name"] for case in read("receipts_negative.json")["cases"]}
    assert {"accept_oversized_unread", "r02_duplicate_member", "r03_extra_member"} <= receipts
    lists = {case["name"] for case in read("trustlist_negative.json")["cases"]}
    assert {"t05_duplicate_member", "t05_fraction", "t02_typ_case", "t05_leap_second"} <= lists

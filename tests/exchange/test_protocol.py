"""trm/1 protocol core: build, seal, open_, receipts (see docs/protocol.md)."""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
from datetime import timedelta
from typing import Any

import pytest

from trm.exchange import jose, protocol, schemas
from trm.exchange.errors import HTTP_STATUS, Code, LocalProtocolError, ProtocolError, RemoteProtocolError
from trm.exchange.messages import MESSAGE_TYPES, Handling, Message, format_time, message_from_envelope, parse_time
from trm.exchange.trustlist import TrustList, canonical_json, load_trust_list, sign_trust_list
from trm.exchange.vectors import (
    CONVERSATION,
    NOW,
    SAMPLE_BODIES,
    craft,
    keys,
    message_id,
    sample_message,
    tamper,
    trust_list_doc,
)


@functools.cache
def net() -> tuple[dict[str, jose.PrivateKey], TrustList]:
    keyset = keys()
    token = sign_trust_list(trust_list_doc(keyset), authority_key=keyset["authority"], now=NOW)
    return keyset, load_trust_list(token, authority_public_key=keyset["authority"].public(), now=NOW)


def k(name: str) -> jose.PrivateKey:
    return net()[0][name]


def tl() -> TrustList:
    return net()[1]


def seal(message: Message, signer: str = "xk.sig", **kw: Any) -> str:
    kw.setdefault("recipient_key", tl().encryption_key(message.recipient, NOW))
    kw.setdefault("now", NOW)
    return protocol.seal(message, sender_key=k(signer), **kw)


def open_(token: str | bytes, **kw: Any) -> Message:
    kw.setdefault("our_node_id", "al.nrm")
    kw.setdefault("our_keys", [k("al.enc.2025"), k("al.enc.2026"), k("al.sig.2026")])
    kw.setdefault("trust_list", tl())
    kw.setdefault("now", NOW)
    kw.setdefault("seen", set())
    return protocol.open_(token, **kw)


def refused(code: Code, token: str | bytes, **kw: Any) -> RemoteProtocolError:
    with pytest.raises(RemoteProtocolError) as info:
        open_(token, **kw)
    assert info.value.code == code, info.value
    return info.value


def crafted(envelope: dict[str, Any], signer: str = "xk.sig", **kw: Any) -> str:
    return craft(envelope, signer=k(signer), recipient=k("al.enc.2026").public(), **kw)


def envelope(**changes: Any) -> dict[str, Any]:
    return {**sample_message("case_notification").to_envelope(), **changes}


# --- round trips -------------------------------------------------------------------


@pytest.mark.parametrize("type_", sorted(MESSAGE_TYPES))
def test_it_round_trips_every_message_type(type_: str) -> None:
    message = sample_message(type_)
    token = seal(message)
    opened = open_(token)
    assert opened == message
    assert opened.body == SAMPLE_BODIES[type_]
    assert opened.sender_kid == k("xk.sig").kid
    assert len(opened.token_sha256 or "") == 64


def test_it_opens_bytes_with_surrounding_white_space() -> None:
    message = sample_message("case_closure")
    assert open_((seal(message) + "\r\n").encode()) == message


def test_it_builds_the_envelope_members() -> None:
    message = sample_message("referral_accept")
    env = json.loads(protocol.encode(message))
    assert env["v"] == "trm/1"
    assert env["from"] == "xk.nrm" and env["to"] == "al.nrm"
    assert env["created"] == "2026-03-02T10:00:00Z"
    assert env["expires"] == "2026-03-09T10:00:00Z"
    assert env["in_reply_to"] == message_id("referral_request")
    assert env["handling"] == {"codes": ["H0", "H2"]}
    assert "best_interests_ref" not in env


def test_it_drops_microseconds_and_keeps_h3_text() -> None:
    message = sample_message(
        "case_notification",
        now=NOW + timedelta(microseconds=1234),
        handling=Handling(("H3",), "Use only for assistance planning."),
    )
    assert message.created == NOW
    assert open_(seal(message)).handling == Handling(("H3",), "Use only for assistance planning.")


def test_it_accepts_an_old_signing_key_during_rotation_overlap() -> None:
    message = sample_message("risk_assessment_response", sender="al.nrm", recipient="xk.nrm")
    token = seal(message, "al.sig.2025", recipient_key=k("xk.enc").public())
    assert open_(token, our_node_id="xk.nrm", our_keys=[k("xk.enc")]).sender_kid == k("al.sig.2025").kid


def test_it_seals_to_the_newest_encryption_key() -> None:
    message = sample_message("case_notification")
    token = protocol.seal_for(message, sender_key=k("xk.sig"), trust_list=tl(), now=NOW)
    assert jose.jwe_header(token)["kid"] == k("al.enc.2026").kid
    assert open_(token, our_keys=[k("al.enc.2026")]) == message


def test_it_accepts_a_seen_callable() -> None:
    message = sample_message("urgent_alert")
    asked: list[tuple[str, str]] = []

    def seen(sender: str, mid: str) -> bool:
        asked.append((sender, mid))
        return False

    assert open_(seal(message), seen=seen) == message
    assert asked == [("xk.nrm", message.id)]


def test_it_accepts_within_clock_skew() -> None:
    message = sample_message("case_notification")
    token = seal(message)
    assert open_(token, now=NOW - timedelta(minutes=5)) == message
    assert open_(token, now=message.expires + timedelta(minutes=4)) == message


# --- refusals on open_, one per code ------------------------------------------------


def test_it_refuses_an_oversized_token() -> None:
    refused(Code.OVERSIZED, seal(sample_message("case_notification")), max_bytes=1000)


@pytest.mark.parametrize(
    "token",
    [
        "not a token",
        "a.b.c.d.e",
        b"\xff\xfe.a.b.c.d",
        "eyJhbGciOiJFQ0RILUVTIn0.a.b.c.d",  # alg only, no typ
    ],
)
def test_it_refuses_malformed_tokens(token: str | bytes) -> None:
    refused(Code.MALFORMED_TOKEN, token)


def test_it_refuses_a_jwe_with_other_algorithms() -> None:
    token = seal(sample_message("case_notification"))
    header = jose.jwe_header(token) | {"enc": "A128GCM"}
    forged = base64.urlsafe_b64encode(json.dumps(header).encode()).decode().rstrip("=")
    refused(Code.MALFORMED_TOKEN, ".".join([forged, *token.split(".")[1:]]))


def test_it_refuses_another_protocol_version_in_typ() -> None:
    refused(Code.UNSUPPORTED_VERSION, crafted(envelope(), jwe_typ="trm2+jwe"))
    refused(Code.UNSUPPORTED_VERSION, crafted(envelope(), jws_typ="trm2+jws"))
    refused(Code.MALFORMED_TOKEN, crafted(envelope(), jws_typ="JWT"))


def test_it_refuses_a_token_for_a_key_we_do_not_hold() -> None:
    token = seal(sample_message("case_notification"), recipient_key=k("zz.enc").public())
    refused(Code.UNKNOWN_RECIPIENT_KEY, token)


@pytest.mark.parametrize("part", [2, 3, 4])
def test_it_refuses_tampered_ciphertext(part: int) -> None:
    token = seal(sample_message("case_notification"))
    refused(Code.UNDECRYPTABLE, tamper(token, part))


def test_it_refuses_an_encrypted_key_with_direct_key_agreement() -> None:
    parts = seal(sample_message("case_notification")).split(".")
    parts[1] = "AAAA"
    refused(Code.MALFORMED_TOKEN, ".".join(parts))


def test_it_refuses_a_header_member_trm1_does_not_define() -> None:
    token = seal(sample_message("case_notification"))
    header = jose.jwe_header(token) | {"x5u": "https://example.org"}
    forged = base64.urlsafe_b64encode(json.dumps(header).encode()).decode().rstrip("=")
    refused(Code.MALFORMED_TOKEN, ".".join([forged, *token.split(".")[1:]]))


def test_it_refuses_a_re_encoded_protected_header() -> None:
    # The header's bytes are the AAD: the same members written otherwise do not decrypt.
    token = seal(sample_message("case_notification"))
    header = jose.jwe_header(token)
    forged = base64.urlsafe_b64encode(json.dumps(header, indent=1).encode()).decode().rstrip("=")
    refused(Code.UNDECRYPTABLE, ".".join([forged, *token.split(".")[1:]]))


def _encrypt_raw(plaintext: bytes) -> str:
    return jose.encrypt(plaintext, typ="trm1+jwe", cty="trm1+jws", recipient=k("al.enc.2026").public())


@pytest.mark.parametrize("plaintext", [b"\xff\xff", b"not a jws", b"a.b"])
def test_it_refuses_a_plaintext_that_is_not_a_jws(plaintext: bytes) -> None:
    refused(Code.MALFORMED_TOKEN, _encrypt_raw(plaintext))


def test_it_refuses_an_inner_jws_without_kid() -> None:
    inner = jose.sign(b"{}", typ="trm1+jws", key=k("xk.sig"))
    header = base64.urlsafe_b64encode(b'{"alg":"Ed25519","typ":"trm1+jws"}').decode().rstrip("=")
    refused(Code.MALFORMED_TOKEN, _encrypt_raw(".".join([header, *inner.split(".")[1:]]).encode()))


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b'{"from": 7}', b"{}"])
def test_it_refuses_a_payload_that_is_not_an_envelope(payload: bytes) -> None:
    refused(Code.MALFORMED_ENVELOPE, _encrypt_raw(jose.sign(payload, typ="trm1+jws", key=k("xk.sig")).encode()))


def test_it_refuses_an_unknown_sender() -> None:
    refused(Code.UNKNOWN_SENDER, crafted(envelope(**{"from": "zz.nrm"}), "zz.sig"))


def test_it_refuses_a_revoked_sender_node() -> None:
    refused(Code.SENDER_REVOKED, crafted(envelope(**{"from": "me.nrm"}), "me.sig"))


def test_it_refuses_a_key_of_another_node() -> None:
    refused(Code.UNKNOWN_SENDER_KEY, crafted(envelope(), "rs.sig"))


def test_it_refuses_a_revoked_key() -> None:
    refused(Code.KEY_REVOKED, crafted(envelope(**{"from": "rs.nrm"}), "rs.sig.revoked"))


def test_it_refuses_a_bad_signature() -> None:
    token = crafted(envelope())
    # Re-encrypt the inner JWS with one signature character changed.
    inner = jose.decrypt(token, k("al.enc.2026")).decode()
    refused(Code.BAD_SIGNATURE, _encrypt_raw(tamper(inner, 2).encode()))


def test_it_refuses_a_bad_signature_for_a_valid_other_envelope() -> None:
    signed = jose.sign(canonical_json(envelope()), typ="trm1+jws", key=k("xk.sig"))
    other = jose.sign(canonical_json(envelope(purpose="identification")), typ="trm1+jws", key=k("xk.sig"))
    spliced = ".".join([*other.split(".")[:2], signed.split(".")[2]])
    refused(Code.BAD_SIGNATURE, _encrypt_raw(spliced.encode()))


def test_it_refuses_another_envelope_version() -> None:
    error = refused(Code.UNSUPPORTED_VERSION, crafted(envelope(v="trm/2")))
    assert error.message_id == message_id("case_notification")


def test_it_refuses_a_malformed_envelope() -> None:
    env = envelope()
    del env["conversation"]
    refused(Code.MALFORMED_ENVELOPE, crafted(env))
    refused(Code.MALFORMED_ENVELOPE, crafted(envelope(extra="x")))
    refused(Code.MALFORMED_ENVELOPE, crafted(envelope(created="2026-02-30T10:00:00Z")))
    refused(Code.MALFORMED_ENVELOPE, crafted(envelope(expires="2026-03-02T10:00:00Z")))


def test_it_keeps_no_message_id_from_a_malformed_id() -> None:
    assert refused(Code.MALFORMED_ENVELOPE, crafted(envelope(id="not-a-uuid"))).message_id is None


def test_it_refuses_an_unknown_type() -> None:
    refused(Code.UNKNOWN_TYPE, crafted(envelope(type="invoice")))


def test_it_refuses_a_message_for_another_node() -> None:
    refused(Code.WRONG_RECIPIENT, crafted(envelope(to="rs.nrm")))


def test_it_refuses_a_key_not_valid_at_created() -> None:
    refused(Code.KEY_NOT_VALID, crafted(envelope(), "xk.sig.2027"))


def test_it_refuses_an_old_key_after_the_overlap() -> None:
    later = NOW + timedelta(days=9)
    message = sample_message("case_notification", sender="al.nrm", recipient="xk.nrm", now=later)
    token = seal(message, "al.sig.2025", recipient_key=k("xk.enc").public(), now=later)
    refused(Code.KEY_NOT_VALID, token, our_node_id="xk.nrm", our_keys=[k("xk.enc")], now=later)


def test_it_refuses_an_expired_message() -> None:
    message = sample_message("case_notification")
    refused(Code.EXPIRED, seal(message), now=message.expires + timedelta(minutes=5))


def test_it_refuses_a_message_from_the_future() -> None:
    refused(Code.CREATED_IN_FUTURE, seal(sample_message("case_notification")), now=NOW - timedelta(seconds=301))


def test_it_refuses_a_too_long_lifetime() -> None:
    expires = format_time(NOW + timedelta(days=31))
    refused(Code.LIFETIME_TOO_LONG, crafted(envelope(expires=expires)))


def test_it_refuses_a_replayed_id() -> None:
    message = sample_message("case_notification")
    error = refused(Code.REPLAYED, seal(message), seen={("xk.nrm", message.id)})
    assert error.message_id == message.id
    assert error.http_status == 200
    refused(Code.REPLAYED, seal(message), seen=lambda sender, mid: mid == message.id)


def test_it_judges_replay_per_sender() -> None:
    # Ids are unique per sender: the same id from another node is another message.
    message = sample_message("case_notification", sender="rs.nrm")
    assert open_(seal(message, "rs.sig"), seen={("xk.nrm", message.id)}) == message


def test_it_refuses_a_purpose_outside_the_type() -> None:
    refused(Code.PURPOSE_NOT_ALLOWED, crafted(envelope(purpose="monitoring")))


def test_it_refuses_a_message_without_safeguard_reference() -> None:
    env = envelope()
    del env["consent_ref"]
    refused(Code.MISSING_SAFEGUARD, crafted(env))


def test_it_refuses_a_body_field_outside_the_field_set() -> None:
    env = envelope()
    env["body"] = {**env["body"], "ethnicity": "x"}
    error = refused(Code.BODY_FIELD_NOT_ALLOWED, crafted(env))
    assert "x" not in error.detail.replace("case_notification", "")


def test_it_refuses_a_body_that_breaks_its_schema() -> None:
    env = envelope()
    env["body"] = {**env["body"], "age_band": "teen"}
    refused(Code.SCHEMA_VIOLATION, crafted(env))


def test_it_refuses_an_identity_request_for_an_asylum_seeker() -> None:
    env = sample_message("identity_verification_request").to_envelope()
    env["body"]["asylum_seeker"] = True
    error = refused(Code.ASYLUM_SEEKER_IDENTITY_REQUEST, crafted(env))
    assert error.http_status == 451


def test_it_refuses_family_tracing_for_an_adult() -> None:
    env = sample_message("family_tracing_response").to_envelope()
    env["body"]["is_child"] = False
    refused(Code.FAMILY_TRACING_NOT_CHILD, crafted(env))


# --- build refusals (local) --------------------------------------------------------


def build_refused(code: Code, type_: str = "case_notification", **overrides: Any) -> LocalProtocolError:
    with pytest.raises(LocalProtocolError) as info:
        sample_message(type_, **overrides)
    assert info.value.code == code, info.value
    assert not isinstance(info.value, RemoteProtocolError)
    return info.value


def test_it_will_not_build_an_identity_request_for_an_asylum_seeker() -> None:
    body = {**SAMPLE_BODIES["identity_verification_request"], "asylum_seeker": True}
    build_refused(Code.ASYLUM_SEEKER_IDENTITY_REQUEST, "identity_verification_request", body=body)


def test_it_will_not_build_an_identity_request_without_the_asylum_flag() -> None:
    body = {k: v for k, v in SAMPLE_BODIES["identity_verification_request"].items() if k != "asylum_seeker"}
    build_refused(Code.SCHEMA_VIOLATION, "identity_verification_request", body=body)


def test_it_will_not_build_family_tracing_for_an_adult() -> None:
    body = {**SAMPLE_BODIES["family_tracing_request"], "is_child": False}
    build_refused(Code.FAMILY_TRACING_NOT_CHILD, "family_tracing_request", body=body)


def test_it_will_not_build_a_body_with_extra_or_nested_extra_fields() -> None:
    body = {**SAMPLE_BODIES["case_notification"], "address": "x"}
    build_refused(Code.BODY_FIELD_NOT_ALLOWED, body=body)
    body = {**SAMPLE_BODIES["referral_offer"], "health": {"needs": ["other"], "diagnosis": "x"}}
    build_refused(Code.BODY_FIELD_NOT_ALLOWED, "referral_offer", body=body)


def test_it_will_not_build_identity_or_health_data_without_consent_flags() -> None:
    identity = {"family_name": "Testova", "given_names": "Ana"}
    body = {**SAMPLE_BODIES["case_notification"], "identity": identity}
    build_refused(Code.SCHEMA_VIOLATION, body=body)
    body = {k: v for k, v in SAMPLE_BODIES["referral_offer"].items() if k != "health_consent"}
    build_refused(Code.SCHEMA_VIOLATION, "referral_offer", body=body)
    body = {**SAMPLE_BODIES["case_notification"], "identity": identity, "identity_consent": True}
    assert sample_message("case_notification", body=body).body["identity"] == identity


def test_it_will_not_build_with_a_wrong_body_type() -> None:
    message = sample_message("case_notification")
    with pytest.raises(LocalProtocolError) as info:
        seal(dataclasses.replace(message, body=["x"]))  # type: ignore[arg-type]
    assert info.value.code == Code.SCHEMA_VIOLATION


@pytest.mark.parametrize(
    ("code", "overrides"),
    [
        (Code.UNKNOWN_TYPE, {"type_": "invoice"}),
        (Code.MALFORMED_ENVELOPE, {"message_id": "42"}),
        (Code.MALFORMED_ENVELOPE, {"recipient": "AL NRM"}),
        (Code.MALFORMED_ENVELOPE, {"recipient": "xk.nrm"}),
        (Code.MALFORMED_ENVELOPE, {"handling": Handling(("H3",))}),
        (Code.MALFORMED_ENVELOPE, {"handling": Handling(("H9",))}),
        (Code.MALFORMED_ENVELOPE, {"best_interests_ref": "BID-1"}),
        (Code.MALFORMED_ENVELOPE, {"ttl": timedelta(0)}),
        (Code.PURPOSE_NOT_ALLOWED, {"purpose": "monitoring"}),
        (Code.MISSING_SAFEGUARD, {"consent_ref": None}),
        (Code.MISSING_SAFEGUARD, {"legal_basis": "vital_interests", "consent_ref": None}),
        (Code.MISSING_SAFEGUARD, {"legal_basis": "best_interests"}),
        (Code.LIFETIME_TOO_LONG, {"ttl": timedelta(days=31)}),
    ],
)
def test_it_will_not_build_a_bad_envelope(code: Code, overrides: dict[str, Any]) -> None:
    type_ = overrides.pop("type_", None)
    if type_ is not None:
        with pytest.raises(LocalProtocolError) as info:
            protocol.build(
                type_,
                sender="xk.nrm",
                recipient="al.nrm",
                body={},
                message_id=message_id("x"),
                conversation=CONVERSATION,
                now=NOW,
                purpose="assistance",
                legal_basis="consent",
                consent_ref="C-1",
            )
        assert info.value.code == code
        return
    build_refused(code, **overrides)


def test_it_will_not_build_a_reply_without_in_reply_to() -> None:
    build_refused(Code.MALFORMED_ENVELOPE, "referral_decline", in_reply_to=None)


def test_it_will_not_build_with_a_best_interests_basis_and_consent_ref() -> None:
    build_refused(Code.MALFORMED_ENVELOPE, legal_basis="best_interests", best_interests_ref="B-1")


def test_it_builds_a_child_case_on_best_interests() -> None:
    message = sample_message("family_tracing_request")
    assert message.legal_basis == "best_interests"
    assert message.consent_ref is None


def test_it_builds_an_urgent_alert_on_vital_interests_alone() -> None:
    message = sample_message("urgent_alert")
    assert message.consent_ref is None and message.best_interests_ref is None


# --- seal refusals -----------------------------------------------------------------


def test_it_will_not_seal_an_expired_or_future_message() -> None:
    message = sample_message("case_notification")
    for now, code in [
        (message.expires + timedelta(minutes=5), Code.EXPIRED),
        (NOW - timedelta(minutes=6), Code.CREATED_IN_FUTURE),
    ]:
        with pytest.raises(LocalProtocolError) as info:
            seal(message, now=now)
        assert info.value.code == code


def test_it_will_not_seal_an_oversized_message() -> None:
    message = sample_message("case_notification")
    with pytest.raises(LocalProtocolError) as info:
        seal(message, max_bytes=500)
    assert info.value.code == Code.OVERSIZED
    assert info.value.http_status == 413


def test_it_will_not_seal_with_keys_of_the_wrong_use() -> None:
    message = sample_message("case_notification")
    with pytest.raises(ValueError, match="signature key"):
        seal(message, "xk.sig", recipient_key=k("al.sig.2026").public())
    with pytest.raises(ValueError, match="signature key"):
        protocol.seal(message, sender_key=k("xk.enc"), recipient_key=k("al.enc.2026").public(), now=NOW)


def test_it_will_not_seal_for_a_node_without_encryption_key() -> None:
    message = sample_message("case_notification", recipient="me.nrm")
    with pytest.raises(LocalProtocolError) as info:
        protocol.seal_for(message, sender_key=k("xk.sig"), trust_list=tl(), now=NOW)
    assert info.value.code == Code.NO_ENCRYPTION_KEY


# --- receipts ----------------------------------------------------------------------


def _opened() -> tuple[str, Message]:
    message = sample_message("referral_offer")
    token = seal(message)
    return token, open_(token)


def verify(receipt: str | bytes, sent: str, **kw: Any) -> protocol.Receipt:
    kw.setdefault("receiver", "al.nrm")
    kw.setdefault("trust_list", tl())
    kw.setdefault("now", NOW)
    return protocol.verify_receipt(receipt, sent_token=sent, **kw)


def test_it_signs_and_verifies_an_accepted_receipt() -> None:
    token, message = _opened()
    receipt_token = protocol.receipt_for(message, key=k("al.sig.2026"), now=NOW)
    receipt = verify(receipt_token.encode(), token, message_id=message.id)
    assert receipt.status == "accepted"
    assert receipt.message_id == message.id
    assert receipt.code is None
    assert receipt.kid == k("al.sig.2026").kid
    payload = json.loads(jose.jws_parts(receipt_token)[1])
    assert set(payload) == {"v", "type", "message_id", "token_sha256", "receiver", "received", "status"}


def test_it_signs_a_duplicate_receipt() -> None:
    token, message = _opened()
    receipt_token = protocol.receipt_for(message, key=k("al.sig.2026"), now=NOW, status="duplicate")
    assert verify(receipt_token, token).status == "duplicate"


def test_it_signs_receipts_for_refused_tokens() -> None:
    token, message = _opened()
    with pytest.raises(ProtocolError) as info:
        open_(token, seen={(message.sender, message.id)})
    duplicate = protocol.receipt_for_error(token, info.value, receiver="al.nrm", key=k("al.sig.2026"), now=NOW)
    assert verify(duplicate, token).status == "duplicate"
    garbage = "x" * 10
    error = RemoteProtocolError(Code.MALFORMED_TOKEN)
    rejected = protocol.receipt_for_error(garbage.encode(), error, receiver="al.nrm", key=k("al.sig.2026"), now=NOW)
    receipt = verify(rejected, garbage)
    assert (receipt.status, receipt.code, receipt.message_id) == ("rejected", "malformed_token", None)


def test_it_refuses_to_sign_receipts_it_cannot_state() -> None:
    message = sample_message("referral_offer")
    with pytest.raises(ValueError, match="open_"):
        protocol.receipt_for(message, key=k("al.sig.2026"), now=NOW)
    _, opened = _opened()
    with pytest.raises(ValueError, match="receipt_for_error"):
        protocol.receipt_for(opened, key=k("al.sig.2026"), now=NOW, status="rejected")


def _receipt_token(payload: dict[str, Any], key: str = "al.sig.2026", typ: str = "trm1-receipt+jws") -> str:
    return jose.sign(canonical_json(payload), typ=typ, key=k(key))


def _payload(token: str, **changes: Any) -> dict[str, Any]:
    return {
        "v": "trm/1",
        "type": "receipt",
        "token_sha256": protocol.token_sha256(token),
        "receiver": "al.nrm",
        "received": format_time(NOW),
        "status": "accepted",
        "message_id": message_id("referral_offer"),
        **changes,
    }


def receipt_refused(code: Code, receipt: str | bytes, sent: str, **kw: Any) -> None:
    with pytest.raises(RemoteProtocolError) as info:
        verify(receipt, sent, **kw)
    assert info.value.code == code, info.value


def test_it_refuses_bad_receipts() -> None:
    token, _ = _opened()
    good = _receipt_token(_payload(token))
    assert verify(good, token).status == "accepted"
    receipt_refused(Code.OVERSIZED, good, token, max_bytes=100)
    receipt_refused(Code.MALFORMED_RECEIPT, b"\xff.a.b", token)
    receipt_refused(Code.MALFORMED_RECEIPT, "garbage", token)
    receipt_refused(Code.MALFORMED_RECEIPT, _receipt_token(_payload(token), typ="trm1+jws"), token)
    receipt_refused(Code.MALFORMED_RECEIPT, _receipt_token(_payload(token, status="lost")), token)
    receipt_refused(Code.MALFORMED_RECEIPT, _receipt_token(_payload(token, received="2026-02-30T00:00:00Z")), token)
    receipt_refused(Code.RECEIPT_MISMATCH, _receipt_token(_payload(token, receiver="xk.nrm"), "xk.sig"), token)
    receipt_refused(Code.UNKNOWN_SENDER_KEY, _receipt_token(_payload(token), "xk.sig"), token)
    receipt_refused(Code.BAD_SIGNATURE, tamper(good, 2), token)
    receipt_refused(Code.KEY_NOT_VALID, _receipt_token(_payload(token, received="2027-03-02T00:00:00Z")), token)
    future = _receipt_token(_payload(token, received=format_time(NOW + timedelta(minutes=6))))
    receipt_refused(Code.CREATED_IN_FUTURE, future, token)
    receipt_refused(Code.RECEIPT_MISMATCH, good, "another token")
    receipt_refused(Code.RECEIPT_MISMATCH, good, token, message_id=message_id("other"))


def test_it_accepts_a_refusal_without_message_id() -> None:
    token, _ = _opened()
    payload = _payload(token, status="rejected", code="undecryptable")
    del payload["message_id"]
    assert verify(_receipt_token(payload), token, message_id=message_id("referral_offer")).message_id is None


def test_it_refuses_an_acceptance_without_message_id_or_with_a_code() -> None:
    token, _ = _opened()
    payload = _payload(token)
    del payload["message_id"]
    receipt_refused(Code.MALFORMED_RECEIPT, _receipt_token(payload), token)
    receipt_refused(Code.MALFORMED_RECEIPT, _receipt_token(_payload(token, code="oversized")), token)
    receipt_refused(Code.MALFORMED_RECEIPT, _receipt_token(_payload(token, status="rejected")), token)


# --- errors ------------------------------------------------------------------------


def test_it_maps_every_code_to_an_http_status() -> None:
    assert set(HTTP_STATUS) == set(Code)
    assert all(100 <= status <= 599 for status in HTTP_STATUS.values())


def test_it_keeps_codes_distinct_and_stable() -> None:
    assert len({str(code) for code in Code}) == len(Code)
    assert str(Code.ASYLUM_SEEKER_IDENTITY_REQUEST) == "asylum_seeker_identity_request"
    error = LocalProtocolError(Code.EXPIRED)
    assert str(error) == "expired"
    assert str(LocalProtocolError(Code.EXPIRED, "late")) == "expired: late"


def test_it_parses_and_formats_times() -> None:
    assert parse_time(format_time(NOW)) == NOW
    with pytest.raises(ValueError, match="timestamp"):
        parse_time("2026-03-02 10:00:00")
    with pytest.raises(ValueError, match="naive"):
        format_time(NOW.replace(tzinfo=None))


def test_it_refuses_an_envelope_that_is_not_an_object() -> None:
    with pytest.raises(LocalProtocolError) as info:
        message_from_envelope(["not", "an", "envelope"])
    assert info.value.code == Code.MALFORMED_ENVELOPE


def test_it_will_not_seal_a_message_of_an_unknown_type() -> None:
    message = dataclasses.replace(sample_message("case_notification"), type="invoice")
    with pytest.raises(LocalProtocolError) as info:
        seal(message)
    assert info.value.code == Code.UNKNOWN_TYPE


def test_it_stops_when_its_own_trust_list_has_expired() -> None:
    later = tl().expires
    token = seal(sample_message("case_notification"))
    calls = [
        lambda: open_(token, now=later),
        lambda: protocol.seal_for(
            sample_message("case_notification"), sender_key=k("xk.sig"), trust_list=tl(), now=later
        ),
        lambda: verify("a.b.c", token, now=later),
    ]
    for call in calls:
        with pytest.raises(LocalProtocolError) as info:
            call()
        assert info.value.code == Code.NO_CURRENT_TRUST_LIST
        assert not isinstance(info.value, RemoteProtocolError)
        assert info.value.http_status == 503


def test_the_largest_document_copy_fits_in_a_token_with_every_other_member_at_its_maximum() -> None:
    # trm/1 §12: one copy of the schema's maximum fits; the token limit bounds the whole body.
    wide = "\U0001f91d"  # four octets in UTF-8
    copy = {"kind": "birth_certificate", "media_type": "application/pdf", "data": "A" * schemas.DOCUMENT_COPY_MAX}
    body = {
        "case_ref": "X" * 64,
        "asylum_seeker": False,
        "identity": {
            "family_name": wide * 200,
            "given_names": wide * 200,
            "date_of_birth": "2004-05-17",
            "place_of_birth": wide * 200,
            "claimed_nationality": "AL",
            "sex": "unknown",
        },
        "documents": [
            {
                "kind": "residence_permit",
                "number": wide * 39 + str(i),
                "issuing_country": "AL",
                "expiry_date": "2030-01-01",
            }
            for i in range(5)
        ],
        "document_copies": [copy],
        "travel_document_needed": True,
        "due_date": "2026-04-01",
    }
    handling = Handling(("H0", "H1", "H2", "H3"), wide * 500)
    message = sample_message("identity_verification_request", body=body, consent_ref="C" * 64, handling=handling)
    assert len(seal(message)) <= protocol.DEFAULT_MAX_BYTES
    two = sample_message(
        "identity_verification_request", body={**body, "document_copies": [copy, {**copy, "kind": "other"}]}
    )
    with pytest.raises(LocalProtocolError) as info:
        seal(two)
    assert info.value.code == Code.OVERSIZED


def test_it_checks_again_what_changed_after_build() -> None:
    """``build`` checked the message; ``seal`` trusts that only for the very bytes checked."""
    message = sample_message("identity_verification_request")
    assert message.body["asylum_seeker"] is False
    assert open_(seal(message)).id == message.id
    message.body["asylum_seeker"] = True  # the body is a dict: a caller could change it
    with pytest.raises(LocalProtocolError) as info:
        seal(message)
    assert info.value.code == Code.ASYLUM_SEEKER_IDENTITY_REQUEST
    # A message made without build (or copied from one) is checked in full.
    copied = dataclasses.replace(sample_message("identity_verification_request"), purpose="monitoring")
    with pytest.raises(LocalProtocolError) as info:
        seal(copied)
    assert info.value.code == Code.PURPOSE_NOT_ALLOWED


def test_it_seals_a_valid_message_made_without_build() -> None:
    copied = dataclasses.replace(sample_message("case_notification"), purpose="protection")
    assert open_(seal(copied)).purpose == "protection"

"""The refusal vectors of trm/1 (docs/vectors/negative.json, receipts_negative.json,
trustlist_negative.json); pure and deterministic.

* ``negative.json``: the conformance suite (``suite.cases``) built for the vector network
  at the vector time, with ephemeral keys and IVs derived from each case's name, so that
  every token is reproduced exactly. At least one case for every check of section 7,
  plus the accepted edge cases (white space, any member order, 200 astral code points …).
* ``receipts_negative.json``: receipts to verify as the sender of a token (section 8.3),
  at least one refusal for every check.
* ``trustlist_negative.json``: signed trust lists to load (section 10.2 and the rules of
  10.1), at least one refusal for every check and rule.

Each file's cases name the check (``"7.8"``, ``"8.3.4"``, ``"10.2.5"``) and the answer.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from trm.exchange import jose, protocol, suite
from trm.exchange.errors import ProtocolError
from trm.exchange.messages import Receipt, format_time, parse_time
from trm.exchange.trustlist import TYP as TRUST_LIST_TYP
from trm.exchange.trustlist import TrustList, canonical_json, load_trust_list

# negative.json uses a small size limit, so that a token "one byte over" stays readable.
MAX_BYTES = 4096


class _Entropy:
    """Deterministic "randomness" for vectors: SHA-256 of a seed and a counter."""

    def __init__(self, seed: str) -> None:
        self.seed = seed
        self.count = 0

    def __call__(self, size: int) -> bytes:
        out = b""
        while len(out) < size:
            self.count += 1
            out += hashlib.sha256(f"trm/1 vector entropy: {self.seed}: {self.count}".encode()).digest()
        return out[:size]


def setting(
    keys: Mapping[str, jose.PrivateKey], *, now: Any, message_id: Callable[[str], str], sample: Callable[..., Any]
) -> suite.Setting:
    """The suite's setting on the vector network: al.nrm receives from xk.nrm."""
    return suite.Setting(
        now=now,
        receiver="al.nrm",
        receiver_enc=keys["al.enc.2026"].public(),
        sender=suite.Party("xk.nrm", keys["xk.sig"]),
        sender_future_sig=keys["xk.sig.2027"],
        sender_enc=keys["xk.enc"].public(),
        second=suite.Party("rs.nrm", keys["rs.sig"]),
        second_revoked_sig=keys["rs.sig.revoked"],
        revoked=suite.Party("me.nrm", keys["me.sig"]),
        stranger=suite.Party("zz.nrm", keys["zz.sig"]),
        stranger_enc=keys["zz.enc"],
        max_bytes=MAX_BYTES,
        exact=True,
        new_id=lambda name: message_id(f"negative {name}"),
        make_message=sample,
        entropy=_Entropy("unused"),
    )


def open_result(
    token: str,
    *,
    keys: Mapping[str, jose.PrivateKey],
    trust_list: TrustList,
    now: Any,
    seen: set[tuple[str, str]],
    max_bytes: int,
) -> dict[str, Any]:
    try:
        message = protocol.open_(
            token,
            our_node_id="al.nrm",
            our_keys=[keys["al.enc.2025"], keys["al.enc.2026"]],
            trust_list=trust_list,
            now=now,
            seen=seen,
            max_bytes=max_bytes,
        )
    except ProtocolError as err:
        return {"error": str(err.code), "message_id": err.message_id}
    return {"status": "accepted", "message_id": message.id, "token_sha256": message.token_sha256}


def message_cases(
    base: suite.Setting, keys: Mapping[str, jose.PrivateKey], trust_list: TrustList
) -> list[dict[str, Any]]:
    out = []
    for case in suite.cases():
        if case.live_only:
            continue
        built = case.build(dataclasses.replace(base, entropy=_Entropy(case.name)))
        seen = [{"from": prior.sender, "id": prior.message_id} for prior in built.prior]
        result = open_result(
            built.body,
            keys=keys,
            trust_list=trust_list,
            now=base.now,
            seen={(p.sender, p.message_id) for p in built.prior},
            max_bytes=base.max_bytes,
        )
        expect: dict[str, Any]
        if case.expect == suite.DUPLICATE:
            # open_ refuses a replayed id; the inbox answers it with a "duplicate" receipt.
            expect = {"status": "duplicate", "code": "replayed"}
            assert result.get("error") == "replayed", (case.name, result)
        elif case.expect == suite.ACCEPTED:
            expect = {"status": "accepted"}
            assert result.get("status") == "accepted", (case.name, result)
        else:
            expect = {"status": "rejected", "code": case.expect, "http_status": case.http_status}
            assert result.get("error") == case.expect, (case.name, result)
        expect["receipt_message_id"] = case.quotes_id(built)
        assert result.get("message_id") == expect["receipt_message_id"] or case.expect == suite.DUPLICATE, (
            case.name,
            result,
        )
        out.append(
            {
                "name": case.name,
                "check": case.check,
                "rule": case.rule,
                "body": built.body,
                "seen": seen,
                "expect": expect,
                "receipt_token_sha256": protocol.token_digest(built.body, max_bytes=base.max_bytes),
            }
        )
    return out


# --- receipts (section 8.3) ------------------------------------------------------------------


def _receipt(payload: Mapping[str, Any], key: jose.PrivateKey, *, header: bytes | None = None) -> str:
    header = header or jose.canonical_jws_header(kid=key.kid, typ=protocol.RECEIPT_TYP)
    return jose.sign_raw(header, canonical_json(dict(payload)), key)


def receipt_cases(
    keys: Mapping[str, jose.PrivateKey], trust_list: TrustList, sent: str, sent_id: str, now: Any
) -> list[dict[str, Any]]:
    """Receipts for ``sent`` (message ``sent_id``, to al.nrm), to verify at ``now``."""
    al = keys["al.sig.2026"]
    received = format_time(now)
    payload = {
        "v": "trm/1",
        "type": "receipt",
        "message_id": sent_id,
        "token_sha256": hashlib.sha256(sent.encode()).hexdigest(),
        "receiver": "al.nrm",
        "received": received,
        "status": "accepted",
    }

    def p(**changes: Any) -> dict[str, Any]:
        return suite._changed(payload, changes)

    good = _receipt(payload, al)
    head, body, signature = good.split(".")
    canonical = jose.canonical_jws_header(kid=al.kid, typ=protocol.RECEIPT_TYP).decode()
    rejected = p(status="rejected", code="schema_violation")
    rows: list[tuple[str, str, str, str, dict[str, Any]]] = [
        # (name, check, rule, receipt, options: receiver, message_id, now, error)
        ("accept_accepted", "8.3", "an accepted receipt", good, {}),
        ("accept_duplicate", "8.3", "a duplicate receipt", _receipt(p(status="duplicate"), al), {}),
        (
            "accept_rejected_without_id",
            "8.3",
            "a refusal before the id was read",
            _receipt(suite._changed(rejected, {"message_id": suite.DROP}), al),
            {},
        ),
        ("accept_white_space_around", "8.3.1", "white space around the receipt", " \r\n" + good + "\r\n", {}),
        (
            "accept_oversized_unread",
            "8.3.11",
            "oversized, quoting the empty string (body not read)",
            _receipt(
                p(status="rejected", code="oversized", message_id=suite.DROP, token_sha256=protocol.EMPTY_SHA256), al
            ),
            {},
        ),
        (
            "r01_oversized",
            "8.3.1",
            "over 16,384 bytes",
            "A" * (protocol.DEFAULT_RECEIPT_MAX_BYTES + 1),
            {"error": "oversized"},
        ),
        (
            "r02_not_ascii",
            "8.3.2",
            "a non-ASCII character",
            good[:20] + "é" + good[21:],
            {"error": "malformed_receipt"},
        ),
        ("r02_two_parts", "8.3.2", "two parts", f"{head}.{body}", {"error": "malformed_receipt"}),
        ("r02_padding", "8.3.2", "base64url padding", f"{head}.{body}.{signature}==", {"error": "malformed_receipt"}),
        (
            "r02_noncanonical_signature",
            "8.3.2",
            "non-zero unused bits in the signature",
            f"{head}.{body}.{suite._noncanonical(signature)}",
            {"error": "malformed_receipt"},
        ),
        (
            "r02_not_json",
            "8.3.2",
            "a payload that is not JSON",
            jose.sign_raw(canonical.encode(), b"receipt", al),
            {"error": "malformed_receipt"},
        ),
        (
            "r02_duplicate_member",
            "8.3.2",
            "status twice (rejected, then accepted)",
            jose.sign_raw(
                canonical.encode(),
                canonical_json(payload).replace(b'"status":"accepted"', b'"status":"rejected","status":"accepted"'),
                al,
            ),
            {"error": "malformed_receipt"},
        ),
        (
            "r03_typ",
            "8.3.3",
            "typ trm1+jws",
            _receipt(payload, al, header=jose.canonical_jws_header(kid=al.kid, typ="trm1+jws")),
            {"error": "malformed_receipt"},
        ),
        (
            "r03_typ_case",
            "8.3.3",
            "typ TRM1-RECEIPT+JWS",
            _receipt(payload, al, header=jose.canonical_jws_header(kid=al.kid, typ="TRM1-RECEIPT+JWS")),
            {"error": "malformed_receipt"},
        ),
        (
            "r03_alg",
            "8.3.3",
            "alg EdDSA",
            _receipt(payload, al, header=canonical.replace("Ed25519", "EdDSA").encode()),
            {"error": "malformed_receipt"},
        ),
        (
            "r03_extra_member",
            "8.3.3",
            "an extra header member",
            _receipt(payload, al, header=canonical.replace('"kid"', '"crit":["x"],"kid"').encode()),
            {"error": "malformed_receipt"},
        ),
        (
            "r03_member_order",
            "8.3.3",
            "the header not in canonical order",
            _receipt(
                payload, al, header=f'{{"typ":"{protocol.RECEIPT_TYP}","kid":"{al.kid}","alg":"Ed25519"}}'.encode()
            ),
            {"error": "malformed_receipt"},
        ),
        (
            "r04_missing_member",
            "8.3.4",
            "no token_sha256",
            _receipt(p(token_sha256=suite.DROP), al),
            {"error": "malformed_receipt"},
        ),
        (
            "r04_extra_member",
            "8.3.4",
            "a member trm/1 does not define",
            _receipt(p(note="x"), al),
            {"error": "malformed_receipt"},
        ),
        ("r04_status", "8.3.4", "status ok", _receipt(p(status="ok"), al), {"error": "malformed_receipt"}),
        (
            "r04_accepted_with_code",
            "8.3.4",
            "accepted with a code",
            _receipt(p(code="oversized"), al),
            {"error": "malformed_receipt"},
        ),
        (
            "r04_accepted_without_id",
            "8.3.4",
            "accepted without message_id",
            _receipt(p(message_id=suite.DROP), al),
            {"error": "malformed_receipt"},
        ),
        (
            "r04_rejected_without_code",
            "8.3.4",
            "rejected without a code",
            _receipt(p(status="rejected"), al),
            {"error": "malformed_receipt"},
        ),
        (
            "r04_upper_case_digest",
            "8.3.4",
            "an upper-case token_sha256",
            _receipt(p(token_sha256=str(payload["token_sha256"]).upper()), al),
            {"error": "malformed_receipt"},
        ),
        (
            "r04_leap_second",
            "8.3.4",
            "received at 23:59:60",
            _receipt(p(received="2026-03-01T23:59:60Z"), al),
            {"error": "malformed_receipt"},
        ),
        (
            "r04_not_a_day",
            "8.3.4",
            "received on 30 February (check 8 is part of check 4)",
            _receipt(p(received="2026-02-30T10:00:00Z"), al),
            {"error": "malformed_receipt"},
        ),
        (
            "r05_other_receiver",
            "8.3.5",
            "a receipt from another node than the one sent to",
            _receipt(p(receiver="xk.nrm"), keys["xk.sig"]),
            {"error": "receipt_mismatch"},
        ),
        (
            "r06_unknown_sender",
            "8.3.6",
            "the receiver is not on the list",
            _receipt(p(receiver="zz.nrm"), keys["zz.sig"]),
            {"receiver": "zz.nrm", "error": "unknown_sender"},
        ),
        (
            "r06_sender_revoked",
            "8.3.6",
            "the receiver node is revoked",
            _receipt(p(receiver="me.nrm"), keys["me.sig"]),
            {"receiver": "me.nrm", "error": "sender_revoked"},
        ),
        (
            "r06_unknown_sender_key",
            "8.3.6",
            "a key of another node",
            _receipt(payload, keys["rs.sig"]),
            {"error": "unknown_sender_key"},
        ),
        (
            "r06_key_revoked",
            "8.3.6",
            "a revoked key",
            _receipt(p(receiver="rs.nrm"), keys["rs.sig.revoked"]),
            {"receiver": "rs.nrm", "error": "key_revoked"},
        ),
        (
            "r07_bad_signature",
            "8.3.7",
            "signed by another key under al's kid",
            _receipt(payload, keys["zz.sig"], header=canonical.encode()),
            {"error": "bad_signature"},
        ),
        (
            "r09_key_not_valid",
            "8.3.9",
            "the previous key, after its not_after",
            _receipt(p(received="2026-03-11T00:00:00Z"), keys["al.sig.2025"]),
            {"now": "2026-03-11T00:00:05Z", "error": "key_not_valid"},
        ),
        (
            "r10_received_in_future",
            "8.3.10",
            "received beyond the skew",
            _receipt(p(received=format_time(now + protocol.DEFAULT_CLOCK_SKEW + timedelta(seconds=1))), al),
            {"error": "created_in_future"},
        ),
        (
            "accept_received_within_skew",
            "8.3.10",
            "received ahead, within the skew",
            _receipt(p(received=format_time(now + protocol.DEFAULT_CLOCK_SKEW)), al),
            {},
        ),
        (
            "r11_other_token",
            "8.3.11",
            "the digest of another token",
            _receipt(p(token_sha256=hashlib.sha256(b"another token").hexdigest()), al),
            {"error": "receipt_mismatch"},
        ),
        (
            "r11_empty_digest_other_code",
            "8.3.11",
            "the empty-string digest with a code other than oversized",
            _receipt(
                p(status="rejected", code="malformed_token", message_id=suite.DROP, token_sha256=protocol.EMPTY_SHA256),
                al,
            ),
            {"error": "receipt_mismatch"},
        ),
        (
            "r12_other_message",
            "8.3.12",
            "another message id",
            _receipt(p(message_id="00000000-0000-4000-8000-000000000000"), al),
            {"error": "receipt_mismatch"},
        ),
        (
            "order_03_before_04",
            "8.3",
            "typ trm1+jws and status ok",
            _receipt(p(status="ok"), al, header=jose.canonical_jws_header(kid=al.kid, typ="trm1+jws")),
            {"error": "malformed_receipt"},
        ),
        (
            "order_05_before_07",
            "8.3",
            "another receiver and a bad signature",
            _receipt(p(receiver="xk.nrm"), keys["zz.sig"], header=canonical.encode()),
            {"error": "receipt_mismatch"},
        ),
        (
            "order_07_before_11",
            "8.3",
            "a bad signature over another digest",
            _receipt(p(token_sha256=protocol.EMPTY_SHA256), keys["zz.sig"], header=canonical.encode()),
            {"error": "bad_signature"},
        ),
    ]
    out = []
    for name, check, rule, receipt, options in rows:
        case = {
            "name": name,
            "check": check,
            "rule": rule,
            "receipt": receipt,
            "sent_token": sent,
            "sent_message_id": sent_id,
            "receiver": options.get("receiver", "al.nrm"),
            "now": options.get("now", received),
        }
        case["expect"] = _verify(case, trust_list)
        assert case["expect"] == ({"error": options["error"]} if "error" in options else case["expect"]), (name, case)
        assert "error" in options or "status" in case["expect"], (name, case["expect"])
        out.append(case)
    return out


def _verify(case: Mapping[str, Any], trust_list: TrustList) -> dict[str, Any]:
    try:
        receipt: Receipt = protocol.verify_receipt(
            case["receipt"],
            sent_token=case["sent_token"],
            receiver=case["receiver"],
            trust_list=trust_list,
            now=parse_time(case["now"]),
            message_id=case["sent_message_id"],
        )
    except ProtocolError as err:
        return {"error": str(err.code)}
    return {"status": receipt.status, "code": receipt.code}


# --- trust lists (section 10.2 and 10.1) ----------------------------------------------------


def _list_token(doc: Any, key: jose.PrivateKey, *, header: bytes | None = None, raw: bytes | None = None) -> str:
    header = header or jose.canonical_jws_header(kid=key.kid, typ=TRUST_LIST_TYP)
    return jose.sign_raw(header, raw if raw is not None else canonical_json(doc), key)


def trust_list_cases(keys: Mapping[str, jose.PrivateKey], doc: Mapping[str, Any], now: Any) -> list[dict[str, Any]]:
    authority = keys["authority"]
    other = jose.key_from_seed(hashlib.sha256(b"trm/1 test vector key: not the authority").digest(), "sig")
    good = _list_token(doc, authority)
    head, body, signature = good.split(".")
    canonical = jose.canonical_jws_header(kid=authority.kid, typ=TRUST_LIST_TYP).decode()

    def changed(edit: Callable[[dict[str, Any]], None]) -> str:
        copied = copy.deepcopy(dict(doc))
        edit(copied)
        return _list_token(copied, authority)

    def node(index: int, **changes: Any) -> Callable[[dict[str, Any]], None]:
        return lambda d: d["nodes"][index].update(changes)

    def key(index: int, k: int, **changes: Any) -> Callable[[dict[str, Any]], None]:
        return lambda d: d["nodes"][index]["keys"][k].update(changes)

    def top(**changes: Any) -> Callable[[dict[str, Any]], None]:
        return lambda d: d.update(changes)

    later = copy.deepcopy(dict(doc))
    later["sequence"] = doc["sequence"] + 1
    al_sig_jwk = jose.public_jwk(keys["al.sig.2026"])
    rows: list[tuple[str, str, str, str, dict[str, Any]]] = [
        ("accept", "10.2", "the vector list", good, {}),
        ("accept_newer", "10.2.8", "a newer sequence", _list_token(later, authority), {}),
        ("accept_same_sequence", "10.2.8", "the same sequence again (a re-fetch)", good, {"previous_sequence": 7}),
        ("accept_white_space_around", "10.2.1", "white space around the token", "\n" + good + "\r\n", {}),
        (
            "accept_loopback_http",
            "10.1",
            "http on a loopback address",
            changed(node(0, endpoint="http://[::1]:8443/trm")),
            {},
        ),
        (
            "t01_oversized",
            "10.2.1",
            "over the limit (here 1,024 bytes)",
            good,
            {"max_bytes": 1024, "error": "oversized"},
        ),
        (
            "t02_not_ascii",
            "10.2.2",
            "a non-ASCII character",
            good[:20] + "é" + good[21:],
            {"error": "trust_list_malformed"},
        ),
        (
            "t02_padding",
            "10.2.2",
            "base64url padding",
            f"{head}.{body}.{signature}==",
            {"error": "trust_list_malformed"},
        ),
        (
            "t02_noncanonical_signature",
            "10.2.2",
            "non-zero unused bits in the signature",
            f"{head}.{body}.{suite._noncanonical(signature)}",
            {"error": "trust_list_malformed"},
        ),
        (
            "t02_typ",
            "10.2.2",
            "typ trm1+jws",
            _list_token(doc, authority, header=jose.canonical_jws_header(kid=authority.kid, typ="trm1+jws")),
            {"error": "trust_list_malformed"},
        ),
        (
            "t02_typ_case",
            "10.2.2",
            "typ TRM1-TRUSTLIST+JWS",
            _list_token(
                doc, authority, header=(jose.canonical_jws_header(kid=authority.kid, typ="TRM1-TRUSTLIST+JWS"))
            ),
            {"error": "trust_list_malformed"},
        ),
        (
            "t02_alg",
            "10.2.2",
            "alg EdDSA",
            _list_token(doc, authority, header=canonical.replace("Ed25519", "EdDSA").encode()),
            {"error": "trust_list_malformed"},
        ),
        (
            "t02_extra_member",
            "10.2.2",
            "a header member besides alg, kid, typ",
            _list_token(doc, authority, header=canonical.replace('"kid"', '"jku":"https://x.example","kid"').encode()),
            {"error": "trust_list_malformed"},
        ),
        (
            "t02_member_order",
            "10.2.2",
            "the header not in canonical order",
            _list_token(
                doc, authority, header=f'{{"kid":"{authority.kid}","alg":"Ed25519","typ":"{TRUST_LIST_TYP}"}}'.encode()
            ),
            {"error": "trust_list_malformed"},
        ),
        (
            "t02_duplicate_member",
            "10.2.2",
            "a header member twice",
            _list_token(doc, authority, header=canonical.replace('"kid"', f'"kid":"{other.kid}","kid"').encode()),
            {"error": "trust_list_malformed"},
        ),
        (
            "t03_other_kid",
            "10.2.3",
            "signed by another key",
            _list_token(doc, other),
            {"error": "trust_list_bad_signature"},
        ),
        (
            "t04_bad_signature",
            "10.2.4",
            "another key's signature under the authority kid",
            _list_token(doc, other, header=canonical.encode()),
            {"error": "trust_list_bad_signature"},
        ),
        (
            "t05_not_json",
            "10.2.5",
            "a payload that is not JSON",
            _list_token(None, authority, raw=b"list"),
            {"error": "trust_list_malformed"},
        ),
        (
            "t05_duplicate_member",
            "10.2.5",
            "sequence twice (7, then 99)",
            _list_token(
                None, authority, raw=canonical_json(doc).replace(b'"sequence":7', b'"sequence":7,"sequence":99')
            ),
            {"error": "trust_list_malformed"},
        ),
        (
            "t05_fraction",
            "10.2.5",
            "sequence 7.0",
            _list_token(None, authority, raw=canonical_json(doc).replace(b'"sequence":7', b'"sequence":7.0')),
            {"error": "trust_list_malformed"},
        ),
        ("t05_schema", "10.2.5", "no nodes", changed(lambda d: d.pop("nodes")), {"error": "trust_list_malformed"}),
        (
            "t05_duplicate_node",
            "10.2.5",
            "a node id twice",
            changed(lambda d: d["nodes"].append(d["nodes"][0])),
            {"error": "trust_list_malformed"},
        ),
        (
            "t05_duplicate_kid",
            "10.2.5",
            "a (kid, use) twice in a node",
            changed(lambda d: d["nodes"][0]["keys"].append(d["nodes"][0]["keys"][1])),
            {"error": "trust_list_malformed"},
        ),
        (
            "t05_kid_not_thumbprint",
            "10.2.5",
            "a kid that is not the key's thumbprint",
            changed(key(0, 1, kid=keys["xk.sig"].kid)),
            {"error": "trust_list_malformed"},
        ),
        (
            "t05_curve_for_use",
            "10.2.5",
            "an Ed25519 key listed for enc",
            changed(key(0, 3, use="enc", kid=keys["al.sig.2026"].kid, jwk={**al_sig_jwk, "use": "enc"})),
            {"error": "trust_list_malformed"},
        ),
        (
            "t05_private_part",
            "10.2.5",
            "a JWK with d",
            changed(key(0, 1, jwk={**al_sig_jwk, "d": "A" * 43})),
            {"error": "trust_list_malformed"},
        ),
        (
            "t05_jwk_use_differs",
            "10.2.5",
            "a JWK whose use differs from the entry's",
            changed(key(0, 1, jwk={**al_sig_jwk, "use": "enc"})),
            {"error": "trust_list_malformed"},
        ),
        (
            "t05_http_endpoint",
            "10.2.5",
            "http on a public host",
            changed(node(0, endpoint="http://al.trm.example")),
            {"error": "trust_list_malformed"},
        ),
        (
            "t05_endpoint_query",
            "10.2.5",
            "an endpoint with a query",
            changed(node(0, endpoint="https://al.trm.example/?a=1")),
            {"error": "trust_list_malformed"},
        ),
        (
            "t05_endpoint_empty_fragment",
            "10.2.5",
            "an endpoint with an empty fragment",
            changed(node(0, endpoint="https://al.trm.example/#")),
            {"error": "trust_list_malformed"},
        ),
        (
            "t05_endpoint_user",
            "10.2.5",
            "an endpoint with user information",
            changed(node(0, endpoint="https://user@al.trm.example")),
            {"error": "trust_list_malformed"},
        ),
        (
            "t05_endpoint_scheme_case",
            "10.2.5",
            "HTTPS:// in upper case",
            changed(node(0, endpoint="HTTPS://al.trm.example")),
            {"error": "trust_list_malformed"},
        ),
        (
            "t05_date_order",
            "10.2.5",
            "next_update after expires",
            changed(top(next_update="2026-03-16T00:00:00Z")),
            {"error": "trust_list_malformed"},
        ),
        (
            "t05_key_dates",
            "10.2.5",
            "not_after before not_before",
            changed(key(0, 1, not_after="2026-02-01T00:00:00Z")),
            {"error": "trust_list_malformed"},
        ),
        (
            "t05_leap_second",
            "10.2.5",
            "issued at 23:59:60",
            changed(top(issued="2026-02-28T23:59:60Z")),
            {"error": "trust_list_malformed"},
        ),
        (
            "t05_arabic_indic_digits",
            "10.2.5",
            "issued in Arabic-Indic digits",
            changed(top(issued="٢٠٢٦-٠٣-٠١T00:00:00Z")),
            {"error": "trust_list_malformed"},
        ),
        ("t05_sequence_zero", "10.2.5", "sequence 0", changed(top(sequence=0)), {"error": "trust_list_malformed"}),
        (
            "t06_expired",
            "10.2.6",
            "now is expires",
            good,
            {"now": "2026-03-15T00:00:00Z", "error": "trust_list_expired"},
        ),
        (
            "t07_not_yet_valid",
            "10.2.7",
            "issued beyond the skew",
            good,
            {"now": "2026-02-28T23:54:59Z", "error": "trust_list_not_yet_valid"},
        ),
        ("accept_issued_within_skew", "10.2.7", "issued ahead, within the skew", good, {"now": "2026-02-28T23:55:00Z"}),
        ("t08_rollback", "10.2.8", "an older sequence", good, {"previous_sequence": 8, "error": "trust_list_rollback"}),
        (
            "order_03_before_05",
            "10.2",
            "another signer and a malformed document",
            _list_token(None, other, raw=b"list"),
            {"error": "trust_list_bad_signature"},
        ),
        (
            "order_05_before_06",
            "10.2",
            "malformed and expired",
            changed(top(network="")),
            {"now": "2026-03-15T00:00:00Z", "error": "trust_list_malformed"},
        ),
        (
            "order_06_before_08",
            "10.2",
            "expired and rolled back",
            good,
            {"now": "2026-03-15T00:00:00Z", "previous_sequence": 8, "error": "trust_list_expired"},
        ),
    ]
    out = []
    for name, check, rule, token, options in rows:
        case: dict[str, Any] = {
            "name": name,
            "check": check,
            "rule": rule,
            "token": token,
            "now": options.get("now", format_time(now)),
            "previous_sequence": options.get("previous_sequence", 7),
        }
        if "max_bytes" in options:
            case["max_bytes"] = options["max_bytes"]
        case["expect"] = _load(case, authority.public())
        if "error" in options:
            assert case["expect"] == {"error": options["error"]}, (name, case["expect"])
        else:
            assert "sequence" in case["expect"], (name, case["expect"])
        out.append(case)
    return out


def _load(case: Mapping[str, Any], authority: jose.PublicKey) -> dict[str, Any]:
    try:
        trust_list = load_trust_list(
            case["token"],
            authority_public_key=authority,
            now=parse_time(case["now"]),
            previous_sequence=case["previous_sequence"],
            max_bytes=case.get("max_bytes", 1024 * 1024),
        )
    except ProtocolError as err:
        return {"error": str(err.code)}
    return {"sequence": trust_list.sequence}

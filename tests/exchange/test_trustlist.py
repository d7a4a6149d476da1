"""The signed trust list: signing, loading, rollback, expiry, lookups and rotation."""

from __future__ import annotations

import copy
import functools
from datetime import timedelta
from typing import Any

import pytest

from trm.exchange import jose
from trm.exchange.errors import Code, LocalProtocolError, RemoteProtocolError
from trm.exchange.trustlist import (
    TrustList,
    canonical_json,
    load_trust_list,
    parse_trust_list,
    sign_trust_list,
    trust_list_document,
)
from trm.exchange.vectors import NOW, keys, seed, tamper, trust_list_doc


@functools.cache
def keyset() -> dict[str, jose.PrivateKey]:
    return keys()


def doc(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(trust_list_doc(keyset())), **changes}


def sign(document: dict[str, Any], now: Any = NOW) -> str:
    return sign_trust_list(document, authority_key=keyset()["authority"], now=now)


def load(token: str | bytes, **kw: Any) -> TrustList:
    kw.setdefault("now", NOW)
    return load_trust_list(token, authority_public_key=keyset()["authority"].public(), **kw)


@functools.cache
def tl() -> TrustList:
    return load(sign(doc()))


def load_refused(code: Code, token: str | bytes, **kw: Any) -> None:
    with pytest.raises(RemoteProtocolError) as info:
        load(token, **kw)
    assert info.value.code == code, info.value


def parse_refused(document: Any) -> str:
    with pytest.raises(LocalProtocolError) as info:
        parse_trust_list(document)
    assert info.value.code == Code.TRUST_LIST_MALFORMED
    return info.value.detail


def kid(name: str) -> str:
    return keyset()[name].kid


# --- signing and loading ---------------------------------------------------------


def test_it_signs_deterministically_and_loads() -> None:
    token = sign(doc())
    assert token == sign(doc())
    trust_list = load(token.encode(), previous_sequence=7)
    assert trust_list.sequence == 7
    assert [node.node_id for node in trust_list.nodes] == ["al.nrm", "xk.nrm", "rs.nrm", "me.nrm"]
    assert trust_list.nodes[1].country == "XK"
    assert trust_list_document(trust_list) == doc()
    assert canonical_json(doc()) == canonical_json(trust_list_document(trust_list))


def test_it_accepts_a_newer_list() -> None:
    assert load(sign(doc(sequence=8)), previous_sequence=7).sequence == 8


def test_it_refuses_a_rollback() -> None:
    load_refused(Code.TRUST_LIST_ROLLBACK, sign(doc(sequence=6)), previous_sequence=7)


def test_it_refuses_an_expired_list() -> None:
    load_refused(Code.TRUST_LIST_EXPIRED, sign(doc()), now=NOW + timedelta(days=13, hours=14))


def test_it_refuses_a_list_from_the_future() -> None:
    load_refused(Code.TRUST_LIST_NOT_YET_VALID, sign(doc()), now=NOW - timedelta(days=2))


def test_it_refuses_a_bad_signature() -> None:
    load_refused(Code.TRUST_LIST_BAD_SIGNATURE, tamper(sign(doc()), 2))


def test_it_refuses_a_list_signed_by_another_key() -> None:
    other = jose.key_from_seed(seed("someone else"), "sig")
    load_refused(Code.TRUST_LIST_BAD_SIGNATURE, sign_trust_list(doc(), authority_key=other, now=NOW))
    forged_header = jose.sign(b"", typ="trm1-trustlist+jws", key=keyset()["authority"]).split(".")[0]
    body = sign_trust_list(doc(), authority_key=other, now=NOW).split(".")[1:]
    load_refused(Code.TRUST_LIST_BAD_SIGNATURE, ".".join([forged_header, *body]))


@pytest.mark.parametrize("token", ["garbage", b"\xff\xfe", "a.b.c"])
def test_it_refuses_garbage(token: str | bytes) -> None:
    load_refused(Code.TRUST_LIST_MALFORMED, token)


def test_it_refuses_an_oversized_list() -> None:
    load_refused(Code.OVERSIZED, sign(doc()), max_bytes=100)


def test_it_refuses_a_wrong_typ() -> None:
    token = jose.sign(canonical_json(doc()), typ="trm1+jws", key=keyset()["authority"])
    load_refused(Code.TRUST_LIST_MALFORMED, token)


@pytest.mark.parametrize("payload", [b"not json", b"[]", b'{"v": "trm/1"}'])
def test_it_refuses_a_signed_payload_that_is_not_a_list(payload: bytes) -> None:
    load_refused(Code.TRUST_LIST_MALFORMED, jose.sign(payload, typ="trm1-trustlist+jws", key=keyset()["authority"]))


def test_it_will_not_sign_a_malformed_or_stale_list() -> None:
    with pytest.raises(LocalProtocolError) as info:
        sign(doc(sequence=0))
    assert info.value.code == Code.TRUST_LIST_MALFORMED
    with pytest.raises(LocalProtocolError) as info:
        sign(doc(), now=NOW + timedelta(days=30))
    assert info.value.code == Code.TRUST_LIST_EXPIRED


# --- structure ------------------------------------------------------------------


def test_it_refuses_malformed_documents() -> None:
    assert "sequence" in parse_refused(doc(sequence="7"))
    assert "/issued (format)" in parse_refused(doc(issued="2026-02-30T00:00:00Z"))
    assert "issued <= next_update" in parse_refused(doc(next_update="2026-02-01T00:00:00Z"))
    two = doc()
    two["nodes"].append(copy.deepcopy(two["nodes"][0]))
    assert "duplicate node_id" in parse_refused(two)


@pytest.mark.parametrize(
    ("endpoint", "ok"),
    [
        ("https://al.trm.example", True),
        ("http://127.0.0.1:8001", True),
        ("http://localhost:8001/", True),
        ("http://al.trm.example", False),
        ("https://al.trm.example/?x=1", False),
        ("https://al.trm.example/#top", False),
        ("ftp://al.trm.example", False),
        ("https:///path-only", False),
        ("http://[::1]:8001", True),
        ("https://al.trm.example:port", False),
        ("https://user@al.trm.example", False),
        ("HTTPS://al.trm.example", False),
        ("https://al.trm.example/#", False),
        ("https://al.trm.example/?", False),
        ("https://al.trm.example/a b", False),
        ("https://al.trm.ex\u00e4mple", False),
    ],
)
def test_it_requires_https_endpoints_except_on_loopback(endpoint: str, ok: bool) -> None:
    document = doc()
    document["nodes"][0]["endpoint"] = endpoint
    if ok:
        assert parse_trust_list(document).nodes[0].endpoint == endpoint
    else:
        assert "endpoint" in parse_refused(document)


def test_it_gives_the_inbox_url() -> None:
    assert tl().nodes[1].inbox_url == "https://xk.trm.example/trm/1/inbox"


def _with_key(**changes: Any) -> dict[str, Any]:
    document = doc()
    document["nodes"][0]["keys"][0].update(changes)
    return document


def test_it_refuses_bad_key_entries() -> None:
    assert "thumbprint" in parse_refused(_with_key(kid=kid("xk.sig")))
    assert "OKP X25519" in parse_refused(_with_key(use="enc"))
    assert "not_after" in parse_refused(_with_key(not_after="2025-01-01T00:00:00Z"))
    private = jose.private_jwk(keyset()["al.sig.2025"])
    assert "jwk/d" in parse_refused(_with_key(jwk=private))
    jwk = {**jose.public_jwk(keyset()["al.sig.2025"]), "x": "A" * 43}
    assert "thumbprint" in parse_refused(_with_key(jwk=jwk))
    jwk = {**jose.public_jwk(keyset()["al.sig.2025"]), "use": "enc"}
    assert "use" in parse_refused(_with_key(jwk=jwk))
    document = doc()
    document["nodes"][0]["keys"].append(document["nodes"][0]["keys"][0])
    assert "duplicate kid" in parse_refused(document)


# --- lookups ----------------------------------------------------------------------


def lookup_refused(code: Code, call: Any) -> None:
    with pytest.raises(LocalProtocolError) as info:
        call()
    assert info.value.code == code, info.value


def test_it_finds_signing_keys() -> None:
    assert tl().signing_key("al.nrm", kid("al.sig.2025"), NOW).kid == kid("al.sig.2025")
    assert tl().signing_key("al.nrm", kid("al.sig.2026"), NOW).kid == kid("al.sig.2026")


def test_it_refuses_signing_keys_it_cannot_vouch_for() -> None:
    later = NOW + timedelta(days=9)
    lookup_refused(Code.UNKNOWN_SENDER, lambda: tl().signing_key("zz.nrm", kid("zz.sig"), NOW))
    lookup_refused(Code.SENDER_REVOKED, lambda: tl().signing_key("me.nrm", kid("me.sig"), NOW))
    lookup_refused(Code.UNKNOWN_SENDER_KEY, lambda: tl().signing_key("al.nrm", kid("xk.sig"), NOW))
    lookup_refused(Code.UNKNOWN_SENDER_KEY, lambda: tl().signing_key("al.nrm", kid("al.enc.2026"), NOW))
    lookup_refused(Code.KEY_REVOKED, lambda: tl().signing_key("rs.nrm", kid("rs.sig.revoked"), NOW))
    lookup_refused(Code.KEY_NOT_VALID, lambda: tl().signing_key("al.nrm", kid("al.sig.2025"), later))
    lookup_refused(Code.KEY_NOT_VALID, lambda: tl().signing_key("xk.nrm", kid("xk.sig.2027"), NOW))


def test_it_honours_revocation_times() -> None:
    before = NOW - timedelta(days=20)
    assert tl().node("me.nrm", at=before).node_id == "me.nrm"
    assert tl().find_signing_key("rs.nrm", kid("rs.sig.revoked"), at=before).revoked
    document = doc()
    document["nodes"][3].pop("revoked_at")
    lookup_refused(Code.SENDER_REVOKED, lambda: parse_trust_list(document).node("me.nrm", at=before))


def test_it_encrypts_to_the_newest_key_during_rotation() -> None:
    assert tl().encryption_key("al.nrm", NOW).kid == kid("al.enc.2026")
    before_overlap = NOW - timedelta(days=10)
    assert tl().encryption_key("al.nrm", before_overlap).kid == kid("al.enc.2025")
    assert tl().encryption_key("xk.nrm", NOW).kid == kid("xk.enc")


def test_it_refuses_encryption_when_no_key_is_usable() -> None:
    lookup_refused(Code.NO_ENCRYPTION_KEY, lambda: tl().encryption_key("zz.nrm", NOW))
    lookup_refused(Code.NO_ENCRYPTION_KEY, lambda: tl().encryption_key("me.nrm", NOW))
    lookup_refused(Code.NO_ENCRYPTION_KEY, lambda: tl().encryption_key("al.nrm", NOW + timedelta(days=400)))
    document = doc()
    document["nodes"][2]["keys"][2].update(revoked=True)
    lookup_refused(Code.NO_ENCRYPTION_KEY, lambda: parse_trust_list(document).encryption_key("rs.nrm", NOW))

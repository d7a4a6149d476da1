"""Key helpers and the JOSE wrapper (the only module that calls joserfc)."""

from __future__ import annotations

import json

import pytest

from trm.exchange import jose


def test_it_generates_key_pairs_with_thumbprint_kids() -> None:
    sig = jose.generate_signing_key()
    enc = jose.generate_encryption_key()
    assert (sig.use, enc.use) == ("sig", "enc")
    assert jose.public_jwk(sig)["crv"] == "Ed25519"
    assert jose.public_jwk(enc)["crv"] == "X25519"
    assert "d" not in jose.public_jwk(sig)
    assert sig.kid != jose.generate_signing_key().kid


def test_it_round_trips_private_keys_through_json() -> None:
    for key in (jose.generate_signing_key(), jose.generate_encryption_key()):
        text = jose.private_key_to_json(key)
        again = jose.private_key_from_json(text, key.use)
        assert again.kid == key.kid
        assert jose.private_jwk(again) == jose.private_jwk(key)
        assert jose.public_key_from_jwk(jose.public_jwk(key), key.use) == key.public()


@pytest.mark.parametrize(
    ("jwk", "use", "message"),
    [
        ("not a dict", "sig", "JSON object"),
        ({"kty": "EC", "crv": "P-256"}, "sig", "OKP Ed25519"),
        ({"kty": "OKP", "crv": "X25519", "x": "AA"}, "sig", "OKP Ed25519"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "!!"}, "sig", "invalid key material"),
    ],
)
def test_it_refuses_bad_public_jwks(jwk: object, use: jose.KeyUse, message: str) -> None:
    with pytest.raises(jose.JoseFailure, match=message):
        jose.public_key_from_jwk(jwk, use)


def test_it_refuses_private_parts_where_public_keys_belong_and_vice_versa() -> None:
    key = jose.generate_signing_key()
    with pytest.raises(jose.JoseFailure, match="private part"):
        jose.public_key_from_jwk(jose.private_jwk(key), "sig")
    with pytest.raises(jose.JoseFailure, match="private key expected"):
        jose.private_key_from_jwk(jose.public_jwk(key), "sig")
    with pytest.raises(jose.JoseFailure, match="not JSON"):
        jose.private_key_from_json("{", "sig")


def test_it_refuses_a_short_seed() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        jose.key_from_seed(b"short", "sig")


def test_it_refuses_keys_of_the_wrong_use() -> None:
    sig = jose.generate_signing_key()
    enc = jose.generate_encryption_key()
    token = jose.encrypt(b"x", typ="t", cty="c", recipient=enc.public())
    with pytest.raises(jose.JoseFailure, match="encryption key"):
        jose.decrypt(token, sig)
    with pytest.raises(jose.JoseFailure, match="signature key"):
        jose.verify(jose.sign(b"x", typ="t", key=sig), enc.public())


def test_it_reports_malformed_jose_objects() -> None:
    with pytest.raises(jose.JoseFailure, match="base64url"):
        jose.jwe_header("%%%.a.b.c.d")
    with pytest.raises(jose.JoseFailure, match="JSON object"):
        jose.jwe_header("WzFd..AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA")
    with pytest.raises(jose.JoseFailure, match="base64url"):
        jose.jws_parts("a.b.c")
    with pytest.raises(jose.JoseFailure, match="64 octets"):
        jose.jws_parts("e30.e30.AAAA")


def test_its_tokens_are_those_of_a_jose_library_both_ways() -> None:
    """sign, verify, encrypt and decrypt use the primitives directly: joserfc reads their
    tokens and they read joserfc's, with the same header bytes."""
    from joserfc import jwe, jws
    from joserfc.jwe import JWERegistry
    from joserfc.jws import JWSRegistry

    sig, enc = jose.generate_signing_key(), jose.generate_encryption_key()
    jws_registry = JWSRegistry(algorithms=["Ed25519"])
    jwe_registry = JWERegistry(algorithms=["ECDH-ES", "A256GCM"])
    signed = jose.sign(b'{"a":1}', typ="trm1+jws", key=sig)
    assert jws.deserialize_compact(signed, sig._okp, registry=jws_registry).payload == b'{"a":1}'
    theirs = jws.serialize_compact(
        {"alg": "Ed25519", "kid": sig.kid, "typ": "t"}, b"x", sig._okp, registry=jws_registry
    )
    assert jose.verify(theirs, sig.public()) == b"x"
    sealed = jose.encrypt(b"plain", typ="trm1+jwe", cty="trm1+jws", recipient=enc.public())
    assert jwe.decrypt_compact(sealed, enc._okp, registry=jwe_registry).plaintext == b"plain"
    header = {"alg": "ECDH-ES", "enc": "A256GCM", "kid": enc.kid, "typ": "trm1+jwe", "cty": "trm1+jws"}
    theirs = jwe.encrypt_compact(header, b"plain", enc._okp, registry=jwe_registry)
    assert jose.decrypt(theirs, enc) == b"plain"
    assert theirs.split(".")[0][:60] == sealed.split(".")[0][:60]  # the same header, member for member
    with_apu = jwe.encrypt_compact({**header, "apu": "QWxpY2U"}, b"plain", enc._okp, registry=jwe_registry)
    assert jose.decrypt(with_apu, enc) == b"plain"


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "ECDH-ES+A256KW"},
        {"enc": "A128GCM"},
        {"zip": "DEF"},
        {"crit": ["x"]},
        {"epk": "x"},
        {"epk": {"kty": "EC", "crv": "P-256", "x": "AA"}},
        {"apu": 1},
    ],
)
def test_it_decrypts_nothing_but_ecdh_es_a256gcm_on_x25519(header: dict[str, object]) -> None:
    enc = jose.generate_encryption_key()
    ephemeral = jose.generate_encryption_key()
    base = {"alg": "ECDH-ES", "enc": "A256GCM", "kid": enc.kid, "epk": jose.epk_for(ephemeral)}
    raw = json.dumps({**base, **header}).encode()
    token = jose.encrypt_raw(raw, b"plain", recipient=enc.public(), ephemeral=ephemeral)
    with pytest.raises(jose.JoseFailure, match="decrypt"):
        jose.decrypt(token, enc)


def test_it_refuses_tampered_low_order_and_oversized_tokens() -> None:
    enc = jose.generate_encryption_key()
    good = jose.encrypt(b"plain", typ="t", cty="c", recipient=enc.public())
    header = json.dumps({"alg": "ECDH-ES", "enc": "A256GCM", "kid": enc.kid, "epk": jose.epk_for(None)}).encode()
    low_order = jose.encrypt_raw(header, b"plain", recipient=enc.public(), ephemeral=None)
    flipped = good[:-2] + ("A" if good[-2] != "A" else "Q") + good[-1]
    for token in (low_order, flipped, "x" * (jose.HARD_LIMIT + 1), "a.b.c"):
        with pytest.raises(jose.JoseFailure, match="decrypt"):
            jose.decrypt(token, enc)
    sig = jose.generate_signing_key()
    signed = jose.sign(b"x", typ="t", key=sig)
    extra = jose.sign_raw(b'{"alg":"Ed25519","b64":false}', b"x", sig)
    eddsa = jose.sign_raw(b'{"alg":"EdDSA"}', b"x", sig)
    # A signature already ending in "AA" (1 in 256) would not be tampered by writing "AA": flip to "QA" then.
    tampered = signed[:-2] + ("AA" if signed[-2:] != "AA" else "QA")
    for token in (tampered, extra, eddsa, "x" * (jose.HARD_LIMIT + 1), "a.b"):
        with pytest.raises(jose.JoseFailure, match="signature"):
            jose.verify(token, sig.public())
    with pytest.raises(jose.JoseFailure, match="key"):
        jose.sign(b"x", typ="t", key=enc)
    with pytest.raises(jose.JoseFailure, match="key"):
        jose.encrypt(b"x", typ="t", cty="c", recipient=sig.public())

"""Key helpers and the JOSE wrapper (the only module that calls joserfc)."""

from __future__ import annotations

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

"""The one place where trm/1 calls JOSE (joserfc); pure, no I/O.

Algorithms are fixed by the protocol and given explicitly through the registries
built here: JWS ``Ed25519`` (RFC 9864) and JWE ``ECDH-ES`` with ``A256GCM`` on X25519
keys. Nothing here relies on a joserfc default. Key ids are RFC 7638 thumbprints.

Failures are reported as ``JoseFailure`` with a short ``kind`` (``malformed``,
``signature``, ``decrypt``, ``key``); the protocol and trust-list modules turn them into
their own stable error codes.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from joserfc import jwe, jws
from joserfc.errors import JoseError
from joserfc.jwe import JWERegistry
from joserfc.jwk import OKPKey
from joserfc.jws import JWSRegistry

JWS_ALG = "Ed25519"
JWE_ALG = "ECDH-ES"
JWE_ENC = "A256GCM"
SIG_CURVE: Literal["Ed25519"] = "Ed25519"
ENC_CURVE: Literal["X25519"] = "X25519"

# Hard ceiling for any JOSE object handled here; the protocol enforces its own, lower,
# limit (a parameter) before anything reaches joserfc.
HARD_LIMIT = 4 * 1024 * 1024

KeyUse = Literal["sig", "enc"]


class JoseFailure(Exception):
    def __init__(self, kind: str, detail: str = "") -> None:
        self.kind = kind
        self.detail = detail
        super().__init__(f"{kind}: {detail}")


def _jws_registry() -> JWSRegistry:
    registry = JWSRegistry(algorithms=[JWS_ALG], strict_check_header=True)
    registry.max_header_length = 1024
    registry.max_payload_length = HARD_LIMIT
    return registry


def _jwe_registry() -> JWERegistry:
    registry = JWERegistry(algorithms=[JWE_ALG, JWE_ENC], strict_check_header=True)
    registry.max_protected_header_length = 1024
    registry.max_ciphertext_length = HARD_LIMIT
    return registry


JWS_REGISTRY = _jws_registry()
JWE_REGISTRY = _jwe_registry()


# --- keys -------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicKey:
    """A peer's public key (Ed25519 for ``sig``, X25519 for ``enc``) with its kid."""

    kid: str
    use: KeyUse
    jwk: dict[str, str] = field(compare=False, repr=False)
    _okp: OKPKey = field(compare=False, repr=False)


@dataclass(frozen=True)
class PrivateKey:
    """One of our private keys (Ed25519 ``sig`` or X25519 ``enc``)."""

    kid: str
    use: KeyUse
    _okp: OKPKey = field(compare=False, repr=False)

    def public(self) -> PublicKey:
        return PublicKey(self.kid, self.use, public_jwk(self), self._okp)


_CURVE_FOR_USE: dict[str, str] = {"sig": SIG_CURVE, "enc": ENC_CURVE}


def _wrap_private(okp: OKPKey, use: KeyUse) -> PrivateKey:
    return PrivateKey(okp.thumbprint(), use, okp)


def generate_signing_key() -> PrivateKey:
    """A new Ed25519 key pair (randomness from the operating system via cryptography)."""
    return _wrap_private(OKPKey.generate_key(SIG_CURVE, private=True), "sig")


def generate_encryption_key() -> PrivateKey:
    """A new X25519 key pair (randomness from the operating system via cryptography)."""
    return _wrap_private(OKPKey.generate_key(ENC_CURVE, private=True), "enc")


def key_from_seed(seed: bytes, use: KeyUse) -> PrivateKey:
    """A key derived from 32 fixed bytes; for published test vectors only."""
    if len(seed) != 32:
        raise ValueError("seed must be 32 bytes")
    raw = Ed25519PrivateKey.from_private_bytes(seed) if use == "sig" else X25519PrivateKey.from_private_bytes(seed)
    return _wrap_private(OKPKey.import_key(raw), use)


def public_jwk(key: PrivateKey | PublicKey) -> dict[str, str]:
    """The public JWK with ``kid`` and ``use`` (members sorted, as published)."""
    data: dict[str, Any] = dict(key._okp.as_dict(private=False))
    data["kid"] = key.kid
    data["use"] = key.use
    return {k: str(data[k]) for k in sorted(data)}


def private_jwk(key: PrivateKey) -> dict[str, str]:
    """The private JWK (keep secret) with ``kid`` and ``use``."""
    data: dict[str, Any] = dict(key._okp.as_dict(private=True))
    data["kid"] = key.kid
    data["use"] = key.use
    return {k: str(data[k]) for k in sorted(data)}


def private_key_to_json(key: PrivateKey) -> str:
    return json.dumps(private_jwk(key), sort_keys=True)


def _import_okp(jwk: object, use: KeyUse, *, private: bool) -> OKPKey:
    if not isinstance(jwk, dict):
        raise JoseFailure("key", "a JWK must be a JSON object")
    if jwk.get("kty") != "OKP" or jwk.get("crv") != _CURVE_FOR_USE[use]:
        raise JoseFailure("key", f"a {use} key must be OKP {_CURVE_FOR_USE[use]}")
    if "use" in jwk and jwk["use"] != use:
        raise JoseFailure("key", f"JWK use is not {use}")
    if private and "d" not in jwk:
        raise JoseFailure("key", "private key expected")
    if not private and "d" in jwk:
        raise JoseFailure("key", "a public JWK must not carry a private part")
    members = {k: jwk[k] for k in ("kty", "crv", "x", "d") if k in jwk}
    try:
        okp = OKPKey.import_key(members)
        okp.thumbprint()
    except (JoseError, ValueError, TypeError) as err:
        raise JoseFailure("key", "invalid key material") from err
    if "kid" in jwk and jwk["kid"] != okp.thumbprint():
        raise JoseFailure("key", "kid is not the RFC 7638 thumbprint of the key")
    return okp


def private_key_from_jwk(jwk: object, use: KeyUse) -> PrivateKey:
    return _wrap_private(_import_okp(jwk, use, private=True), use)


def private_key_from_json(text: str, use: KeyUse) -> PrivateKey:
    try:
        data = json.loads(text)
    except ValueError as err:
        raise JoseFailure("key", "not JSON") from err
    return private_key_from_jwk(data, use)


def public_key_from_jwk(jwk: object, use: KeyUse) -> PublicKey:
    okp = _import_okp(jwk, use, private=False)
    key = PublicKey(okp.thumbprint(), use, {}, okp)
    return PublicKey(key.kid, use, public_jwk(key), okp)


# --- JWS ----------------------------------------------------------------------------


def _b64_json_header(segment: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        header = json.loads(raw)
    except ValueError as err:
        raise JoseFailure("malformed", "header is not base64url JSON") from err
    if not isinstance(header, dict):
        raise JoseFailure("malformed", "header is not a JSON object")
    return header


def sign(payload: bytes, *, typ: str, key: PrivateKey) -> str:
    """A compact JWS (Ed25519) with protected header {alg, kid, typ}."""
    header = {"alg": JWS_ALG, "kid": key.kid, "typ": typ}
    return jws.serialize_compact(header, payload, key._okp, registry=JWS_REGISTRY)


def jws_parts(token: str) -> tuple[dict[str, Any], bytes]:
    """Header and payload of a compact JWS, *not verified* (to find the key)."""
    if token.count(".") != 2:
        raise JoseFailure("malformed", "a compact JWS has three parts")
    try:
        obj = jws.extract_compact(token.encode("ascii"), registry=JWS_REGISTRY)
    except (JoseError, ValueError, TypeError, UnicodeError) as err:
        raise JoseFailure("malformed", "not a compact JWS") from err
    header = obj.headers()
    return dict(header), obj.payload


def verify(token: str, key: PublicKey) -> bytes:
    """The payload of a compact JWS whose Ed25519 signature ``key`` verifies."""
    if key.use != "sig":
        raise JoseFailure("key", "not a signature key")
    try:
        obj = jws.deserialize_compact(token.encode("ascii"), key._okp, registry=JWS_REGISTRY)
    except (JoseError, ValueError, TypeError, UnicodeError) as err:
        raise JoseFailure("signature", "signature does not verify") from err
    return obj.payload


# --- JWE ----------------------------------------------------------------------------


def encrypt(plaintext: bytes, *, typ: str, cty: str, recipient: PublicKey) -> str:
    """A compact JWE (ECDH-ES, A256GCM) to ``recipient``; header {alg, enc, kid, typ, cty}."""
    header = {"alg": JWE_ALG, "enc": JWE_ENC, "kid": recipient.kid, "typ": typ, "cty": cty}
    return jwe.encrypt_compact(header, plaintext, recipient._okp, registry=JWE_REGISTRY)


def jwe_header(token: str) -> dict[str, Any]:
    """The protected header of a compact JWE, before decryption."""
    if token.count(".") != 4:
        raise JoseFailure("malformed", "a compact JWE has five parts")
    return _b64_json_header(token.split(".", 1)[0])


def decrypt(token: str, key: PrivateKey) -> bytes:
    if key.use != "enc":
        raise JoseFailure("key", "not an encryption key")
    try:
        obj = jwe.decrypt_compact(token.encode("ascii"), key._okp, registry=JWE_REGISTRY)
    except (JoseError, ValueError, TypeError, UnicodeError, KeyError) as err:
        raise JoseFailure("decrypt", "cannot decrypt") from err
    plaintext = obj.plaintext
    assert plaintext is not None
    return plaintext

"""The one place where trm/1 does JOSE; pure, no I/O.

Algorithms are fixed by the protocol: JWS ``Ed25519`` (RFC 9864) and JWE ``ECDH-ES`` with
``A256GCM`` on X25519 keys. Keys are joserfc ``OKPKey`` objects (import, export and RFC
7638 thumbprints, which are the key ids); signing, verifying, encrypting and decrypting
call the ``cryptography`` primitives directly (Ed25519, X25519, the Concat KDF of RFC 7518
§4.6.2 and AES-256-GCM) on exactly the bytes trm/1 fixes. A JOSE library builds and walks
objects of its own for every token, which cost as much as the cryptography itself; the
tokens are the same (tests/exchange/test_jose.py checks them against joserfc both ways).

Failures are reported as ``JoseFailure`` with a short ``kind`` (``malformed``,
``signature``, ``decrypt``, ``key``); the protocol and trust-list modules turn them into
their own stable error codes.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from trm.exchange import wire

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


# --- JWS ---------------------------------------------------------------------------

# An Ed25519 signature is 64 octets; a JWE A256GCM IV 12 and its tag 16 (RFC 7518 §5.3).
SIGNATURE_BYTES = 64
IV_BYTES = 12
TAG_BYTES = 16
# Longest JWE protected header (base64url characters) a node reads (trm/1 §7 check 2).
MAX_JWE_HEADER = 1024


@dataclass(frozen=True)
class JWSParts:
    """A compact JWS read strictly (trm/1 §2), *not verified*."""

    header: dict[str, Any]
    header_bytes: bytes
    payload: bytes
    signature: bytes


@dataclass(frozen=True)
class JWEParts:
    """A compact JWE read strictly (trm/1 §7 check 2), *not decrypted*."""

    header: dict[str, Any]
    encrypted_key: bytes
    iv: bytes
    ciphertext: bytes
    tag: bytes


def canonical_jws_header(*, kid: str, typ: str) -> bytes:
    """The one protected header trm/1 signs with: canonical JSON of {alg, kid, typ}."""
    return json.dumps({"alg": JWS_ALG, "kid": kid, "typ": typ}, sort_keys=True, separators=(",", ":")).encode()


def sign(payload: bytes, *, typ: str, key: PrivateKey) -> str:
    """A compact JWS (Ed25519) with the canonical protected header {alg, kid, typ}."""
    if key.use != "sig":
        raise JoseFailure("key", "not a signature key")
    return sign_raw(canonical_jws_header(kid=key.kid, typ=typ), payload, key)


def parse_jws(token: str) -> JWSParts:
    """A compact JWS: three canonical base64url parts, an I-JSON object header, a non-empty
    payload and a 64-octet signature; raises JoseFailure("malformed")."""
    try:
        header_bytes, payload, signature = wire.compact_parts(token, 3)
        header = wire.parse_json_object(header_bytes)
    except wire.WireError as err:
        raise JoseFailure("malformed", str(err)) from err
    if not payload or len(signature) != SIGNATURE_BYTES:
        raise JoseFailure("malformed", "empty payload or signature not 64 octets")
    return JWSParts(header, header_bytes, payload, signature)


def jws_parts(token: str) -> tuple[dict[str, Any], bytes]:
    """Header and payload of a compact JWS, *not verified* (to find the key)."""
    parts = parse_jws(token)
    return parts.header, parts.payload


# The members a JWS protected header may carry here: a header naming anything else
# (``crit``, ``b64``, ``jku`` …) is never verified, whatever the caller checked before.
_JWS_MEMBERS = frozenset({"alg", "kid", "typ"})


def verify(token: str, key: PublicKey, *, parts: JWSParts | None = None) -> bytes:
    """The payload of a compact JWS whose Ed25519 signature ``key`` verifies.

    ``parts`` is ``parse_jws(token)`` when the caller has it already (not read twice).
    """
    if key.use != "sig":
        raise JoseFailure("key", "not a signature key")
    public = key._okp.public_key
    try:
        if len(token) > HARD_LIMIT or not isinstance(public, Ed25519PublicKey):
            raise JoseFailure("signature")
        parts = parts or parse_jws(token)
        if parts.header.get("alg") != JWS_ALG or not set(parts.header) <= _JWS_MEMBERS:
            raise JoseFailure("signature")
        public.verify(parts.signature, token.rsplit(".", 1)[0].encode("ascii"))
    except (JoseFailure, InvalidSignature, UnicodeError) as err:
        raise JoseFailure("signature", "signature does not verify") from err
    return parts.payload


# --- JWE ----------------------------------------------------------------------------


def encrypt(plaintext: bytes, *, typ: str, cty: str, recipient: PublicKey) -> str:
    """A compact JWE (ECDH-ES, A256GCM) to ``recipient``; header {alg, enc, kid, typ, cty, epk}
    (in this order, as JOSE libraries write it), a fresh ephemeral key and a random IV."""
    if recipient.use != "enc":
        raise JoseFailure("key", "not an encryption key")
    ephemeral = X25519PrivateKey.generate()
    x = wire.b64url_encode(ephemeral.public_key().public_bytes_raw())
    header = {
        "alg": JWE_ALG,
        "enc": JWE_ENC,
        "kid": recipient.kid,
        "typ": typ,
        "cty": cty,
        "epk": {"crv": ENC_CURVE, "x": x, "kty": "OKP"},
    }
    header_bytes = json.dumps(header, separators=(",", ":")).encode("ascii")
    return _seal_jwe(header_bytes, plaintext, shared=_exchange(ephemeral, recipient._okp.public_key))


def parse_jwe(token: str) -> JWEParts:
    """A compact JWE: five canonical base64url parts, a protected header of at most
    ``MAX_JWE_HEADER`` characters that is an I-JSON object, an empty encrypted key, a
    12-octet IV, a non-empty ciphertext and a 16-octet tag; raises JoseFailure("malformed")."""
    if len(token.split(".", 1)[0]) > MAX_JWE_HEADER:
        raise JoseFailure("malformed", "protected header too long")
    try:
        header_bytes, encrypted_key, iv, ciphertext, tag = wire.compact_parts(token, 5)
        header = wire.parse_json_object(header_bytes)
    except wire.WireError as err:
        raise JoseFailure("malformed", str(err)) from err
    if encrypted_key or len(iv) != IV_BYTES or not ciphertext or len(tag) != TAG_BYTES:
        raise JoseFailure("malformed", "encrypted key, IV, ciphertext or tag of the wrong length")
    return JWEParts(header, encrypted_key, iv, ciphertext, tag)


def jwe_header(token: str) -> dict[str, Any]:
    """The protected header of a compact JWE, before decryption."""
    return parse_jwe(token).header


def decrypt(token: str, key: PrivateKey, *, parts: JWEParts | None = None) -> bytes:
    """Decrypt a compact JWE that ``parse_jwe`` accepted and whose header trm/1 allows.

    ``parts`` is ``parse_jwe(token)`` when the caller has it already (not read twice).
    Only ``ECDH-ES`` + ``A256GCM`` with an X25519 ``epk`` and no ``zip`` or ``crit`` is
    decrypted; ``apu`` and ``apv``, if present, enter the key derivation (RFC 7518 §4.6.2).
    """
    if key.use != "enc":
        raise JoseFailure("key", "not an encryption key")
    try:
        if len(token) > HARD_LIMIT:
            raise JoseFailure("decrypt")
        parts = parts or parse_jwe(token)
        header = parts.header
        epk = header.get("epk")
        if (header.get("alg"), header.get("enc")) != (JWE_ALG, JWE_ENC) or {"zip", "crit"} & set(header):
            raise JoseFailure("decrypt")
        if not isinstance(epk, dict) or (epk.get("kty"), epk.get("crv")) != ("OKP", ENC_CURVE):
            raise JoseFailure("decrypt")
        # An all-zero X25519 shared secret (a low-order ``epk``) raises ValueError here.
        shared = _exchange(key._okp.private_key, X25519PublicKey.from_public_bytes(wire.b64url_decode(epk["x"])))
        cek = _derive(shared, JWE_ENC, _b64_member(header, "apu"), _b64_member(header, "apv"))
        protected = token.split(".", 1)[0].encode("ascii")
        return AESGCM(cek).decrypt(parts.iv, parts.ciphertext + parts.tag, protected)
    except (JoseFailure, wire.WireError, InvalidTag, ValueError, TypeError, KeyError, UnicodeError) as err:
        raise JoseFailure("decrypt", "cannot decrypt") from err


def _b64_member(header: dict[str, Any], name: str) -> bytes:
    value = header.get(name, "")
    if not isinstance(value, str):
        raise JoseFailure("decrypt")
    return wire.b64url_decode(value)


def _exchange(private: object, public: object) -> bytes:
    if not isinstance(private, X25519PrivateKey) or not isinstance(public, X25519PublicKey):
        raise JoseFailure("key", "not X25519 keys")
    return private.exchange(public)


def _derive(shared: bytes, enc: str, apu: bytes, apv: bytes) -> bytes:
    """The Concat KDF of RFC 7518 §4.6.2 for ECDH-ES in direct key agreement (256 bits)."""

    def counted(value: bytes) -> bytes:
        return struct.pack(">I", len(value)) + value

    other_info = counted(enc.encode("ascii")) + counted(apu) + counted(apv) + struct.pack(">I", 256)
    return ConcatKDFHash(algorithm=hashes.SHA256(), length=32, otherinfo=other_info).derive(shared)


def _seal_jwe(
    header: bytes,
    plaintext: bytes,
    *,
    shared: bytes,
    enc: str = JWE_ENC,
    apu: bytes = b"",
    apv: bytes = b"",
    iv: bytes | None = None,
    encrypted_key: bytes = b"",
) -> str:
    cek = _derive(shared, enc, apu, apv)
    iv = os.urandom(IV_BYTES) if iv is None else iv
    protected = wire.b64url_encode(header)
    sealed = AESGCM(cek).encrypt(iv, plaintext, protected.encode("ascii"))
    ciphertext, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    return ".".join(
        [protected, wire.b64url_encode(encrypted_key), *(wire.b64url_encode(p) for p in (iv, ciphertext, tag))]
    )


# --- raw builders: tokens trm/1 forbids, for the test vectors and the conformance suite ----
#
# ``sign`` and ``encrypt`` above only build what trm/1 allows. A refusal vector needs a
# duplicate header member, an extra one, another IV length or an all-zero shared secret,
# which no JOSE library writes; these builders use the same primitives on bytes given
# exactly.


def sign_raw(header: bytes, payload: bytes, key: PrivateKey) -> str:
    """A compact JWS over exactly these header and payload bytes."""
    signing_input = f"{wire.b64url_encode(header)}.{wire.b64url_encode(payload)}".encode("ascii")
    private = key._okp.private_key
    if not isinstance(private, Ed25519PrivateKey):
        raise JoseFailure("key", "not an Ed25519 private key")
    return f"{signing_input.decode('ascii')}.{wire.b64url_encode(private.sign(signing_input))}"


def epk_for(ephemeral: PrivateKey | None) -> dict[str, str]:
    """The ``epk`` member for an ephemeral key (``None``: the all-zero, low-order point)."""
    x = wire.b64url_encode(bytes(32)) if ephemeral is None else public_jwk(ephemeral)["x"]
    return {"crv": ENC_CURVE, "kty": "OKP", "x": x}


def encrypt_raw(
    header: bytes,
    plaintext: bytes,
    *,
    recipient: PublicKey,
    ephemeral: PrivateKey | None,
    enc: str = JWE_ENC,
    apu: bytes = b"",
    apv: bytes = b"",
    iv: bytes | None = None,
    encrypted_key: bytes = b"",
) -> str:
    """A compact JWE with exactly this protected header (which should carry
    ``epk_for(ephemeral)``): ECDH-ES on X25519, Concat KDF (RFC 7518 §4.6.2) with ``enc``,
    ``apu`` and ``apv``, then AES-256-GCM. ``ephemeral=None`` uses an all-zero shared secret."""
    shared = bytes(32) if ephemeral is None else _exchange(ephemeral._okp.private_key, recipient._okp.public_key)
    return _seal_jwe(header, plaintext, shared=shared, enc=enc, apu=apu, apv=apv, iv=iv, encrypted_key=encrypted_key)

"""AES-256-GCM encryption of single field values, with the key id stored beside the ciphertext.

Format of a stored value: ``trm1:<kid>:<base64url(nonce || ciphertext+tag)>``.
The associated data binds a ciphertext to its column ("app.Model.field"), so a value
copied into another column does not decrypt. Keys rotate: new writes use the primary
key; old values stay readable while their key is configured; ``trm rotate-keys``
re-encrypts them.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "trm1"
NONCE_BYTES = 12


class FieldKeyError(ValueError):
    """The key configuration is unusable."""


class DecryptionError(ValueError):
    """A stored value cannot be decrypted: wrong key, unknown key id or tampered data."""


def _b64d(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    # Strict: a character outside the URL-safe alphabet is an error, never silently dropped.
    return base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def parse_keys(spec: str) -> tuple[str, dict[str, bytes]]:
    """Parse ``kid1:base64key,kid2:base64key``; the first key is the primary (used to write)."""
    keys: dict[str, bytes] = {}
    primary = ""
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        kid, sep, material = part.partition(":")
        if not sep or not kid or not kid.isalnum():
            raise FieldKeyError("each field key must look like 'kid:base64key' with an alphanumeric kid")
        try:
            key = _b64d(material)
        except (binascii.Error, ValueError):
            raise FieldKeyError(f"field key {kid!r} is not valid base64") from None
        if len(key) != 32:
            raise FieldKeyError(f"field key {kid!r} must be 32 bytes (AES-256)")
        if kid in keys:
            raise FieldKeyError(f"field key id {kid!r} appears twice")
        keys[kid] = key
        primary = primary or kid
    if not keys:
        raise FieldKeyError("no field key configured")
    return primary, keys


def generate_key_spec(kid: str = "k1") -> str:
    return f"{kid}:{_b64e(os.urandom(32))}"


@dataclass(frozen=True)
class FieldCipher:
    primary: str
    keys: dict[str, bytes]

    @classmethod
    def from_spec(cls, spec: str) -> FieldCipher:
        primary, keys = parse_keys(spec)
        return cls(primary=primary, keys=keys)

    def encrypt(self, plaintext: str, *, aad: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.primary]).encrypt(nonce, plaintext.encode("utf-8"), aad.encode())
        return f"{PREFIX}:{self.primary}:{_b64e(nonce + sealed)}"

    def decrypt(self, token: str, *, aad: str) -> str:
        prefix, _, rest = token.partition(":")
        kid, _, payload = rest.partition(":")
        if prefix != PREFIX or not kid or not payload:
            raise DecryptionError("stored value is not a TRM ciphertext")
        key = self.keys.get(kid)
        if key is None:
            raise DecryptionError(f"no field key with id {kid!r} is configured")
        try:
            raw = _b64d(payload)
            plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad.encode())
        except (InvalidTag, binascii.Error, ValueError):
            raise DecryptionError(f"ciphertext under key {kid!r} failed authentication") from None
        return plain.decode("utf-8")

    @staticmethod
    def key_id_of(token: str) -> str | None:
        parts = token.split(":", 2)
        return parts[1] if len(parts) == 3 and parts[0] == PREFIX else None

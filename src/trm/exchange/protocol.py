"""trm/1 protocol core: build, seal, open and verify messages and receipts.

Sans-I/O: no Django, no network, no database, no clock and no global state. The caller
passes the time (``now``), message ids, keys, the trust list and the record of message
ids already seen. See docs/protocol.md for the normative description; the order of the
checks in ``open_`` is the order given there, so that every implementation reports the
same error code for the same token.

A sealed message is a compact JWE (``ECDH-ES`` + ``A256GCM``, X25519, ``typ``
``trm1+jwe``, ``cty`` ``trm1+jws``) whose plaintext is a compact JWS (``Ed25519``,
``typ`` ``trm1+jws``) over the canonical JSON envelope. A receipt is a compact JWS
(``typ`` ``trm1-receipt+jws``) that is signed but not encrypted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Callable, Container, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from trm.exchange import jose, schemas
from trm.exchange.errors import Code, LocalProtocolError, ProtocolError
from trm.exchange.messages import (
    MESSAGE_TYPES,
    VERSION,
    Handling,
    Message,
    Receipt,
    check_message,
    format_time,
    message_from_envelope,
    parse_time,
)
from trm.exchange.trustlist import TrustList, canonical_json

JWE_TYP = "trm1+jwe"
JWS_TYP = "trm1+jws"
RECEIPT_TYP = "trm1-receipt+jws"

DEFAULT_MAX_BYTES = 256 * 1024
DEFAULT_RECEIPT_MAX_BYTES = 16 * 1024
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)
DEFAULT_TTL = timedelta(days=7)
DEFAULT_MAX_LIFETIME = timedelta(days=30)

DEFAULT_HANDLING = Handling()

Seen = Callable[[str], bool] | Container[str]


def _local(code: Code, detail: str, message_id: str | None = None) -> LocalProtocolError:
    return LocalProtocolError(code, detail, message_id=message_id)


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _whole_seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


# --- building -----------------------------------------------------------------------


def build(
    type_: str,
    *,
    sender: str,
    recipient: str,
    body: Mapping[str, Any],
    message_id: uuid.UUID | str,
    conversation: uuid.UUID | str,
    now: datetime,
    purpose: str,
    legal_basis: str,
    consent_ref: str | None = None,
    best_interests_ref: str | None = None,
    in_reply_to: uuid.UUID | str | None = None,
    handling: Handling = DEFAULT_HANDLING,
    ttl: timedelta = DEFAULT_TTL,
    max_lifetime: timedelta = DEFAULT_MAX_LIFETIME,
) -> Message:
    """A checked message; raises LocalProtocolError (e.g. ``asylum_seeker_identity_request``)."""
    if type_ not in MESSAGE_TYPES:
        raise _local(Code.UNKNOWN_TYPE, "message type not defined in trm/1", str(message_id))
    created = _whole_seconds(now)
    message = Message(
        id=str(message_id),
        type=type_,
        sender=sender,
        recipient=recipient,
        created=created,
        expires=created + ttl,
        conversation=str(conversation),
        purpose=purpose,
        legal_basis=legal_basis,
        body=dict(body),
        handling=handling,
        consent_ref=consent_ref,
        best_interests_ref=best_interests_ref,
        in_reply_to=None if in_reply_to is None else str(in_reply_to),
    )
    # The envelope schema checks ids, node ids, purposes and the handling codes.
    errors = schemas.validate(message.to_envelope(), schemas.ENVELOPE_SCHEMA)
    if errors:
        where = ", ".join(f"{e.path} ({e.keyword})" for e in errors[:5])
        raise _local(Code.MALFORMED_ENVELOPE, f"envelope: {where}", message.id)
    check_message(message)
    if message.expires - message.created > max_lifetime:
        raise _local(Code.LIFETIME_TOO_LONG, "ttl above the maximum lifetime", message.id)
    return message


def encode(message: Message) -> bytes:
    """The canonical JSON envelope that is signed."""
    return canonical_json(message.to_envelope())


# --- sealing ------------------------------------------------------------------------


def _check_times(message: Message, now: datetime, skew: timedelta, max_lifetime: timedelta) -> None:
    if message.expires - message.created > max_lifetime:
        raise _local(Code.LIFETIME_TOO_LONG, "expires - created above the maximum", message.id)
    if message.created > now + skew:
        raise _local(Code.CREATED_IN_FUTURE, "created is ahead of our clock", message.id)
    if message.expires + skew <= now:
        raise _local(Code.EXPIRED, "message expired", message.id)


def seal(
    message: Message,
    *,
    sender_key: jose.PrivateKey,
    recipient_key: jose.PublicKey,
    now: datetime,
    max_bytes: int = DEFAULT_MAX_BYTES,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    max_lifetime: timedelta = DEFAULT_MAX_LIFETIME,
) -> str:
    """Sign the envelope with our Ed25519 key, then encrypt it to the recipient's key."""
    if sender_key.use != "sig" or recipient_key.use != "enc":
        raise ValueError("seal needs our signature key and the recipient's encryption key")
    check_message(message)
    _check_times(message, now, clock_skew, max_lifetime)
    signed = jose.sign(encode(message), typ=JWS_TYP, key=sender_key)
    token = jose.encrypt(signed.encode("ascii"), typ=JWE_TYP, cty=JWS_TYP, recipient=recipient_key)
    if len(token) > max_bytes:
        raise _local(Code.OVERSIZED, f"sealed message over {max_bytes} bytes", message.id)
    return token


def seal_for(
    message: Message,
    *,
    sender_key: jose.PrivateKey,
    trust_list: TrustList,
    now: datetime,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> str:
    """``seal`` to the recipient's newest encryption key on the trust list."""
    _require_current(trust_list, now)
    recipient_key = trust_list.encryption_key(message.recipient, now)
    return seal(message, sender_key=sender_key, recipient_key=recipient_key, now=now, max_bytes=max_bytes)


# --- opening ------------------------------------------------------------------------


def _require_current(trust_list: TrustList, now: datetime) -> None:
    # Raised as a local error, never turned into a remote one: the fault is ours, and the
    # inbox answers 503 so that the sender retries once we hold a current list.
    if trust_list.expires <= now:
        raise _local(Code.NO_CURRENT_TRUST_LIST, "the trust list we hold has expired")


def _already_seen(seen: Seen, message_id: str) -> bool:
    if callable(seen):
        return bool(seen(message_id))
    return message_id in seen


def _check_typ(header: Mapping[str, Any], expected: str) -> None:
    # "trm2+jwe" is another version of the protocol; "foo" is not a trm token at all.
    typ = header.get("typ")
    if typ == expected:
        return
    suffix = expected.split("+", 1)[1]
    if isinstance(typ, str) and typ.startswith("trm") and typ.endswith("+" + suffix):
        raise _local(Code.UNSUPPORTED_VERSION, f"typ {typ[:20]} is not {expected}")
    raise _local(Code.MALFORMED_TOKEN, f"typ is not {expected}")


def open_(
    token: str | bytes,
    *,
    our_node_id: str,
    our_keys: Iterable[jose.PrivateKey],
    trust_list: TrustList,
    now: datetime,
    seen: Seen,
    max_bytes: int = DEFAULT_MAX_BYTES,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    max_lifetime: timedelta = DEFAULT_MAX_LIFETIME,
) -> Message:
    """Decrypt, verify and check a received token; raises RemoteProtocolError.

    ``seen`` is a container of message ids already accepted, or a callable answering
    whether an id was seen. ``open_`` does not record the id: the caller stores it with
    the message, in the same transaction, once it accepts the message. An expired
    ``trust_list`` raises LocalProtocolError ``no_current_trust_list``.
    """
    _require_current(trust_list, now)
    try:
        return _open(
            token,
            our_node_id,
            our_keys,
            trust_list,
            now,
            seen,
            max_bytes,
            clock_skew,
            max_lifetime,
        )
    except LocalProtocolError as err:
        err._reraise_as_remote_protocol_error()


def _open(
    token: str | bytes,
    our_node_id: str,
    our_keys: Iterable[jose.PrivateKey],
    trust_list: TrustList,
    now: datetime,
    seen: Seen,
    max_bytes: int,
    skew: timedelta,
    max_lifetime: timedelta,
) -> Message:
    # 1. Size, then shape of the outer JWE.
    if len(token) > max_bytes:
        raise _local(Code.OVERSIZED, f"token over {max_bytes} bytes")
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError as err:
            raise _local(Code.MALFORMED_TOKEN, "token is not ASCII") from err
    token = token.strip()
    try:
        outer = jose.jwe_header(token)
    except jose.JoseFailure as err:
        raise _local(Code.MALFORMED_TOKEN, "not a compact JWE") from err
    _check_typ(outer, JWE_TYP)
    if (outer.get("alg"), outer.get("enc"), outer.get("cty")) != (
        jose.JWE_ALG,
        jose.JWE_ENC,
        JWS_TYP,
    ):
        raise _local(Code.MALFORMED_TOKEN, "JWE alg, enc or cty not those of trm/1")
    # 2. Our key, then decryption.
    keys = {key.kid: key for key in our_keys if key.use == "enc"}
    kid = outer.get("kid")
    if not isinstance(kid, str) or kid not in keys:
        raise _local(Code.UNKNOWN_RECIPIENT_KEY, "JWE kid is not one of our encryption keys")
    try:
        plaintext = jose.decrypt(token, keys[kid])
    except jose.JoseFailure as err:
        raise _local(Code.UNDECRYPTABLE, "cannot decrypt") from err
    # 3. The inner JWS: find the sender's key from its header and unverified payload.
    try:
        inner = plaintext.decode("ascii")
        header, payload = jose.jws_parts(inner)
    except (UnicodeDecodeError, jose.JoseFailure) as err:
        raise _local(Code.MALFORMED_TOKEN, "plaintext is not a compact JWS") from err
    _check_typ(header, JWS_TYP)
    if header.get("alg") != jose.JWS_ALG or not isinstance(header.get("kid"), str):
        raise _local(Code.MALFORMED_TOKEN, "JWS alg is not Ed25519 or kid missing")
    try:
        claimed = json.loads(payload)
    except ValueError as err:
        raise _local(Code.MALFORMED_ENVELOPE, "payload is not JSON") from err
    sender = claimed.get("from") if isinstance(claimed, dict) else None
    if not isinstance(sender, str):
        raise _local(Code.MALFORMED_ENVELOPE, "envelope has no from")
    entry = trust_list.find_signing_key(sender, header["kid"], at=now)
    # 4. Signature.
    try:
        jose.verify(inner, entry.key)
    except jose.JoseFailure as err:
        raise _local(Code.BAD_SIGNATURE, "signature does not verify") from err
    # 5. The envelope (and, within it, the body).
    message = message_from_envelope(claimed)
    mid = message.id
    if message.recipient != our_node_id:
        raise _local(Code.WRONG_RECIPIENT, f"message is for {message.recipient}", mid)
    if not entry.is_valid_at(message.created):
        raise _local(Code.KEY_NOT_VALID, "sender key not valid at created", mid)
    # 6. Time, then replay.
    _check_times(message, now, skew, max_lifetime)
    if _already_seen(seen, mid):
        raise _local(Code.REPLAYED, "message id already received", mid)
    return dataclasses.replace(message, sender_kid=entry.kid, token_sha256=_sha256(token))


# --- receipts -----------------------------------------------------------------------


def _sign_receipt(receipt: Receipt, key: jose.PrivateKey) -> str:
    return jose.sign(canonical_json(receipt.to_payload()), typ=RECEIPT_TYP, key=key)


def receipt_for(
    message: Message,
    *,
    key: jose.PrivateKey,
    now: datetime,
    status: str = "accepted",
) -> str:
    """Our signed receipt for a message returned by ``open_`` (accepted or duplicate)."""
    if message.token_sha256 is None:
        raise ValueError("receipt_for needs a message returned by open_")
    if status not in ("accepted", "duplicate"):
        raise ValueError("use receipt_for_error for a refused message")
    receipt = Receipt(
        token_sha256=message.token_sha256,
        receiver=message.recipient,
        received=_whole_seconds(now),
        status="accepted" if status == "accepted" else "duplicate",
        message_id=message.id,
    )
    return _sign_receipt(receipt, key)


def receipt_for_error(
    token: str | bytes,
    error: ProtocolError,
    *,
    receiver: str,
    key: jose.PrivateKey,
    now: datetime,
) -> str:
    """Our signed receipt for a token ``open_`` refused.

    A replayed id is answered as ``duplicate`` (the sender may stop retrying), any other
    refusal as ``rejected`` with the error code.
    """
    raw = token if isinstance(token, bytes) else token.encode("utf-8", "replace")
    digest = hashlib.sha256(raw.strip()).hexdigest()
    replayed = error.code == Code.REPLAYED
    receipt = Receipt(
        token_sha256=digest,
        receiver=receiver,
        received=_whole_seconds(now),
        status="duplicate" if replayed else "rejected",
        message_id=error.message_id,
        code=None if replayed else str(error.code),
    )
    return _sign_receipt(receipt, key)


def verify_receipt(
    token: str | bytes,
    *,
    sent_token: str,
    receiver: str,
    trust_list: TrustList,
    now: datetime,
    message_id: str | None = None,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    max_bytes: int = DEFAULT_RECEIPT_MAX_BYTES,
) -> Receipt:
    """Check the receipt ``receiver`` returned for ``sent_token``; raises RemoteProtocolError."""
    _require_current(trust_list, now)
    try:
        return _verify_receipt(token, sent_token, receiver, trust_list, now, message_id, clock_skew, max_bytes)
    except LocalProtocolError as err:
        err._reraise_as_remote_protocol_error()


def _verify_receipt(
    token: str | bytes,
    sent_token: str,
    receiver: str,
    trust_list: TrustList,
    now: datetime,
    message_id: str | None,
    skew: timedelta,
    max_bytes: int,
) -> Receipt:
    if len(token) > max_bytes:
        raise _local(Code.OVERSIZED, f"receipt over {max_bytes} bytes")
    try:
        text = token.decode("ascii") if isinstance(token, bytes) else token
        header, payload = jose.jws_parts(text.strip())
        data = json.loads(payload)
    except (UnicodeDecodeError, ValueError, jose.JoseFailure) as err:
        raise _local(Code.MALFORMED_RECEIPT, "not a trm/1 receipt") from err
    if header.get("typ") != RECEIPT_TYP or header.get("alg") != jose.JWS_ALG:
        raise _local(Code.MALFORMED_RECEIPT, f"typ is not {RECEIPT_TYP}")
    errors = schemas.validate(data, schemas.RECEIPT_SCHEMA)
    if errors or not isinstance(header.get("kid"), str):
        raise _local(Code.MALFORMED_RECEIPT, "receipt payload or kid malformed")
    if data["receiver"] != receiver:
        raise _local(Code.RECEIPT_MISMATCH, "receipt is from another node")
    entry = trust_list.find_signing_key(receiver, header["kid"], at=now)
    try:
        jose.verify(text.strip(), entry.key)
    except jose.JoseFailure as err:
        raise _local(Code.BAD_SIGNATURE, "receipt signature does not verify") from err
    try:
        received = parse_time(data["received"])
    except ValueError as err:
        raise _local(Code.MALFORMED_RECEIPT, "invalid received time") from err
    if not entry.is_valid_at(received):
        raise _local(Code.KEY_NOT_VALID, "receiver key not valid at received")
    if received > now + skew:
        raise _local(Code.CREATED_IN_FUTURE, "receipt time ahead of our clock")
    if data["token_sha256"] != _sha256(sent_token):
        raise _local(Code.RECEIPT_MISMATCH, "receipt is for another token")
    got_id = data.get("message_id")
    if message_id is not None and got_id is not None and got_id != message_id:
        raise _local(Code.RECEIPT_MISMATCH, "receipt is for another message id")
    return Receipt(
        token_sha256=data["token_sha256"],
        receiver=data["receiver"],
        received=received,
        status=data["status"],
        message_id=got_id,
        code=data.get("code"),
        kid=entry.kid,
    )


__all__ = [
    "DEFAULT_CLOCK_SKEW",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_LIFETIME",
    "DEFAULT_TTL",
    "JWE_TYP",
    "JWS_TYP",
    "RECEIPT_TYP",
    "VERSION",
    "Handling",
    "Message",
    "Receipt",
    "build",
    "encode",
    "format_time",
    "open_",
    "receipt_for",
    "receipt_for_error",
    "seal",
    "seal_for",
    "verify_receipt",
]

"""trm/1 protocol core: build, seal, open and verify messages and receipts.

Sans-I/O: no Django, no network, no database, no clock and no global state. The caller
passes the time (``now``), message ids, keys, the trust list and the record of message
ids already seen. See docs/protocol.md for the normative description; the order of the
checks in ``open_`` is the order given there, so that every implementation reports the
same error code for the same token.

Every byte a peer sends is read as trm/1 §2 says (``wire``: I-JSON without duplicate
members, integers only, canonical base64url) and the JOSE headers are exact allow-lists,
so that no two conforming nodes answer the same token differently.

A sealed message is a compact JWE (``ECDH-ES`` + ``A256GCM``, X25519, ``typ``
``trm1+jwe``, ``cty`` ``trm1+jws``) whose plaintext is a compact JWS (``Ed25519``,
``typ`` ``trm1+jws``) over the canonical JSON envelope. A receipt is a compact JWS
(``typ`` ``trm1-receipt+jws``) that is signed but not encrypted.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Container, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from trm.exchange import jose, schemas, wire
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

# (sender node id, message id) pairs already accepted, or a callable asking about one.
Seen = Callable[[str, str], bool] | Container[tuple[str, str]]


def _local(code: Code, detail: str, message_id: str | None = None) -> LocalProtocolError:
    return LocalProtocolError(code, detail, message_id=message_id)


def token_sha256(token: str) -> str:
    """The SHA-256 of a token as receipts and exchange summaries quote it (hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


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
    envelope = message.to_envelope()
    errors = schemas.validate(envelope, schemas.ENVELOPE_SCHEMA)
    if errors:
        where = ", ".join(f"{e.path} ({e.keyword})" for e in errors[:5])
        raise _local(Code.MALFORMED_ENVELOPE, f"envelope: {where}", message.id)
    check_message(message)
    if message.expires - message.created > max_lifetime:
        raise _local(Code.LIFETIME_TOO_LONG, "ttl above the maximum lifetime", message.id)
    # What was checked, so that ``seal`` need not check it again (the body is a dict a
    # caller could still change: ``seal`` compares the bytes it signs with these).
    object.__setattr__(message, _CHECKED, canonical_json(envelope))
    return message


_CHECKED = "_trm1_checked_envelope"


def _checked_payload(message: Message) -> bytes | None:
    """The bytes ``build`` checked, if the message still encodes to them."""
    checked = getattr(message, _CHECKED, None)
    if checked is None:
        return None
    payload = encode(message)
    return payload if payload == checked else None


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
    payload = _checked_payload(message)
    if payload is None:  # not from ``build``, or changed since
        check_message(message)
        payload = encode(message)
    _check_times(message, now, clock_skew, max_lifetime)
    signed = jose.sign(payload, typ=JWS_TYP, key=sender_key)
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

# Leading and trailing white space a reader removes before applying a size limit; a body
# longer than the limit plus this slack is refused unread (trm/1 §2, §3.1).
BODY_SLACK = 1024
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# trm/1 §7 check 4: the JWE protected header has exactly these members.
_JWE_MEMBERS = frozenset({"alg", "enc", "kid", "typ", "cty", "epk"})
_EPK_MEMBERS = frozenset({"kty", "crv", "x"})
_KID = re.compile("[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")
_OTHER_VERSION = re.compile("trm[0-9]+\\+(jwe|jws)")


def _require_current(trust_list: TrustList, now: datetime) -> None:
    # Raised as a local error, never turned into a remote one: the fault is ours, and the
    # inbox answers 503 so that the sender retries once we hold a current list.
    if trust_list.expires <= now:
        raise _local(Code.NO_CURRENT_TRUST_LIST, "the trust list we hold has expired")


def _already_seen(seen: Seen, sender: str, message_id: str) -> bool:
    if callable(seen):
        return bool(seen(sender, message_id))
    return (sender, message_id) in seen


def _body_bytes(token: str | bytes) -> bytes:
    return token if isinstance(token, bytes) else token.encode("utf-8")


def token_digest(token: str | bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The ``token_sha256`` a receipt quotes for a request body (trm/1 §8.1): the SHA-256
    of the body without surrounding white space, or of the empty string for a body
    refused unread (longer than the limit plus ``BODY_SLACK``)."""
    body = _body_bytes(token)
    if len(body) > max_bytes + BODY_SLACK:
        return EMPTY_SHA256
    return hashlib.sha256(wire.strip(body)).hexdigest()


def _check_typ(typ: Any, expected: str) -> None:
    # Compared as bytes: "TRM1+jwe" or "application/trm1+jwe" are not trm/1 (§7 check 3).
    if typ == expected:
        return
    if isinstance(typ, str) and _OTHER_VERSION.fullmatch(typ) and typ.endswith(expected[-4:]):
        raise _local(Code.UNSUPPORTED_VERSION, f"typ {typ} is not {expected}")
    raise _local(Code.MALFORMED_TOKEN, f"typ is not {expected}")


def _epk_ok(epk: Any) -> bool:
    if not isinstance(epk, dict) or set(epk) != _EPK_MEMBERS:
        return False
    if (epk["kty"], epk["crv"]) != ("OKP", jose.ENC_CURVE) or not isinstance(epk["x"], str):
        return False
    return bool(_KID.fullmatch(epk["x"]))


def _check_jwe_header(header: Mapping[str, Any]) -> None:
    # An allow-list: zip, jku, x5u, jwk, crit, apu, apv … are refused, never interpreted.
    if set(header) != _JWE_MEMBERS:
        raise _local(Code.MALFORMED_TOKEN, "JWE header members are not exactly those of trm/1")
    if (header["alg"], header["enc"], header["cty"]) != (jose.JWE_ALG, jose.JWE_ENC, JWS_TYP):
        raise _local(Code.MALFORMED_TOKEN, "JWE alg, enc or cty not those of trm/1")
    if not isinstance(header["kid"], str) or not _epk_ok(header["epk"]):
        raise _local(Code.MALFORMED_TOKEN, "JWE kid or epk malformed")


def _check_jws_header(parts: jose.JWSParts, typ: str, code: Code) -> str:
    """The kid of a JWS whose protected header is exactly the canonical {alg, kid, typ}."""
    kid = parts.header.get("kid")
    if not isinstance(kid, str) or not _KID.fullmatch(kid):
        raise _local(code, "JWS kid malformed")
    if parts.header_bytes != jose.canonical_jws_header(kid=kid, typ=typ):
        raise _local(code, "JWS protected header is not the canonical {alg, kid, typ}")
    return kid


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

    ``token`` is the request body as received. ``seen`` is a container of the
    ``(sender, message id)`` pairs already accepted, or a callable answering whether the
    sender's id was seen. ``open_`` does not record the id: the caller stores it with the
    message, in the same transaction, once it accepts the message. An expired
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
    # 1. Size, after removing the white space around the token.
    body = _body_bytes(token)
    if len(body) > max_bytes + BODY_SLACK or len(wire.strip(body)) > max_bytes:
        raise _local(Code.OVERSIZED, f"token over {max_bytes} bytes")
    # 2-4. Shape of the outer JWE, its typ, then its header members.
    try:
        text = wire.strip(body).decode("ascii")
        jwe = jose.parse_jwe(text)
        outer = jwe.header
    except (UnicodeDecodeError, jose.JoseFailure) as err:
        raise _local(Code.MALFORMED_TOKEN, "not a compact JWE") from err
    _check_typ(outer.get("typ"), JWE_TYP)
    _check_jwe_header(outer)
    # 5-6. Our key, then decryption.
    keys = {key.kid: key for key in our_keys if key.use == "enc"}
    if outer["kid"] not in keys:
        raise _local(Code.UNKNOWN_RECIPIENT_KEY, "JWE kid is not one of our encryption keys")
    try:
        plaintext = jose.decrypt(text, keys[outer["kid"]], parts=jwe)
    except jose.JoseFailure as err:
        raise _local(Code.UNDECRYPTABLE, "cannot decrypt") from err
    # 7. The inner JWS.
    try:
        inner = plaintext.decode("ascii")
        parts = jose.parse_jws(inner)
    except (UnicodeDecodeError, jose.JoseFailure) as err:
        raise _local(Code.MALFORMED_TOKEN, "plaintext is not a compact JWS") from err
    _check_typ(parts.header.get("typ"), JWS_TYP)
    kid = _check_jws_header(parts, JWS_TYP, Code.MALFORMED_TOKEN)
    # 8. The unverified payload, only to find the sender's key.
    try:
        claimed = wire.parse_json_object(parts.payload)
    except wire.WireError as err:
        raise _local(Code.MALFORMED_ENVELOPE, f"payload: {err}") from err
    sender = claimed.get("from")
    if not isinstance(sender, str):
        raise _local(Code.MALFORMED_ENVELOPE, "envelope has no from")
    # 9-12. The trust list; 13. the signature.
    entry = trust_list.find_signing_key(sender, kid, at=now)
    try:
        jose.verify(inner, entry.key, parts=parts)
    except jose.JoseFailure as err:
        raise _local(Code.BAD_SIGNATURE, "signature does not verify") from err
    # 14-24. The envelope (and, within it, the body).
    message = message_from_envelope(claimed)
    mid = message.id
    # 25-26.
    if message.recipient != our_node_id:
        raise _local(Code.WRONG_RECIPIENT, f"message is for {message.recipient}", mid)
    if not entry.is_valid_at(message.created):
        raise _local(Code.KEY_NOT_VALID, "sender key not valid at created", mid)
    # 27-29. Time, then 30. replay (keyed by sender and id: ids are unique per sender).
    _check_times(message, now, skew, max_lifetime)
    if _already_seen(seen, message.sender, mid):
        raise _local(Code.REPLAYED, "message id already received from this sender", mid)
    # The message was made here and is not shared yet: set its two fields rather than copy it.
    object.__setattr__(message, "sender_kid", entry.kid)
    object.__setattr__(message, "token_sha256", token_sha256(text))
    return message


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
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> str:
    """Our signed receipt for a token ``open_`` refused.

    A replayed id is answered as ``duplicate`` (the sender may stop retrying), any other
    refusal as ``rejected`` with the error code. ``token`` is the request body as
    received (``b""`` for a body refused unread): ``token_digest`` says what it quotes.
    """
    replayed = error.code == Code.REPLAYED
    receipt = Receipt(
        token_sha256=token_digest(token, max_bytes=max_bytes),
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
    # 1.
    body = _body_bytes(token)
    if len(body) > max_bytes + BODY_SLACK or len(wire.strip(body)) > max_bytes:
        raise _local(Code.OVERSIZED, f"receipt over {max_bytes} bytes")
    # 2.
    try:
        text = wire.strip(body).decode("ascii")
        parts = jose.parse_jws(text)
        data = wire.parse_json_object(parts.payload)
    except (UnicodeDecodeError, wire.WireError, jose.JoseFailure) as err:
        raise _local(Code.MALFORMED_RECEIPT, "not a trm/1 receipt") from err
    # 3.
    if parts.header.get("typ") != RECEIPT_TYP:
        raise _local(Code.MALFORMED_RECEIPT, f"typ is not {RECEIPT_TYP}")
    kid = _check_jws_header(parts, RECEIPT_TYP, Code.MALFORMED_RECEIPT)
    # 4.
    if schemas.validate(data, schemas.RECEIPT_SCHEMA):
        raise _local(Code.MALFORMED_RECEIPT, "receipt payload malformed")
    # 5-7.
    if data["receiver"] != receiver:
        raise _local(Code.RECEIPT_MISMATCH, "receipt is from another node")
    entry = trust_list.find_signing_key(receiver, kid, at=now)
    try:
        jose.verify(text, entry.key, parts=parts)
    except jose.JoseFailure as err:
        raise _local(Code.BAD_SIGNATURE, "receipt signature does not verify") from err
    # 8 (a real time) is part of check 4 since revision 2: the schema asserts the format.
    received = parse_time(data["received"])
    # 9-10.
    if not entry.is_valid_at(received):
        raise _local(Code.KEY_NOT_VALID, "receiver key not valid at received")
    if received > now + skew:
        raise _local(Code.CREATED_IN_FUTURE, "receipt time ahead of our clock")
    # 11. A body refused unread is quoted as the empty string.
    unread = data.get("code") == Code.OVERSIZED and data["token_sha256"] == EMPTY_SHA256
    if data["token_sha256"] != token_sha256(sent_token) and not unread:
        raise _local(Code.RECEIPT_MISMATCH, "receipt is for another token")
    # 12.
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

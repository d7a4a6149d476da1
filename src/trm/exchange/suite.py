"""The trm/1 conformance suite: request bodies and the answer every node must give; pure.

Each ``Case`` names the check of docs/protocol.md it exercises, the answer expected (an
error code, or ``accepted`` / ``duplicate``) and builds its request body for a
``Setting``: who receives, who sends with which keys, what time it is. One table serves
twice:

* ``docs/vectors/negative.json`` (``vectors.generate``) builds it once for the vector
  network at the vector time, with exact boundary values (``created`` exactly 300 s
  ahead, ``expires`` − ``created`` exactly 30 days);
* the conformance runner (``conformance.run``) builds it afresh against a live node at
  the current time, with margins around the time boundaries that leave room for the
  clocks of two machines, and fresh message ids on every run.

Most tokens are signed and encrypted correctly, so that a node which skips or loosens
a check *accepts* them: a refusal proves the check is there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from trm.exchange import jose, protocol, schemas, wire
from trm.exchange.errors import HTTP_STATUS, Code
from trm.exchange.messages import Message, format_time
from trm.exchange.trustlist import canonical_json

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
DROP: Any = object()  # an envelope or body member to remove
_UUID = re.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Ed25519's group order: a signature with S + L verifies with a lax verifier.
_L = 2**252 + 27742317777372353535851937790883648493


@dataclass(frozen=True)
class Party:
    node_id: str
    sig: jose.PrivateKey


@dataclass(frozen=True)
class Setting:
    """Who is who in one run of the suite (see ``vectors`` and ``conformance``)."""

    now: datetime
    receiver: str
    receiver_enc: jose.PublicKey  # the receiver's newest encryption key
    sender: Party  # on the list, with a valid signing key
    sender_future_sig: jose.PrivateKey  # listed for the sender, valid only later
    sender_enc: jose.PublicKey  # the sender's encryption key (its kid is no signing kid)
    second: Party  # another listed node, with a valid signing key
    second_revoked_sig: jose.PrivateKey  # listed for ``second``, revoked
    revoked: Party  # a listed node that is revoked
    stranger: Party  # not on the list
    stranger_enc: jose.PrivateKey  # an encryption key the receiver does not hold
    max_bytes: int
    exact: bool  # True: boundary values (vectors); False: margins (a live node)
    new_id: Callable[[str], str]
    make_message: Callable[..., Message]  # vectors.sample_message
    entropy: Callable[[int], bytes]  # ephemeral keys and IVs: os.urandom, or seeded for vectors


@dataclass(frozen=True)
class Prior:
    """A token the receiver must have accepted before the case's own body is sent."""

    token: str
    sender: str
    message_id: str


@dataclass(frozen=True)
class Built:
    body: str
    message_id: str | None = None  # the envelope id inside, when there is one
    prior: tuple[Prior, ...] = ()
    content_type: str | None = None  # live runs only: another Content-Type


@dataclass(frozen=True)
class Case:
    name: str
    check: str  # the section and check of docs/protocol.md, e.g. "7.8" or "3.1"
    expect: str  # a Code, ACCEPTED or DUPLICATE
    rule: str
    build: Callable[[Setting], Built] = field(repr=False)
    live_only: bool = False  # HTTP-level cases: not part of negative.json

    @property
    def http_status(self) -> int:
        if self.expect in (ACCEPTED, DUPLICATE):
            return 200
        if self.expect == "unsupported_media_type":
            return 415
        return HTTP_STATUS[Code(self.expect)]

    @property
    def receipt_status(self) -> str | None:
        if self.expect == "unsupported_media_type":
            return None
        return self.expect if self.expect in (ACCEPTED, DUPLICATE) else "rejected"

    def quotes_id(self, built: Built) -> str | None:
        """The ``message_id`` the receipt must carry (trm/1 §8.2), or None (absent)."""
        if built.message_id is None or not _UUID.fullmatch(built.message_id):
            return None
        if self.expect in (ACCEPTED, DUPLICATE):
            return built.message_id
        section, _, number = self.check.partition(".")
        return built.message_id if section == "7" and number.isdigit() and int(number) >= 14 else None


# --- building blocks ----------------------------------------------------------------------


def _message(s: Setting, name: str, type_: str = "case_notification", **overrides: Any) -> Message:
    overrides.setdefault("sender", s.sender.node_id)
    overrides.setdefault("recipient", s.receiver)
    overrides.setdefault("now", s.now)
    overrides.setdefault("message_id", s.new_id(name))
    message: Message = s.make_message(type_, **overrides)
    return message


def _changed(mapping: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(mapping)
    for name, value in changes.items():
        if value is DROP:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def _envelope(
    s: Setting, name: str, type_: str = "case_notification", *, body: Mapping[str, Any] | None = None, **changes: Any
) -> dict[str, Any]:
    envelope = _message(s, name, type_).to_envelope()
    if body:
        envelope["body"] = _changed(envelope["body"], body)
    return _changed(envelope, changes)


def _jws(s: Setting, payload: bytes, *, signer: jose.PrivateKey | None = None, header: bytes | None = None) -> str:
    signer = signer or s.sender.sig
    return jose.sign_raw(header or jose.canonical_jws_header(kid=signer.kid, typ=protocol.JWS_TYP), payload, signer)


def _jwe_header(s: Setting, to: jose.PublicKey, ephemeral: jose.PrivateKey | None, **changes: Any) -> bytes:
    members = {
        "alg": jose.JWE_ALG,
        "enc": jose.JWE_ENC,
        "kid": to.kid,
        "typ": protocol.JWE_TYP,
        "cty": protocol.JWS_TYP,
        "epk": jose.epk_for(ephemeral),
    }
    return canonical_json(_changed(members, changes))


def _jwe(
    s: Setting,
    plaintext: str | bytes,
    *,
    to: jose.PublicKey | None = None,
    header: Callable[[dict[str, str]], bytes] | None = None,
    zero_secret: bool = False,
    **kw: Any,
) -> str:
    """A correctly encrypted JWE with exactly the header ``header(epk)`` writes."""
    to = to or s.receiver_enc
    ephemeral = None if zero_secret else jose.key_from_seed(s.entropy(32), "enc")
    epk = jose.epk_for(ephemeral)
    header_bytes = header(epk) if header else _jwe_header(s, to, ephemeral)
    raw = plaintext.encode("ascii") if isinstance(plaintext, str) else plaintext
    kw.setdefault("iv", s.entropy(jose.IV_BYTES))
    return jose.encrypt_raw(header_bytes, raw, recipient=to, ephemeral=ephemeral, **kw)


def _members(s: Setting, to: jose.PublicKey | None = None, **changes: Any) -> Callable[[dict[str, str]], bytes]:
    """A header writer: trm/1's members with ``changes``, canonical JSON."""

    def write(epk: dict[str, str]) -> bytes:
        members = {
            "alg": jose.JWE_ALG,
            "enc": jose.JWE_ENC,
            "kid": (to or s.receiver_enc).kid,
            "typ": protocol.JWE_TYP,
            "cty": protocol.JWS_TYP,
            "epk": epk,
        }
        return canonical_json(_changed(members, changes))

    return write


def _text(header: str) -> Callable[[dict[str, str]], bytes]:
    """A header writer from a template with ``{kid}`` and ``{epk}``."""

    def write(epk: dict[str, str]) -> bytes:
        return header.replace("{epk}", canonical_json(epk).decode()).encode()

    return write


def _signed(s: Setting, envelope: Mapping[str, Any], **kw: Any) -> Built:
    """The envelope, signed and encrypted correctly (without any check)."""
    signer = kw.pop("signer", None)
    payload = canonical_json(dict(envelope))
    return Built(_jwe(s, _jws(s, payload, signer=signer), **kw), message_id=_id_of(envelope))


def _payload(s: Setting, envelope: Mapping[str, Any], edit: Callable[[bytes], bytes]) -> Built:
    """A signed, encrypted payload whose canonical JSON ``edit`` rewrote as text."""
    payload = edit(canonical_json(dict(envelope)))
    return Built(_jwe(s, _jws(s, payload)), message_id=_id_of(envelope))


def _id_of(envelope: Mapping[str, Any]) -> str | None:
    value = envelope.get("id")
    return value if isinstance(value, str) else None


def _sealed(s: Setting, message: Message, signer: jose.PrivateKey | None = None) -> Built:
    """A message (checked by ``protocol.build``) sealed as ``protocol.seal`` seals it."""
    return Built(_jwe(s, _jws(s, protocol.encode(message), signer=signer)), message_id=message.id)


def _ok(s: Setting, name: str, type_: str = "case_notification", **overrides: Any) -> Built:
    return _sealed(s, _message(s, name, type_, **overrides))


def _parts(token: str) -> list[str]:
    return token.split(".")


def _noncanonical(segment: str) -> str:
    """The same octets with a non-zero unused bit in the last character."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    if len(segment) % 4 == 0:
        raise ValueError("no unused bits")
    value = alphabet.index(segment[-1]) | 1
    return segment[:-1] + alphabet[value]


def _replace_part(token: str, index: int, segment: str) -> str:
    parts = _parts(token)
    parts[index] = segment
    return ".".join(parts)


def _inner(s: Setting, make_jws: Callable[[bytes], str], name: str, **changes: Any) -> Built:
    """A JWE around a JWS that ``make_jws`` builds from the canonical envelope."""
    envelope = _envelope(s, name, **changes)
    return Built(_jwe(s, make_jws(canonical_json(envelope))), message_id=_id_of(envelope))


def _header_jws(s: Setting, header: str) -> Callable[[bytes], str]:
    kid = s.sender.sig.kid
    return lambda payload: jose.sign_raw(header.replace("{kid}", kid).encode(), payload, s.sender.sig)


def _malleated(s: Setting, payload: bytes) -> str:
    token = _jws(s, payload)
    head, body, signature = _parts(token)
    raw = wire.b64url_decode(signature)
    bigger = int.from_bytes(raw[32:], "little") + _L
    if bigger >= 2**256:
        return token  # cannot happen for a reduced S (< 2^253)
    return ".".join([head, body, wire.b64url_encode(raw[:32] + bigger.to_bytes(32, "little"))])


def _forged(s: Setting, envelope: Mapping[str, Any]) -> Built:
    # The header names the sender's key; the signature is the stranger's.
    payload = canonical_json(dict(envelope))
    header = jose.canonical_jws_header(kid=s.sender.sig.kid, typ=protocol.JWS_TYP)
    stranger = jose.sign_raw(header, payload, s.stranger.sig)
    return Built(_jwe(s, stranger), message_id=_id_of(envelope))


def _times(s: Setting, created: timedelta, lifetime: timedelta) -> dict[str, Any]:
    start = s.now.replace(microsecond=0) + created
    return {"created": format_time(start), "expires": format_time(start + lifetime)}


def _margin(s: Setting, exact: timedelta, live: timedelta) -> timedelta:
    return exact if s.exact else live


def _filled(s: Setting, name: str) -> Built:
    """A valid token whose length is just under ``max_bytes`` (document copies fill it)."""
    size = 4
    built = _ok(s, name)
    for _ in range(6):
        copies = []
        left = size
        while left > 0:
            chunk = min(left, schemas.DOCUMENT_COPY_MAX // 4 * 4)
            copies.append({"kind": "passport", "media_type": "image/png", "data": "A" * chunk})
            left -= chunk
        body = _changed(_sample_body(s), {"document_copies": copies})
        built = _sealed(s, _message(s, name, "identity_verification_request", body=body))
        room = s.max_bytes - 40 - len(built.body)
        if 0 <= room < 80:
            return built
        size = max(4, size + (room * 9 // 16) // 4 * 4)
    return built


def _sample_body(s: Setting) -> dict[str, Any]:
    return dict(_message(s, "sample", "identity_verification_request").body)


def _text_of(code_points: int) -> str:
    # A character outside the Basic Multilingual Plane: one code point, two UTF-16 units.
    return "\U0001f91d" * code_points


def _deep(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


# --- the cases ------------------------------------------------------------------------------


def _c(name: str, check: str, expect: Code | str, rule: str, build: Callable[[Setting], Built], **kw: Any) -> Case:
    return Case(name, check, str(expect), rule, build, **kw)


def _replay_same_token(s: Setting) -> Built:
    built = _ok(s, "c30-same")
    assert built.message_id is not None
    return Built(built.body, built.message_id, (Prior(built.body, s.sender.node_id, built.message_id),))


def _replay_other_token(s: Setting) -> Built:
    first = _ok(s, "c30-other")
    again = _ok(s, "c30-other")  # the same envelope sealed again: another token
    assert first.message_id is not None
    return Built(again.body, again.message_id, (Prior(first.body, s.sender.node_id, first.message_id),))


def _same_id_other_sender(s: Setting) -> Built:
    first = _ok(s, "c30-sender")
    assert first.message_id is not None
    other = _sealed(s, _message(s, "c30-sender", sender=s.second.node_id), s.second.sig)
    return Built(other.body, other.message_id, (Prior(first.body, s.sender.node_id, first.message_id),))


def _expired_and_seen(s: Setting) -> Built:
    first = _ok(s, "order-29-30")
    assert first.message_id is not None
    late = _envelope(s, "order-29-30", **_times(s, -timedelta(days=8), timedelta(days=7)))
    return Built(_signed(s, late).body, first.message_id, (Prior(first.body, s.sender.node_id, first.message_id),))


def _ws(s: Setting, name: str, before: str, after: str) -> Built:
    built = _ok(s, name)
    return Built(before + built.body + after, built.message_id)


def _asylum(s: Setting, name: str, edit: Callable[[bytes], bytes]) -> Built:
    envelope = _envelope(s, name, "identity_verification_request")
    return _payload(s, envelope, edit)


def _dup_asylum(first: str, second: str) -> Callable[[bytes], bytes]:
    return lambda raw: raw.replace(
        b'"asylum_seeker":false', f'"asylum_seeker":{first},"asylum_seeker":{second}'.encode()
    )


def _ivr(s: Setting, name: str, **body: Any) -> dict[str, Any]:
    return _envelope(s, name, "identity_verification_request", body=body)


def _case_notification_body(s: Setting, name: str, **body: Any) -> dict[str, Any]:
    return _envelope(s, name, body=body)


def _summary_body(s: Setting) -> dict[str, Any]:
    return dict(_message(s, "sample", "exchange_summary").body)


def _summary_entry(s: Setting, listing: str) -> dict[str, Any]:
    entry: dict[str, Any] = _summary_body(s)[listing][0]
    return dict(entry)


def _summary(s: Setting, name: str, **body: Any) -> dict[str, Any]:
    return _envelope(s, name, "exchange_summary", body=body)


def _regional_tables(s: Setting) -> list[dict[str, Any]]:
    tables: list[dict[str, Any]] = [dict(t) for t in _message(s, "sample", "regional_aggregate").body["tables"]]
    return tables


def _regional_with_sex_cells(s: Setting, *cells: dict[str, Any]) -> list[dict[str, Any]]:
    """The sample's tables with the cells of ``sex`` replaced."""
    return [{**t, "cells": list(cells)} if t["table"] == "sex" else t for t in _regional_tables(s)]


def _regional(s: Setting, name: str, **body: Any) -> dict[str, Any]:
    return _envelope(s, name, "regional_aggregate", body=body)


def _consent_withdrawn(s: Setting, name: str, **body: Any) -> dict[str, Any]:
    return _envelope(s, name, "consent_withdrawn", body=body)


def cases() -> list[Case]:
    """Every case, in the order of docs/protocol.md (sections 3 and 7)."""
    day = timedelta(days=1)
    skew = protocol.DEFAULT_CLOCK_SKEW
    return [
        # 3.1 Request: white space and the body limit.
        _c(
            "accept_white_space_around",
            "3.1",
            ACCEPTED,
            "SP HT CR LF around the token are removed",
            lambda s: _ws(s, "ws", " \t", "\r\n"),
        ),
        _c(
            "accept_filled_token_with_white_space",
            "3.1",
            ACCEPTED,
            "the limit counts the token after the white space is removed",
            lambda s: (lambda b: Built(b.body + " " * protocol.BODY_SLACK, b.message_id))(_filled(s, "filled")),
        ),
        _c(
            "c02_vertical_tab",
            "3.1",
            Code.MALFORMED_TOKEN,
            "VT is not white space here",
            lambda s: _ws(s, "vt", "", "\x0b"),
        ),
        _c(
            "c02_no_break_space",
            "3.1",
            Code.MALFORMED_TOKEN,
            "U+00A0 is not white space here",
            lambda s: _ws(s, "nbsp", "\u00a0", ""),
        ),
        _c(
            "http_other_content_type",
            "3.1",
            "unsupported_media_type",
            "415 without receipt for another type",
            lambda s: Built(_ok(s, "ct").body, content_type="application/json"),
            live_only=True,
        ),
        _c(
            "http_content_type_case_and_parameters",
            "3.1",
            ACCEPTED,
            "the media type is compared without case, its parameters ignored",
            lambda s: (lambda b: Built(b.body, b.message_id, content_type="Application/TRM1+JWE; charset=us-ascii"))(
                _ok(s, "ct2")
            ),
            live_only=True,
        ),
        # 7.1 Size.
        _c(
            "c01_oversized",
            "7.1",
            Code.OVERSIZED,
            "a token one byte over the limit",
            lambda s: Built("A" * (s.max_bytes + 1)),
        ),
        _c(
            "c01_oversized_unread",
            "7.1",
            Code.OVERSIZED,
            "a body over limit + 1024, quoted as the empty string",
            lambda s: Built("A" * (s.max_bytes + protocol.BODY_SLACK + 1)),
        ),
        _c(
            "c01_white_space_over_slack",
            "7.1",
            Code.OVERSIZED,
            "white space counts towards the body limit",
            lambda s: (lambda b: Built(b.body + " " * (s.max_bytes + protocol.BODY_SLACK + 1 - len(b.body))))(
                _ok(s, "slack")
            ),
        ),
        # 7.2 Shape of the JWE.
        _c(
            "c02_not_ascii",
            "7.2",
            Code.MALFORMED_TOKEN,
            "a non-ASCII character in the token",
            lambda s: (lambda t: Built(t[:40] + "é" + t[41:]))(_ok(s, "ascii").body),
        ),
        _c(
            "c02_four_parts",
            "7.2",
            Code.MALFORMED_TOKEN,
            "four parts",
            lambda s: Built(".".join(_parts(_ok(s, "four").body)[:4])),
        ),
        _c(
            "c02_inner_space",
            "7.2",
            Code.MALFORMED_TOKEN,
            "white space inside the token",
            lambda s: (lambda t: Built(t[:30] + " " + t[30:]))(_ok(s, "space").body),
        ),
        _c(
            "c02_padding",
            "7.2",
            Code.MALFORMED_TOKEN,
            "base64url padding",
            lambda s: (lambda t: Built(_replace_part(t, 4, _parts(t)[4] + "==")))(_ok(s, "pad").body),
        ),
        _c(
            "c02_plus_slash",
            "7.2",
            Code.MALFORMED_TOKEN,
            "the standard base64 alphabet",
            lambda s: (lambda t: Built(_replace_part(t, 3, "+/" + _parts(t)[3][2:])))(_ok(s, "alphabet").body),
        ),
        _c(
            "c02_noncanonical_tag",
            "7.2",
            Code.MALFORMED_TOKEN,
            "non-zero unused bits: the same tag octets, another encoding",
            lambda s: (lambda t: Built(_replace_part(t, 4, _noncanonical(_parts(t)[4]))))(_ok(s, "bits").body),
        ),
        _c(
            "c02_noncanonical_header",
            "7.2",
            Code.MALFORMED_TOKEN,
            "non-zero unused bits in the header",
            lambda s: Built(_noncanonical_header_token(s)),
        ),
        _c(
            "c02_encrypted_key",
            "7.2",
            Code.MALFORMED_TOKEN,
            "a non-empty encrypted key",
            lambda s: Built(_jwe(s, _jws(s, canonical_json(_envelope(s, "ek"))), encrypted_key=b"\x01" * 40)),
        ),
        _c(
            "c02_iv_length",
            "7.2",
            Code.MALFORMED_TOKEN,
            "a 16-octet IV (GCM would accept it)",
            lambda s: Built(_jwe(s, _jws(s, canonical_json(_envelope(s, "iv"))), iv=b"\x02" * 16)),
        ),
        _c(
            "c02_tag_length",
            "7.2",
            Code.MALFORMED_TOKEN,
            "a tag cut to 12 octets",
            lambda s: (lambda t: Built(_replace_part(t, 4, _parts(t)[4][:16])))(_ok(s, "tag").body),
        ),
        _c(
            "c02_header_duplicate_member",
            "7.2",
            Code.MALFORMED_TOKEN,
            "a JWE header member twice",
            lambda s: _signed(
                s,
                _envelope(s, "hdup"),
                header=_text(
                    '{"alg":"ECDH-ES","alg":"ECDH-ES","cty":"trm1+jws","enc":"A256GCM","epk":{epk},"kid":"'
                    + s.receiver_enc.kid
                    + '","typ":"trm1+jwe"}'
                ),
            ),
        ),
        _c(
            "c02_header_not_object",
            "7.2",
            Code.MALFORMED_TOKEN,
            "a JWE header that is a JSON array",
            lambda s: _signed(s, _envelope(s, "harr"), header=lambda epk: b"[1]"),
        ),
        _c(
            "c02_header_too_long",
            "7.2",
            Code.MALFORMED_TOKEN,
            "a JWE header over 1,024 characters",
            lambda s: _signed(s, _envelope(s, "hlong"), header=lambda epk: _members(s)(epk)[:-1] + b" " * 800 + b"}"),
        ),
        # 7.3 typ of the JWE.
        _c(
            "c03_other_version",
            "7.3",
            Code.UNSUPPORTED_VERSION,
            "typ trm2+jwe",
            lambda s: _signed(s, _envelope(s, "v2"), header=_members(s, typ="trm2+jwe")),
        ),
        _c(
            "c03_typ_case",
            "7.3",
            Code.MALFORMED_TOKEN,
            "typ compared byte for byte (TRM1+JWE)",
            lambda s: _signed(s, _envelope(s, "typcase"), header=_members(s, typ="TRM1+JWE")),
        ),
        _c(
            "c03_typ_media_type",
            "7.3",
            Code.MALFORMED_TOKEN,
            "typ without the application/ prefix",
            lambda s: _signed(s, _envelope(s, "typmt"), header=_members(s, typ="application/trm1+jwe")),
        ),
        _c(
            "c03_typ_missing",
            "7.3",
            Code.MALFORMED_TOKEN,
            "no typ",
            lambda s: _signed(s, _envelope(s, "typnone"), header=_members(s, typ=DROP)),
        ),
        # 7.4 JWE header: an exact allow-list.
        *[
            _c(
                f"c04_{label}",
                "7.4",
                Code.MALFORMED_TOKEN,
                rule,
                _with_header(label, members, extra),
            )
            for label, rule, members, extra in [
                ("alg", "alg ECDH-ES+A256KW", {"alg": "ECDH-ES+A256KW"}, {}),
                ("enc", "enc A128GCM", {"enc": "A128GCM"}, {}),
                ("cty_missing", "no cty", {"cty": DROP}, {}),
                ("cty_other", "cty JWT", {"cty": "JWT"}, {}),
                ("zip", "zip DEF", {"zip": "DEF"}, {}),
                ("jku", "jku", {"jku": "https://keys.example/jwks.json"}, {}),
                ("x5u", "x5u", {"x5u": "https://keys.example/cert.pem"}, {}),
                ("jwk", "jwk", {"jwk": {"kty": "OKP", "crv": "X25519", "x": "A" * 43}}, {}),
                ("crit", "crit", {"crit": ["exp"], "exp": 1}, {}),
                ("apu", "a non-empty apu, used in the key derivation", {"apu": "dHJtMQ"}, {"apu": b"trm1"}),
                ("apu_empty", "an empty apu", {"apu": ""}, {}),
                ("apv", "apv", {"apv": "dHJtMQ"}, {"apv": b"trm1"}),
                ("kid_missing", "no kid", {"kid": DROP}, {}),
                ("kid_not_string", "kid a number", {"kid": 7}, {}),
            ]
        ],
        _c(
            "c04_epk_extra_member",
            "7.4",
            Code.MALFORMED_TOKEN,
            "epk with a member besides kty, crv, x",
            lambda s: _signed(s, _envelope(s, "epkx"), header=lambda epk: _members(s)({**epk, "use": "enc"})),
        ),
        _c(
            "c04_epk_curve",
            "7.4",
            Code.MALFORMED_TOKEN,
            "epk on another curve name",
            lambda s: _signed(s, _envelope(s, "epkc"), header=lambda epk: _members(s)({**epk, "crv": "X448"})),
        ),
        # 7.5 and 7.6 Our key, decryption.
        _c(
            "c05_unknown_recipient_key",
            "7.5",
            Code.UNKNOWN_RECIPIENT_KEY,
            "encrypted to a key we do not hold",
            lambda s: _signed(s, _envelope(s, "c05"), to=s.stranger_enc.public()),
        ),
        _c(
            "c06_tampered_ciphertext",
            "7.6",
            Code.UNDECRYPTABLE,
            "one ciphertext character changed",
            lambda s: (lambda t: Built(_replace_part(t, 3, _flip(_parts(t)[3]))))(_ok(s, "c06").body),
        ),
        _c(
            "c06_zero_shared_secret",
            "7.6",
            Code.UNDECRYPTABLE,
            "a low-order epk: the all-zero shared secret is refused",
            lambda s: _signed(s, _envelope(s, "zero"), zero_secret=True),
        ),
        _c(
            "c06_header_re_encoded",
            "7.6",
            Code.UNDECRYPTABLE,
            "the header's members re-ordered after encryption",
            lambda s: Built(_re_encoded_header(s)),
        ),
        _c(
            "accept_jwe_header_any_order",
            "7.6",
            ACCEPTED,
            "a JWE header in any member order, with white space",
            lambda s: _signed(
                s,
                _message(s, "anyorder").to_envelope(),
                header=lambda epk: (
                    '{ "typ": "trm1+jwe", "epk": '
                    + canonical_json(epk).decode()
                    + ', "kid": "'
                    + s.receiver_enc.kid
                    + '", "enc": "A256GCM", "cty": "trm1+jws", "alg": "ECDH-ES" }'
                ).encode(),
            ),
        ),
        # 7.7 The inner JWS.
        _c(
            "c07_not_a_jws",
            "7.7",
            Code.MALFORMED_TOKEN,
            "a plaintext that is no JWS",
            lambda s: Built(_jwe(s, b"not a jws")),
        ),
        _c(
            "c07_other_version",
            "7.7",
            Code.UNSUPPORTED_VERSION,
            "JWS typ trm2+jws",
            lambda s: _inner(s, _header_jws(s, '{"alg":"Ed25519","kid":"{kid}","typ":"trm2+jws"}'), "jv2"),
        ),
        _c(
            "c07_typ_case",
            "7.7",
            Code.MALFORMED_TOKEN,
            "JWS typ TRM1+JWS",
            lambda s: _inner(s, _header_jws(s, '{"alg":"Ed25519","kid":"{kid}","typ":"TRM1+JWS"}'), "jcase"),
        ),
        _c(
            "c07_alg_eddsa",
            "7.7",
            Code.MALFORMED_TOKEN,
            "alg EdDSA (the signature is valid Ed25519)",
            lambda s: _inner(s, _header_jws(s, '{"alg":"EdDSA","kid":"{kid}","typ":"trm1+jws"}'), "eddsa"),
        ),
        _c(
            "c07_extra_member",
            "7.7",
            Code.MALFORMED_TOKEN,
            "an extra JWS header member, signature valid",
            lambda s: _inner(s, _header_jws(s, '{"alg":"Ed25519","cty":"json","kid":"{kid}","typ":"trm1+jws"}'), "jx"),
        ),
        _c(
            "c07_b64_false",
            "7.7",
            Code.MALFORMED_TOKEN,
            "b64 false with crit (RFC 7797)",
            lambda s: _inner(
                s, _header_jws(s, '{"alg":"Ed25519","b64":false,"crit":["b64"],"kid":"{kid}","typ":"trm1+jws"}'), "b64"
            ),
        ),
        _c(
            "c07_member_order",
            "7.7",
            Code.MALFORMED_TOKEN,
            "the JWS header not in canonical order",
            lambda s: _inner(s, _header_jws(s, '{"typ":"trm1+jws","kid":"{kid}","alg":"Ed25519"}'), "jorder"),
        ),
        _c(
            "c07_white_space",
            "7.7",
            Code.MALFORMED_TOKEN,
            "white space in the JWS header",
            lambda s: _inner(s, _header_jws(s, '{"alg": "Ed25519", "kid": "{kid}", "typ": "trm1+jws"}'), "jws"),
        ),
        _c(
            "c07_duplicate_member",
            "7.7",
            Code.MALFORMED_TOKEN,
            "a JWS header member twice",
            lambda s: _inner(
                s, _header_jws(s, '{"alg":"Ed25519","kid":"{kid}","typ":"trm1+jws","typ":"trm1+jws"}'), "jdup"
            ),
        ),
        _c(
            "c07_kid_not_string",
            "7.7",
            Code.MALFORMED_TOKEN,
            "kid a number",
            lambda s: _inner(s, _header_jws(s, '{"alg":"Ed25519","kid":7,"typ":"trm1+jws"}'), "jkid"),
        ),
        _c(
            "c07_signature_length",
            "7.7",
            Code.MALFORMED_TOKEN,
            "a 63-octet signature",
            lambda s: _inner(
                s,
                lambda p: (lambda t: _replace_part(t, 2, wire.b64url_encode(wire.b64url_decode(_parts(t)[2])[:63])))(
                    _jws(s, p)
                ),
                "siglen",
            ),
        ),
        _c(
            "c07_noncanonical_signature",
            "7.7",
            Code.MALFORMED_TOKEN,
            "non-zero unused bits in the signature (same octets)",
            lambda s: _inner(
                s, lambda p: (lambda t: _replace_part(t, 2, _noncanonical(_parts(t)[2])))(_jws(s, p)), "sigbits"
            ),
        ),
        _c(
            "c07_payload_padding",
            "7.7",
            Code.MALFORMED_TOKEN,
            "padding in the JWS payload part",
            lambda s: _inner(s, lambda p: _padded_payload(s, p), "jpad"),
        ),
        # 7.8 The payload: I-JSON, integers only.
        _c(
            "c08_not_json",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            "a payload that is not JSON",
            lambda s: Built(_jwe(s, _jws(s, b"not json"))),
        ),
        _c(
            "c08_not_object",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            "a payload that is a JSON array",
            lambda s: Built(_jwe(s, _jws(s, b"[]"))),
        ),
        _c(
            "c08_from_missing",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            "no from",
            lambda s: _signed(s, _envelope(s, "nofrom", **_from(DROP))),
        ),
        _c(
            "c08_from_not_string",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            "from a number",
            lambda s: _signed(s, _envelope(s, "fromnum", **_from(7))),
        ),
        _c(
            "c08_duplicate_member",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            "to twice: first the receiver, then another node",
            lambda s: _payload(
                s,
                _envelope(s, "dupto"),
                lambda raw: raw.replace(
                    b'"to":"' + s.receiver.encode() + b'"',
                    b'"to":"' + s.receiver.encode() + b'","to":"' + s.second.node_id.encode() + b'"',
                ),
            ),
        ),
        _c(
            "c08_duplicate_asylum_seeker_true_false",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            '{"asylum_seeker": true, "asylum_seeker": false}: never left to the parser',
            lambda s: _asylum(s, "dupas1", _dup_asylum("true", "false")),
        ),
        _c(
            "c08_duplicate_asylum_seeker_false_true",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            '{"asylum_seeker": false, "asylum_seeker": true}',
            lambda s: _asylum(s, "dupas2", _dup_asylum("false", "true")),
        ),
        _c(
            "c08_fraction",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            "3.0 where an integer belongs",
            lambda s: _payload(
                s,
                _envelope(s, "frac", "post_return_report"),
                lambda raw: raw.replace(b'"months_after_return":3', b'"months_after_return":3.0'),
            ),
        ),
        _c(
            "c08_exponent",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            "3e0 where an integer belongs",
            lambda s: _payload(
                s,
                _envelope(s, "expo", "post_return_report"),
                lambda raw: raw.replace(b'"months_after_return":3', b'"months_after_return":3e0'),
            ),
        ),
        _c(
            "c08_big_integer",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            "an integer above 2^53 - 1",
            lambda s: _signed(s, _envelope(s, "big", "post_return_report", body={"months_after_return": 2**53})),
        ),
        _c(
            "c08_negative_zero",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            "-0",
            lambda s: _payload(
                s,
                _envelope(s, "negz", "post_return_report"),
                lambda raw: raw.replace(b'"months_after_return":3', b'"months_after_return":-0'),
            ),
        ),
        _c(
            "c08_lone_surrogate",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            "a lone surrogate escape",
            lambda s: _payload(
                s,
                _envelope(s, "surr", body={"summary": "SURROGATE"}),
                lambda raw: raw.replace(b"SURROGATE", b"\\ud800"),
            ),
        ),
        _c(
            "c08_noncharacter",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            "the noncharacter U+FFFF",
            lambda s: _signed(s, _envelope(s, "nonchar", body={"summary": "x\uffff"})),
        ),
        _c(
            "c08_invalid_utf8",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            "an octet sequence that is not UTF-8",
            lambda s: _payload(
                s, _envelope(s, "utf8", body={"summary": "BADUTF8"}), lambda raw: raw.replace(b"BADUTF8", b"\xc3\x28")
            ),
        ),
        _c(
            "c08_overlong_utf8",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            "an overlong UTF-8 encoding of '/'",
            lambda s: _payload(
                s,
                _envelope(s, "overlong", body={"summary": "OVERLONG"}),
                lambda raw: raw.replace(b"OVERLONG", b"\xc0\xaf"),
            ),
        ),
        _c(
            "c08_byte_order_mark",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            "a UTF-8 byte order mark",
            lambda s: _payload(s, _envelope(s, "bom"), lambda raw: b"\xef\xbb\xbf" + raw),
        ),
        _c(
            "c08_nan",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            "NaN",
            lambda s: _payload(
                s,
                _envelope(s, "nan", "post_return_report"),
                lambda raw: raw.replace(b'"months_after_return":3', b'"months_after_return":NaN'),
            ),
        ),
        _c(
            "c08_too_deep",
            "7.8",
            Code.MALFORMED_ENVELOPE,
            "arrays nested 17 deep",
            lambda s: _signed(s, _envelope(s, "deep", body={"summary": _deep(15)})),
        ),
        _c(
            "accept_payload_not_canonical",
            "7.8",
            ACCEPTED,
            "white space and another member order: the bytes are verified as received",
            lambda s: _reformatted(s),
        ),
        _c(
            "accept_payload_escapes",
            "7.8",
            ACCEPTED,
            "escaped characters in strings",
            lambda s: (
                lambda m: _payload(
                    s,
                    m.to_envelope(),
                    lambda raw: raw.replace(b"Anti-trafficking follow-up", b"Anti\\u002dtrafficking follow\\/up"),
                )
            )(_message(s, "escapes", body=_changed(_base_body(s), {"summary": "Anti-trafficking follow-up"}))),
        ),
        # 7.9-7.13 The sender and its signature.
        _c(
            "c09_unknown_sender",
            "7.9",
            Code.UNKNOWN_SENDER,
            "from a node not on the list",
            lambda s: _signed(s, _envelope(s, "c09", **_from(s.stranger.node_id)), signer=s.stranger.sig),
        ),
        _c(
            "c10_sender_revoked",
            "7.10",
            Code.SENDER_REVOKED,
            "from a revoked node",
            lambda s: _signed(s, _envelope(s, "c10", **_from(s.revoked.node_id)), signer=s.revoked.sig),
        ),
        _c(
            "c11_unknown_sender_key",
            "7.11",
            Code.UNKNOWN_SENDER_KEY,
            "a key of another node",
            lambda s: _signed(s, _envelope(s, "c11"), signer=s.second.sig),
        ),
        _c(
            "c11_encryption_kid",
            "7.11",
            Code.UNKNOWN_SENDER_KEY,
            "the kid of the sender's encryption key",
            lambda s: _inner(
                s,
                lambda p: jose.sign_raw(
                    jose.canonical_jws_header(kid=s.sender_enc.kid, typ=protocol.JWS_TYP), p, s.sender.sig
                ),
                "c11enc",
            ),
        ),
        _c(
            "c12_key_revoked",
            "7.12",
            Code.KEY_REVOKED,
            "a revoked key",
            lambda s: _signed(s, _envelope(s, "c12", **_from(s.second.node_id)), signer=s.second_revoked_sig),
        ),
        _c(
            "c13_bad_signature",
            "7.13",
            Code.BAD_SIGNATURE,
            "signed by another key",
            lambda s: _forged(s, _envelope(s, "c13")),
        ),
        _c(
            "c13_malleated_signature",
            "7.13",
            Code.BAD_SIGNATURE,
            "S + L: refused by RFC 8032 verification",
            lambda s: _inner(s, lambda p: _malleated(s, p), "c13l"),
        ),
        _c(
            "c13_payload_changed",
            "7.13",
            Code.BAD_SIGNATURE,
            "the payload changed after signing",
            lambda s: _inner(s, lambda p: _swap_payload(s, p), "c13p"),
        ),
        # 7.14-7.17 The envelope.
        _c(
            "c14_other_version",
            "7.14",
            Code.UNSUPPORTED_VERSION,
            "v trm/2",
            lambda s: _signed(s, _envelope(s, "c14", v="trm/2")),
        ),
        _c(
            "c14_v_missing",
            "7.14",
            Code.UNSUPPORTED_VERSION,
            "no v",
            lambda s: _signed(s, _envelope(s, "c14m", v=DROP)),
        ),
        _c(
            "c15_unknown_type",
            "7.15",
            Code.UNKNOWN_TYPE,
            "type invoice",
            lambda s: _signed(s, _envelope(s, "c15", type="invoice")),
        ),
        *[
            _c(
                f"c16_{label}",
                "7.16",
                Code.MALFORMED_ENVELOPE,
                rule,
                _with_envelope(label, changes),
            )
            for label, rule, changes in [
                ("missing_member", "no conversation", lambda s: {"conversation": DROP}),
                ("extra_member", "an envelope member trm/1 does not define", lambda s: {"priority": "high"}),
                ("null_member", "null for an absent member", lambda s: {"in_reply_to": None}),
                ("leap_second", "created 23:59:60", lambda s: {"created": "2026-03-01T23:59:60Z"}),
                ("not_a_day", "created on 30 February", lambda s: {"created": "2026-02-30T10:00:00Z"}),
                ("year_zero", "created in year 0000", lambda s: {"created": "0000-03-02T10:00:00Z"}),
                (
                    "arabic_indic_digits",
                    "created in Arabic-Indic digits",
                    lambda s: {"created": "٢٠٢٦-٠٣-٠٢T١٠:٠٠:٠٠Z"},
                ),
                (
                    "fraction_of_second",
                    "created with a fraction of a second",
                    lambda s: {"created": format_time(s.now)[:-1] + ".5Z"},
                ),
                ("offset", "created with +00:00", lambda s: {"created": format_time(s.now)[:-1] + "+00:00"}),
                ("lower_case_z", "created with z", lambda s: {"created": format_time(s.now)[:-1] + "z"}),
                ("id_upper_case", "an upper-case id", lambda s: {"id": s.new_id("c16-upper").upper()}),
                ("handling_repeated", "a handling code twice", lambda s: {"handling": {"codes": ["H0", "H0"]}}),
            ]
        ],
        _c(
            "c17_expires_not_after_created",
            "7.17",
            Code.MALFORMED_ENVELOPE,
            "expires = created",
            lambda s: _signed(s, _envelope(s, "c17e", **_times(s, timedelta(0), timedelta(0)))),
        ),
        _c(
            "c17_from_is_to",
            "7.17",
            Code.MALFORMED_ENVELOPE,
            "from = to",
            lambda s: _signed(s, _envelope(s, "c17f", to=s.sender.node_id)),
        ),
        _c(
            "c17_h3_without_text",
            "7.17",
            Code.MALFORMED_ENVELOPE,
            "H3 without a text",
            lambda s: _signed(s, _envelope(s, "c17h", handling={"codes": ["H3"]})),
        ),
        _c(
            "c17_reply_without_in_reply_to",
            "7.17",
            Code.MALFORMED_ENVELOPE,
            "a reply without in_reply_to",
            lambda s: _signed(s, _envelope(s, "c17r", "referral_accept", in_reply_to=DROP)),
        ),
        # 7.18-7.20 Purpose and safeguards.
        _c(
            "c18_purpose_not_allowed",
            "7.18",
            Code.PURPOSE_NOT_ALLOWED,
            "purpose monitoring for a notification",
            lambda s: _signed(s, _envelope(s, "c18", purpose="monitoring")),
        ),
        _c(
            "c19_both_references",
            "7.19",
            Code.MALFORMED_ENVELOPE,
            "consent_ref and best_interests_ref",
            lambda s: _signed(s, _envelope(s, "c19", best_interests_ref="BID-2026-0007")),
        ),
        _c(
            "c20_missing_safeguard",
            "7.20",
            Code.MISSING_SAFEGUARD,
            "legal basis consent without consent_ref",
            lambda s: _signed(s, _envelope(s, "c20", consent_ref=DROP)),
        ),
        _c(
            "c20_vital_interests_not_an_alert",
            "7.20",
            Code.MISSING_SAFEGUARD,
            "vital_interests without a reference outside urgent_alert",
            lambda s: _signed(s, _envelope(s, "c20v", legal_basis="vital_interests", consent_ref=DROP)),
        ),
        _c(
            "accept_urgent_alert_on_vital_interests",
            "7.20",
            ACCEPTED,
            "urgent_alert on vital_interests alone",
            lambda s: _ok(s, "alert", "urgent_alert"),
        ),
        _c(
            "c20_guardian_handover_on_consent",
            "7.20",
            Code.MISSING_SAFEGUARD,
            "guardian_handover on consent, not on the best-interests record it carries",
            lambda s: _signed(
                s,
                _envelope(
                    s,
                    "c20g",
                    "guardian_handover",
                    legal_basis="consent",
                    consent_ref="CONSENT-2026-0042",
                    best_interests_ref=DROP,
                ),
            ),
        ),
        _c(
            "accept_route_alert_on_vital_interests",
            "7.20",
            ACCEPTED,
            "route_alert on vital_interests alone",
            lambda s: _ok(s, "route_alert", "route_alert"),
        ),
        # 7.21-7.24 The body.
        _c(
            "c21_body_field_not_allowed",
            "7.21",
            Code.BODY_FIELD_NOT_ALLOWED,
            "a body member outside the field set",
            lambda s: _signed(s, _case_notification_body(s, "c21", religion="any")),
        ),
        _c(
            "c21_nested_field_not_allowed",
            "7.21",
            Code.BODY_FIELD_NOT_ALLOWED,
            "a member outside identity's set",
            lambda s: _signed(
                s, _ivr(s, "c21n", identity={"family_name": "Testova", "given_names": "Ana", "religion": "any"})
            ),
        ),
        _c(
            "c21_summary_entry_field_not_allowed",
            "7.21",
            Code.BODY_FIELD_NOT_ALLOWED,
            "an exchange_summary entry with a member outside its set",
            lambda s: _signed(s, _summary(s, "c21s", sent=[{**_summary_entry(s, "sent"), "case_ref": "XK-2026-0042"}])),
        ),
        _c(
            "c22_schema_violation",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "urgency outside its enumeration",
            lambda s: _signed(s, _case_notification_body(s, "c22", urgency="whenever")),
        ),
        _c(
            "c22_date_arabic_indic_digits",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "a date in Arabic-Indic digits ([0-9] is ASCII only)",
            lambda s: _signed(s, _ivr(s, "c22ar", due_date="٢٠٢٦-٠٣-٢٠")),
        ),
        _c(
            "c22_date_not_a_day",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "30 February",
            lambda s: _signed(s, _ivr(s, "c22d", due_date="2026-02-30")),
        ),
        _c(
            "c22_date_month_13",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "month 13",
            lambda s: _signed(s, _ivr(s, "c22m", due_date="2026-13-01")),
        ),
        _c(
            "c22_timestamp_leap_second",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "a body timestamp at 23:59:60",
            lambda s: _signed(s, _envelope(s, "c22l", "audit_head", body={"at": "2026-03-01T23:59:60Z"})),
        ),
        _c(
            "c22_summary_entry_outside_period",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "an exchange_summary entry created at the period's end (the end is excluded)",
            lambda s: _signed(
                s, _summary(s, "c22se", received=[{**_summary_entry(s, "received"), "created": "2026-03-02T00:00:00Z"}])
            ),
        ),
        _c(
            "c22_summary_period_after_created",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "an exchange_summary of a period that ends after the summary was created",
            lambda s: _signed(
                s,
                _summary(
                    s,
                    "c22sp",
                    period_start=format_time(s.now.replace(microsecond=0) - timedelta(days=1)),
                    period_end=format_time(s.now.replace(microsecond=0) + timedelta(days=1)),
                    sent=[],
                    received=[],
                ),
            ),
        ),
        _c(
            "c22_summary_id_twice",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "an exchange_summary listing one id twice as sent (other members differ)",
            lambda s: _signed(
                s,
                _summary(
                    s, "c22si", sent=[_summary_entry(s, "sent"), {**_summary_entry(s, "sent"), "status": "pending"}]
                ),
            ),
        ),
        _c(
            "c21_regional_cell_field_not_allowed",
            "7.21",
            Code.BODY_FIELD_NOT_ALLOWED,
            "a regional_aggregate cell with a member outside its set",
            lambda s: _signed(
                s,
                _regional(
                    s, "c21ra", tables=_regional_with_sex_cells(s, {"at": ["*", "*"], "n": 57, "case_ref": "XK-1"})
                ),
            ),
        ),
        _c(
            "c22_regional_count_below_k",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "a regional_aggregate showing a count of 7 where k is 11",
            lambda s: _signed(
                s,
                _regional(
                    s,
                    "c22rk",
                    tables=_regional_with_sex_cells(
                        s, {"at": ["*", "*"], "n": 57}, {"at": ["*", "female"], "n": 50}, {"at": ["*", "male"], "n": 7}
                    ),
                ),
            ),
        ),
        _c(
            "c22_regional_cell_twice",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "a regional_aggregate giving one cell twice (once shown, once hidden)",
            lambda s: _signed(
                s,
                _regional(
                    s,
                    "c22rt",
                    tables=_regional_with_sex_cells(
                        s, {"at": ["*", "female"], "n": 41}, {"at": ["*", "female"], "hidden": True}
                    ),
                ),
            ),
        ),
        _c(
            "c22_regional_hidden_with_count",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "a hidden regional_aggregate cell that still carries its count",
            lambda s: _signed(
                s,
                _regional(
                    s, "c22rh", tables=_regional_with_sex_cells(s, {"at": ["*", "male"], "n": 16, "hidden": True})
                ),
            ),
        ),
        _c(
            "c22_regional_flows_cell_of_two_values",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "a cell of the flows table without a destination",
            lambda s: _signed(
                s,
                _regional(
                    s,
                    "c22rf",
                    tables=[
                        {**t, "cells": [{"at": ["*", "AL"], "n": 57}]} if t["table"] == "flows" else t
                        for t in _regional_tables(s)
                    ],
                ),
            ),
        ),
        _c(
            "accept_summary_of_a_quiet_period",
            "7.22",
            ACCEPTED,
            "an exchange_summary with nothing sent and nothing received",
            lambda s: _ok(
                s, "c22sq", "exchange_summary", body=_changed(_summary_body(s), {"sent": [], "received": []})
            ),
        ),
        _c(
            "c22_pattern_final_newline",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "$ is the end of the string, not a newline",
            lambda s: _signed(s, _case_notification_body(s, "c22nl", case_ref="XK-2026-0042\n")),
        ),
        _c(
            "c22_text_too_long",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "201 code points where 200 are allowed",
            lambda s: _signed(s, _ivr(s, "c22t", identity={"family_name": _text_of(201), "given_names": "Ana"})),
        ),
        _c(
            "accept_text_of_200_astral_code_points",
            "7.22",
            ACCEPTED,
            "lengths count code points: 200 (400 UTF-16 units) are allowed",
            lambda s: _ok(
                s,
                "c22a",
                "identity_verification_request",
                body=_changed(_sample_body(s), {"identity": {"family_name": _text_of(200), "given_names": "Ana"}}),
            ),
        ),
        _c(
            "c22_boolean_as_integer",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "0 where a boolean belongs",
            lambda s: _signed(s, _case_notification_body(s, "c22b", is_child=0)),
        ),
        _c(
            "c22_integer_as_string",
            "7.22",
            Code.SCHEMA_VIOLATION,
            '"3" where an integer belongs',
            lambda s: _signed(s, _envelope(s, "c22i", "post_return_report", body={"months_after_return": "3"})),
        ),
        _c(
            "c22_identity_without_consent",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "identity without identity_consent",
            lambda s: _signed(
                s, _case_notification_body(s, "c22c", identity={"family_name": "Testova", "given_names": "Ana"})
            ),
        ),
        _c(
            "c22_base64_not_canonical",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "a document copy with non-zero unused bits (QR== for QQ==)",
            lambda s: _signed(
                s, _ivr(s, "c22b64", document_copies=[{"kind": "passport", "media_type": "image/png", "data": "QR=="}])
            ),
        ),
        _c(
            "c22_listed_messages_without_ids",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "consent_withdrawn scope listed_messages without message_ids",
            lambda s: _signed(s, _consent_withdrawn(s, "c22w1", scope="listed_messages")),
        ),
        _c(
            "c22_conversation_with_ids",
            "7.22",
            Code.SCHEMA_VIOLATION,
            "consent_withdrawn scope conversation with message_ids",
            lambda s: _signed(s, _consent_withdrawn(s, "c22w2", message_ids=[s.new_id("erase-1")])),
        ),
        _c(
            "accept_listed_messages_with_ids",
            "7.22",
            ACCEPTED,
            "consent_withdrawn of listed messages",
            lambda s: _ok(
                s,
                "c22w3",
                "consent_withdrawn",
                body=_changed(
                    dict(_message(s, "cw", "consent_withdrawn").body),
                    {"scope": "listed_messages", "message_ids": [s.new_id("erase-1"), s.new_id("erase-2")]},
                ),
            ),
        ),
        _c(
            "c23_asylum_seeker_identity_request",
            "7.23",
            Code.ASYLUM_SEEKER_IDENTITY_REQUEST,
            "identity verification for an asylum seeker",
            lambda s: _signed(s, _ivr(s, "c23", asylum_seeker=True)),
        ),
        _c(
            "c24_family_tracing_not_child",
            "7.24",
            Code.FAMILY_TRACING_NOT_CHILD,
            "a request for an adult",
            lambda s: _signed(s, _envelope(s, "c24", "family_tracing_request", body={"is_child": False})),
        ),
        _c(
            "c24_family_tracing_response_not_child",
            "7.24",
            Code.FAMILY_TRACING_NOT_CHILD,
            "a response for an adult",
            lambda s: _signed(s, _envelope(s, "c24r", "family_tracing_response", body={"is_child": False})),
        ),
        # 7.25-7.30 Recipient, key validity, time, replay.
        _c(
            "c25_wrong_recipient",
            "7.25",
            Code.WRONG_RECIPIENT,
            "to another node",
            lambda s: _signed(s, _envelope(s, "c25", to=s.second.node_id)),
        ),
        _c(
            "c26_key_not_valid",
            "7.26",
            Code.KEY_NOT_VALID,
            "a key valid only from a later date",
            lambda s: _signed(s, _envelope(s, "c26"), signer=s.sender_future_sig),
        ),
        _c(
            "c27_lifetime_too_long",
            "7.27",
            Code.LIFETIME_TOO_LONG,
            "30 days and one second",
            lambda s: _signed(s, _envelope(s, "c27", **_times(s, timedelta(0), 30 * day + timedelta(seconds=1)))),
        ),
        _c(
            "accept_lifetime_of_30_days",
            "7.27",
            ACCEPTED,
            "exactly 30 days",
            lambda s: _signed(s, _message(s, "c27ok").to_envelope() | _times(s, timedelta(0), 30 * day)),
        ),
        _c(
            "c28_created_in_future",
            "7.28",
            Code.CREATED_IN_FUTURE,
            "created beyond the skew",
            lambda s: _signed(
                s,
                _envelope(s, "c28", **_times(s, _margin(s, skew + timedelta(seconds=1), timedelta(hours=1)), 7 * day)),
            ),
        ),
        _c(
            "accept_created_within_skew",
            "7.28",
            ACCEPTED,
            "created ahead, within the skew",
            lambda s: _signed(
                s, _message(s, "c28ok").to_envelope() | _times(s, _margin(s, skew, timedelta(seconds=120)), 7 * day)
            ),
        ),
        _c(
            "c29_expired",
            "7.29",
            Code.EXPIRED,
            "expires + skew has passed",
            lambda s: _signed(
                s, _envelope(s, "c29", **_times(s, -7 * day - _margin(s, skew, timedelta(hours=1)), 7 * day))
            ),
        ),
        _c(
            "accept_expired_within_skew",
            "7.29",
            ACCEPTED,
            "expires has passed, within the skew",
            lambda s: _signed(
                s,
                _message(s, "c29ok").to_envelope()
                | _times(s, -7 * day - _margin(s, skew - timedelta(seconds=1), timedelta(seconds=120)), 7 * day),
            ),
        ),
        _c("c30_replayed", "7.30", DUPLICATE, "an id accepted before, in another token", _replay_other_token),
        _c("c30_byte_identical_retry", "7.30", DUPLICATE, "the very same token again", _replay_same_token),
        _c(
            "accept_same_id_from_another_sender",
            "7.30",
            ACCEPTED,
            "replay is judged on (from, id)",
            _same_id_other_sender,
        ),
        _c(
            "accept_any_uuid_version",
            "2",
            ACCEPTED,
            "an id that is no UUID version 4",
            lambda s: _ok(s, "anyid", message_id=_version_zero(s.new_id("anyid"))),
        ),
        # The order of the checks: the first failing check (named in ``check``) gives the code.
        _c(
            "order_02_before_03",
            "7.2",
            Code.MALFORMED_TOKEN,
            "bad base64url and typ trm2+jwe",
            lambda s: (lambda t: Built(_replace_part(t, 4, _parts(t)[4] + "=")))(
                _signed(s, _envelope(s, "o23"), header=_members(s, typ="trm2+jwe")).body
            ),
        ),
        _c(
            "order_03_before_04",
            "7.3",
            Code.UNSUPPORTED_VERSION,
            "typ trm2+jwe and enc A128GCM",
            lambda s: _signed(s, _envelope(s, "o34"), header=_members(s, typ="trm2+jwe", enc="A128GCM")),
        ),
        _c(
            "order_13_before_16",
            "7.13",
            Code.BAD_SIGNATURE,
            "a bad signature on a malformed envelope",
            lambda s: _forged(s, _envelope(s, "o1316", conversation=DROP)),
        ),
        _c(
            "order_14_before_15",
            "7.14",
            Code.UNSUPPORTED_VERSION,
            "v trm/2 and type invoice",
            lambda s: _signed(s, _envelope(s, "o1415", v="trm/2", type="invoice")),
        ),
        _c(
            "order_18_before_20",
            "7.18",
            Code.PURPOSE_NOT_ALLOWED,
            "a purpose not allowed and no safeguard",
            lambda s: _signed(s, _envelope(s, "o1820", purpose="monitoring", consent_ref=DROP)),
        ),
        _c(
            "order_21_before_22",
            "7.21",
            Code.BODY_FIELD_NOT_ALLOWED,
            "an extra body member and a schema violation",
            lambda s: _signed(s, _case_notification_body(s, "o2122", religion="any", urgency="whenever")),
        ),
        _c(
            "order_23_before_25",
            "7.23",
            Code.ASYLUM_SEEKER_IDENTITY_REQUEST,
            "an asylum seeker's identity request to another node",
            lambda s: _signed(s, _ivr(s, "o2325", asylum_seeker=True) | {"to": s.second.node_id}),
        ),
        _c(
            "order_25_before_29",
            "7.25",
            Code.WRONG_RECIPIENT,
            "to another node, and expired",
            lambda s: _signed(s, _envelope(s, "o2529", to=s.second.node_id, **_times(s, -8 * day, 7 * day))),
        ),
        _c(
            "order_26_before_28",
            "7.26",
            Code.KEY_NOT_VALID,
            "a key not yet valid, created in the future",
            lambda s: _signed(
                s, _envelope(s, "o2628", **_times(s, timedelta(hours=2), 7 * day)), signer=s.sender_future_sig
            ),
        ),
        _c(
            "order_27_before_28",
            "7.27",
            Code.LIFETIME_TOO_LONG,
            "too long a lifetime, created in the future",
            lambda s: _signed(s, _envelope(s, "o2728", **_times(s, timedelta(hours=2), 31 * day))),
        ),
        _c("order_29_before_30", "7.29", Code.EXPIRED, "expired, and its id accepted before", _expired_and_seen),
    ]


def _from(node_id: Any) -> dict[str, Any]:
    return {"from": node_id}


def _with_header(label: str, members: dict[str, Any], extra: dict[str, Any]) -> Callable[[Setting], Built]:
    return lambda s: _signed(s, _envelope(s, f"c04-{label}"), header=_members(s, **members), **extra)


def _with_envelope(label: str, changes: Callable[[Setting], dict[str, Any]]) -> Callable[[Setting], Built]:
    return lambda s: _signed(s, _envelope(s, f"c16-{label}", **changes(s)))


def _flip(segment: str) -> str:
    middle = len(segment) // 2
    return segment[:middle] + ("A" if segment[middle] != "A" else "B") + segment[middle + 1 :]


def _version_zero(uuid_text: str) -> str:
    # Version nibble 0 and variant bits 00: any lower-case 8-4-4-4-12 id is an id.
    return uuid_text[:14] + "0" + uuid_text[15:19] + "0" + uuid_text[20:]


def _base_body(s: Setting) -> dict[str, Any]:
    return dict(_message(s, "base").body)


def _noncanonical_header_token(s: Setting) -> str:
    # A header whose base64url has unused bits, encrypted with it as AAD; then the unused
    # bits set: a lax decoder reads the same header but another AAD.
    def padded(epk: dict[str, str]) -> bytes:
        header = _members(s)(epk)
        while len(wire.b64url_encode(header)) % 4 == 0:
            header = header[:-1] + b" }"
        return header

    token = _signed(s, _envelope(s, "nch"), header=padded).body
    return _replace_part(token, 0, _noncanonical(_parts(token)[0]))


def _re_encoded_header(s: Setting) -> str:
    token = _ok(s, "reenc").body
    header = wire.parse_json_object(wire.b64url_decode(_parts(token)[0]))
    reordered = dict(reversed(list(header.items())))
    return _replace_part(token, 0, wire.b64url_encode(canonical_json(reordered)[:-1] + b" }"))


def _padded_payload(s: Setting, payload: bytes) -> str:
    # Pad the payload (with a trailing space) until its base64url needs padding.
    while len(payload) % 3 == 0:
        payload += b" "
    token = _jws(s, payload)
    head, body, signature = _parts(token)
    return ".".join([head, body + "=" * (-len(body) % 4), signature])


def _swap_payload(s: Setting, payload: bytes) -> str:
    token = _jws(s, payload)
    head, _, signature = _parts(token)
    changed = payload.replace(b'"urgency":"priority"', b'"urgency":"urgent"')
    return ".".join([head, wire.b64url_encode(changed), signature])


def _reformatted(s: Setting) -> Built:
    envelope = _message(s, "reformatted").to_envelope()
    payload = json_text(envelope).encode()
    return Built(_jwe(s, _jws(s, payload)), message_id=envelope["id"])


def json_text(envelope: Mapping[str, Any]) -> str:
    """The envelope as JSON with white space and members in reverse order (not canonical)."""

    def reverse(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: reverse(value[k]) for k in sorted(value, reverse=True)}
        if isinstance(value, list):
            return [reverse(v) for v in value]
        return value

    return json.dumps(reverse(dict(envelope)), indent=2, ensure_ascii=True)


def by_name() -> dict[str, Case]:
    return {case.name: case for case in cases()}

"""How trm/1 reads bytes off the wire: white space, base64url and JSON; pure.

trm/1 §2 fixes every choice a parser could make differently, so that two conforming
nodes never disagree about a token (a safeguard must never depend on the parser):

* white space around a token is SP, HT, LF and CR only;
* base64url is the RFC 4648 §5 alphabet without padding, and canonical: the unused
  bits of the last character are zero, so one octet string has one encoding;
* JSON is I-JSON (RFC 7493): UTF-8 without a byte order mark, no duplicate member
  names, no lone surrogates or noncharacters, and, for trm/1, numbers written as
  integers (no fraction, no exponent, not ``-0``) within ±(2^53 − 1), nested at most
  ``MAX_DEPTH`` deep.

``WireError`` says only what was wrong, never what the bytes contained.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

WHITE_SPACE = b" \t\n\r"
MAX_DEPTH = 16
MAX_INTEGER = 2**53 - 1

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
# Bits of the last character that encode no octet, by the length of the segment modulo 4.
_UNUSED_BITS = (0, 0, 0x0F, 0x03)
# Lone surrogates (only reachable through \u escapes) and the 66 noncharacters.
_FORBIDDEN_CODE_POINTS = re.compile(
    "[\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(17))
    + "]"
)
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]{0,15})")


class WireError(ValueError):
    """The bytes break a rule of trm/1 §2 (the message names the rule, not the content)."""


def strip(data: bytes) -> bytes:
    """``data`` without leading and trailing SP, HT, LF and CR (and nothing else)."""
    return data.strip(WHITE_SPACE)


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(segment: str) -> bytes:
    """Decode canonical unpadded base64url; raises WireError for anything else."""
    if not segment.isascii() or "+" in segment or "/" in segment or "=" in segment or len(segment) % 4 == 1:
        raise WireError("not unpadded base64url")
    standard = segment.encode("ascii").translate(_TO_STANDARD) + b"=" * (-len(segment) % 4)
    try:
        data = binascii.a2b_base64(standard, strict_mode=True)  # only the alphabet, nothing else
    except binascii.Error as err:
        raise WireError("not unpadded base64url") from err
    # Canonical: the bits of the last character that encode no octet are zero.
    unused = _UNUSED_BITS[len(segment) % 4]
    if unused and _ALPHABET.index(segment[-1]) & unused:
        raise WireError("base64url with non-zero unused bits")
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise WireError("duplicate member name")
    return result


def _integer(text: str) -> int:
    if not _INTEGER.fullmatch(text) or text == "-0":
        raise WireError("integer out of range")
    value = int(text)
    if abs(value) > MAX_INTEGER:
        raise WireError("integer out of range")
    return value


def _no_fraction(text: str) -> Any:
    raise WireError("number with a fraction or an exponent")


def _no_constant(text: str) -> Any:
    raise WireError("not JSON")


# One decoder with the trm/1 hooks, made once (json.loads builds one per call with hooks);
# the object hook looks ``_no_duplicates`` up on each call, so a test may replace it.
_DECODER = json.JSONDecoder(
    object_pairs_hook=lambda pairs: _no_duplicates(pairs),
    parse_int=_integer,
    parse_float=_no_fraction,
    parse_constant=_no_constant,
)


def _check(value: Any, depth: int) -> None:
    if isinstance(value, str):
        if not value.isascii() and _FORBIDDEN_CODE_POINTS.search(value):
            raise WireError("lone surrogate or noncharacter")
        return
    if isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            raise WireError(f"nested deeper than {MAX_DEPTH}")
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict):
            for name in value:
                _check(name, depth)
        for child in children:
            _check(child, depth + 1)


def _check_depth(value: dict[str, Any] | list[Any], depth: int) -> None:
    """The nesting rule alone, for a value whose strings need no look."""
    children = value.values() if isinstance(value, dict) else value
    if depth >= MAX_DEPTH:
        raise WireError(f"nested deeper than {MAX_DEPTH}")
    for child in children:
        if isinstance(child, dict | list):
            _check_depth(child, depth + 1)


def parse_json(data: bytes) -> Any:
    """Parse one I-JSON text with the trm/1 number rule; raises WireError."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise WireError("not UTF-8") from err
    try:
        # A leading U+FEFF (byte order mark) is not JSON white space: refused by json itself.
        value: Any = _DECODER.decode(text)
    except RecursionError as err:
        raise WireError(f"nested deeper than {MAX_DEPTH}") from err
    except WireError:
        raise
    except ValueError as err:
        raise WireError("not JSON") from err
    if "\\u" in text:
        _check(value, 0)  # an escape may spell any code point: look at each decoded string
    elif not text.isascii() and _FORBIDDEN_CODE_POINTS.search(text):
        # Without escapes, the strings hold exactly the characters of the text (and
        # every forbidden code point is above U+D7FF).
        raise WireError("lone surrogate or noncharacter")
    elif isinstance(value, dict | list):
        _check_depth(value, 0)
    return value


def parse_json_object(data: bytes) -> dict[str, Any]:
    value = parse_json(data)
    if not isinstance(value, dict):
        raise WireError("not a JSON object")
    return value


def compact_parts(token: str, count: int) -> list[bytes]:
    """The ``count`` decoded parts of a compact JOSE serialisation; raises WireError."""
    parts = token.split(".")
    if len(parts) != count:
        raise WireError(f"not {count} parts")
    return [b64url_decode(part) for part in parts]

"""trm/1 §2: one reading of every byte (white space, base64url, I-JSON, integers)."""

from __future__ import annotations

import pytest

from trm.exchange import wire


def test_it_strips_only_the_four_white_space_characters() -> None:
    assert wire.strip(b" \t\r\nx\r\n") == b"x"
    assert wire.strip(b"\x0bx\x0c") == b"\x0bx\x0c"


@pytest.mark.parametrize(("segment", "data"), [("", b""), ("AA", b"\x00"), ("AAE", b"\x00\x01"), ("_-8", b"\xff\xef")])
def test_it_decodes_canonical_base64url(segment: str, data: bytes) -> None:
    assert wire.b64url_decode(segment) == data
    assert wire.b64url_encode(data) == segment


@pytest.mark.parametrize("segment", ["AA==", "A", "AB", "AAF", "+/8", "A A", "AA\n", "é"])
def test_it_refuses_any_other_base64url(segment: str) -> None:
    with pytest.raises(wire.WireError):
        wire.b64url_decode(segment)


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": 1, "a": 1}',
        b'{"o": {"a": true, "a": false}}',
        b'[{"a": 1, "b": 2, "\\u0061": 3}]',
        b'{"n": 1.0}',
        b'{"n": 1e2}',
        b'{"n": -0}',
        b'{"n": 9007199254740992}',
        b'{"n": -9007199254740992}',
        b'{"n": 00}',
        b'{"n": NaN}',
        b'{"n": Infinity}',
        b'{"s": "\\ud800"}',
        b'{"\\udfff": 1}',
        b'{"s": "\xef\xbf\xbf"}',
        b'{"s": "\\ufdd0"}',
        b'{"s": "\\ud83f\\udffe"}',
        b"\xef\xbb\xbf{}",
        b'{"s": "\xc0\xaf"}',
        b'{"s": "\xed\xa0\x80"}',
        b"[" * 17 + b"]" * 17,
        b"[" * 100000 + b"]" * 100000,
        b"{} {}",
        b'{"s": "a\nb"}',
    ],
)
def test_it_refuses_json_outside_i_json_and_integers(text: bytes) -> None:
    with pytest.raises(wire.WireError):
        wire.parse_json(text)


def test_it_reads_i_json() -> None:
    assert wire.parse_json(b' {"b": [1, -2, 9007199254740991], "a": "\\u00e9\xc3\xa9"} ') == {
        "b": [1, -2, 2**53 - 1],
        "a": "éé",
    }
    assert wire.parse_json(b"[" * 16 + b"]" * 16) == [[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]
    assert wire.parse_json_object(b"{}") == {}
    with pytest.raises(wire.WireError, match="object"):
        wire.parse_json_object(b"[]")


def test_it_splits_compact_serialisations() -> None:
    assert wire.compact_parts("AA.AAE.", 3) == [b"\x00", b"\x00\x01", b""]
    with pytest.raises(wire.WireError, match="3 parts"):
        wire.compact_parts("AA.AA", 3)


@pytest.mark.parametrize(
    "text",
    [
        b'{"s": "\\u0041", "t": ["\xef\xbf\xbe"]}',  # an escape: every string is looked at, the literal too
        b'{"\\u0041": [' + b"[" * 15 + b'"x"' + b"]" * 15 + b"]}",  # an escape, nested too deep
        b'{"s": "\xc3\xa9\xef\xb7\x90"}',  # no escape, not ASCII: a literal noncharacter
        b'["\\u00e9", {"\\ud800": 1}]',  # a lone surrogate in a member name
    ],
)
def test_it_finds_forbidden_code_points_and_depth_with_and_without_escapes(text: bytes) -> None:
    with pytest.raises(wire.WireError):
        wire.parse_json(text)


def test_it_reads_scalars_and_text_without_escapes() -> None:
    assert wire.parse_json(b'"\xc3\xa9"') == "é"
    assert wire.parse_json(b"7") == 7
    assert wire.parse_json(b'{"a": {"b": ["c", {}]}, "d": "\\u00e9"}') == {"a": {"b": ["c", {}]}, "d": "é"}


def test_it_decodes_what_the_standard_library_decodes_and_refuses_the_rest() -> None:
    import base64
    import random

    rng = random.Random(12)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for _ in range(5000):
        segment = "".join(
            rng.choice(alphabet + "+/= \né") if rng.random() < 0.1 else rng.choice(alphabet)
            for _ in range(rng.randint(0, 9))
        )
        clean = all(c in alphabet for c in segment) and len(segment) % 4 != 1
        expected = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)) if clean else None
        canonical = expected is not None and wire.b64url_encode(expected) == segment
        if canonical:
            assert wire.b64url_decode(segment) == expected
        else:
            with pytest.raises(wire.WireError):
                wire.b64url_decode(segment)

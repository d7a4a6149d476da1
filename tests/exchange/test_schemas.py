"""The JSON Schema subset validator and the published schemas."""

from __future__ import annotations

import pytest

from trm.exchange import schemas


def keywords(instance: object, schema: dict[str, object]) -> list[str]:
    return [error.keyword for error in schemas.validate(instance, schema)]


@pytest.mark.parametrize(
    ("instance", "schema", "expected"),
    [
        (1, {"type": "string"}, ["type"]),
        (True, {"type": "integer"}, ["type"]),
        (3, {"type": "integer", "minimum": 4, "maximum": 2}, ["minimum", "maximum"]),
        (1, {"enum": [True]}, ["enum"]),
        (True, {"const": 1}, ["const"]),
        ("", {"minLength": 1}, ["minLength"]),
        ("abc", {"maxLength": 2}, ["maxLength"]),
        ("abc\n", {"pattern": "^abc$"}, ["pattern"]),
        ("a$", {"pattern": "a\\$"}, []),
        ([], {"minItems": 1}, ["minItems"]),
        ([1, 2], {"maxItems": 1}, ["maxItems"]),
        ([1, 1], {"uniqueItems": True}, ["uniqueItems"]),
        ([1, True], {"uniqueItems": True}, []),
        ([1, "x"], {"items": {"type": "integer"}}, ["type"]),
        ({}, {"required": ["a"]}, ["required"]),
        ({"a": 1}, {"dependentRequired": {"a": ["b"]}}, ["dependentRequired"]),
        ({"a": 1}, {"properties": {}, "additionalProperties": False}, ["additionalProperties"]),
        ({"a": 1}, {"properties": {}}, []),
    ],
)
def test_it_validates_each_keyword(instance: object, schema: dict[str, object], expected: list[str]) -> None:
    assert keywords(instance, schema) == expected


def test_it_reports_json_pointer_paths() -> None:
    schema = schemas.BODY_SCHEMAS["referral_offer"]
    errors = schemas.validate({"case_ref": "A-1", "services": ["spa"]}, schema)
    assert errors == [schemas.SchemaError("/services/0", "enum")]


def test_it_refuses_keywords_it_does_not_implement() -> None:
    with pytest.raises(ValueError, match="oneOf"):
        schemas._check_keywords({"properties": {"a": {"items": {"oneOf": []}}}})


def test_it_closes_every_body_schema() -> None:
    from trm.exchange.messages import CASE_TYPES

    for type_, schema in schemas.BODY_SCHEMAS.items():
        assert schema["additionalProperties"] is False
        assert ("case_ref" in schema["required"]) == (type_ in CASE_TYPES)


def test_it_publishes_every_schema_with_its_dialect() -> None:
    published = schemas.published()
    assert set(published["bodies"]) == set(schemas.BODY_SCHEMAS)
    assert published["envelope"]["$schema"] == schemas.DIALECT


def test_its_base64_matcher_accepts_exactly_what_the_published_pattern_accepts() -> None:
    import random
    import re

    matcher = schemas._compiled(schemas.BASE64_PATTERN)
    assert not isinstance(matcher, re.Pattern)
    identity = schemas.BODY_SCHEMAS["identity_verification_request"]
    assert schemas.BASE64_PATTERN in repr(identity)  # the document copies use it
    pattern = re.compile(schemas.BASE64_PATTERN[:-1] + r"\Z")
    rng = random.Random(12)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    for _ in range(20000):
        chars = [rng.choice(alphabet) for _ in range(rng.randint(0, 13))]
        for position in (-1, -2):
            if len(chars) >= -position and rng.random() < 0.4:
                chars[position] = "="
        if chars and rng.random() < 0.1:
            chars[rng.randrange(len(chars))] = rng.choice("=\n -_é")
        text = "".join(chars)
        assert bool(matcher.search(text)) == bool(pattern.search(text)), text


def test_it_compares_enums_of_strings_by_json_equality() -> None:
    assert keywords("a", {"enum": ["a", "b"]}) == []
    assert keywords(["a"], {"enum": ["a", "b"]}) == ["enum"]
    assert keywords(1, {"enum": ["a", 1]}) == []
    assert keywords(True, {"enum": ["a", 1]}) == ["enum"]


def test_it_compiles_a_schema_once_and_each_schema_for_itself() -> None:
    first = {"type": "string", "maxLength": 1}
    second = {"type": "string", "maxLength": 2}
    assert keywords("ab", first) == ["maxLength"]
    assert keywords("ab", second) == []
    assert schemas._validator(first) is schemas._validator(first)

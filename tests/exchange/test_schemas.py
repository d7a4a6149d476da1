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

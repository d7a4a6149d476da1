"""The one rule for text and ids from outside (trm.lib.text)."""

from __future__ import annotations

import pytest
from django import forms
from pydantic import BaseModel, ValidationError

from trm.accounts.models import Organisation
from trm.lib.text import (
    BoundedModelChoiceField,
    DbId,
    StrictTextForm,
    Text,
    int_out_of_range,
    json_problem,
    text_problem,
)


@pytest.mark.parametrize("ok", ["", "Ana", "Ана-Мария", "名前", "🌻", "line\nbreak\ttab\r", "\u00a0nbsp", "é"])
def test_it_accepts_text_people_type(ok):
    assert text_problem(ok) is None


@pytest.mark.parametrize(
    "bad", ["\x00", "a\x1bb", "\x7f", "\ud800", "\udfff", "\ufffe", "\uffff", "\ufdd0", "\U0001fffe"]
)
def test_it_refuses_controls_surrogates_and_non_characters(bad):
    assert text_problem(bad) is not None


@pytest.mark.parametrize(
    ("value", "out"),
    [(1, False), (2**63 - 1, False), (2**63, True), (-(2**63), False), (-(2**63) - 1, True), (True, False),
     ("9223372036854775808", True), (" 42 ", False), ("x", False), ("1" * 50, True), ("", False), (None, False)],
)  # fmt: skip
def test_it_knows_which_integers_a_database_can_hold(value, out):
    assert int_out_of_range(value) is out


def test_it_finds_problems_anywhere_in_a_json_document():
    assert json_problem({"a": [1, {"b": "ok"}], "c": None, "d": 1.5, "e": True}) is None
    assert json_problem({"a": [1, {"b": "\ud800"}]}) is not None
    assert json_problem({"\x00": 1}) is not None
    assert json_problem([[[2**64]]]) is not None


class Schema(BaseModel):
    name: Text = ""
    ids: list[DbId] = []


def test_the_schema_types_refuse_bad_text_and_ids():
    assert Schema(name="Ana", ids=[1, 2**63 - 1]).ids == [1, 2**63 - 1]
    for bad in ({"name": "\ud800"}, {"ids": [0]}, {"ids": [-1]}, {"ids": [2**63]}):
        with pytest.raises(ValidationError):
            Schema(**bad)


class NoteForm(StrictTextForm):
    note = forms.CharField()


def test_a_strict_form_refuses_bad_text():
    assert NoteForm({"note": "fine"}).is_valid()
    form = NoteForm({"note": "bad\ufdd0"})
    assert not form.is_valid()
    assert "not allowed" in str(form.errors["note"])


@pytest.mark.django_db
def test_a_bounded_choice_field_refuses_a_huge_id_instead_of_crashing():
    field = BoundedModelChoiceField(queryset=Organisation.objects.all())
    with pytest.raises(forms.ValidationError):
        field.clean(str(2**63))
    with pytest.raises(forms.ValidationError):
        field.clean("999999")

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from trm.lib import labels


def test_a_code_reads_as_its_label_in_the_active_language():
    with translation.override("en"):
        assert labels.label("country", "BG") == "Bulgaria"
        assert labels.labels("language", ["bg", "ro"]) == ["Bulgarian", "Romanian"]
    with translation.override("bg"):
        assert labels.label("country", "BG") == "България"


def test_an_unknown_code_is_shown_as_it_is_and_an_empty_one_as_nothing():
    assert labels.label("country", "ZZ") == "ZZ"
    assert labels.label("country", None) == ""
    assert labels.label("country", "") == ""


def test_an_unknown_vocabulary_is_a_programming_error():
    with pytest.raises(LookupError, match="no vocabulary named 'colour'"):
        labels.label("colour", "red")


def test_apps_register_their_vocabularies():
    assert {"country", "language", "indicator_set"} <= set(labels.names())
    assert labels.label("indicator_set", "unodc-begging-petty-crime") != "unodc-begging-petty-crime"


def test_the_template_filters():
    with translation.override("en"):
        html = Template('{% load labels %}{{ c|label:"country" }} / {{ ls|labels:"language" }}').render(
            Context({"c": "RO", "ls": ["sv", "bg"]})
        )
    assert html == "Romania / Swedish, Bulgarian"


def test_from_choices():
    lookup = labels.from_choices([("a", "Alpha")])
    assert lookup("a") == "Alpha" and lookup("b") == "b"

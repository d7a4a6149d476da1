from __future__ import annotations

import re

from django import forms

from trm.cases.forms import CaseFilterForm, PlainSelect


def _django_select(bound):
    html = forms.Select(choices=bound.field.choices).render(bound.html_name, bound.value(), {"id": bound.auto_id})
    return re.sub(r">\s+<", "><", str(html).strip())


def test_it_renders_the_filter_selects_as_django_does():
    form = CaseFilterForm({"nationality": "UA", "child": "yes", "status": "Closed"})
    assert form.is_valid()
    for name in ("status", "state", "deadline", "exploitation", "child", "nationality"):
        assert str(form[name]) == _django_select(form[name]), name
    assert '<option value="UA" selected>' in str(form["nationality"])
    assert str(form["nationality"]).count(" selected") == 1


def test_it_escapes_labels_and_values():
    widget = PlainSelect(choices=[("", "Any"), ('"x', "<b>&</b>")])
    html = widget.render("f", '"x')
    assert '<option value="&quot;x" selected>&lt;b&gt;&amp;&lt;/b&gt;</option>' in html
    assert "<b>" not in html


def test_it_leaves_option_groups_to_django():
    widget = PlainSelect(choices=[("Group", [("a", "A")])])
    assert '<optgroup label="Group">' in widget.render("f", "a")

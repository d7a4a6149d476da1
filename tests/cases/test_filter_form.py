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


# The filter by form of exploitation: an EXISTS over the route stages on SQLite, the GIN-indexed
# array of the case's forms on PostgreSQL; both must give the same cases.


def _cases_with_forms(world, forms_by_case):
    from tests.cases.builders import days_ago, detect
    from trm.cases import casework

    cases = []
    for stages in forms_by_case:
        case = detect(world.responder)
        for form in stages:
            casework.add_event(
                case, by=world.responder, type="Exploitation", country="SE", start_date=days_ago(30),
                exploitation_type=form,
            )  # fmt: skip
        cases.append(case)
    return cases


def test_the_exploitation_filter_finds_cases_with_that_form_among_others(world):
    from trm.cases.models import Case

    begging, both, labour, _none = _cases_with_forms(
        world, [["ForcedBegging"], ["ForcedLabour", "ForcedBegging"], ["ForcedLabour"], []]
    )
    found = set(Case.objects.with_exploitation("ForcedBegging").values_list("pk", flat=True))
    assert found == {begging.pk, both.pk}
    assert set(Case.objects.with_exploitation("ForcedLabour").values_list("pk", flat=True)) == {both.pk, labour.pk}
    # A form's name inside another's is not a match.
    assert not Case.objects.with_exploitation("Forced").exists()


def test_the_list_page_and_the_api_filter_alike(world):
    from tests.factories import verified_client

    begging, both, _labour = _cases_with_forms(
        world, [["ForcedBegging"], ["ForcedLabour", "ForcedBegging"], ["ForcedLabour"]]
    )
    client = verified_client(world.focal)
    page = client.get("/cases/", {"exploitation": "ForcedBegging"}).content.decode()
    api = client.get("/api/cases/", {"exploitation": "ForcedBegging"}).json()
    refs = {begging.reference, both.reference}
    assert {row["reference"] for row in api["results"]} == refs
    assert all(ref in page for ref in refs) and _labour.reference not in page

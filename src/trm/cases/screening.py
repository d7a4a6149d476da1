"""Indicator screening of a case: the form, and record_screening() around the pure scoring.py.

The Delphi rule and the sets are data (scoring.py, indicators/*.json). A screening stores the
hits, the per-dimension result and the advised outcome (no indicators / refer for assessment /
presumed victim). It is advice: it moves the case to SCREENED, never to a decision.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import identification, scoring, screening_text
from trm.cases.models import Case, Screening


def may_screen(user: Any, case: Case) -> bool:
    """Whether to offer screening: whoever manages the case, while the procedure allows it."""
    return identification.may(identification.SCREEN, user, case)


def indicator_sets() -> tuple[scoring.IndicatorSet, ...]:
    return scoring.available_sets()


def indicator_set_title(set_id: str) -> str:
    """An indicator set's title in the page's language, or its id where the set is no longer installed."""
    return next((screening_text.text(s.title) for s in indicator_sets() if s.id == set_id), set_id)


def default_set_for(case: Case) -> str:
    """The labour list of the person's age group, or the first set there is."""
    sets = {s.profile: s.id for s in indicator_sets()}
    wanted = "child-labour" if case.is_child else "adult-labour"
    if wanted in sets:
        return sets[wanted]
    return next(iter(sets.values()), "")


@transaction.atomic
def record_screening(
    case: Case,
    *,
    set_key: str,
    hits: list[str],
    by: Any,
    interpreter_used: bool = False,
    note: str = "",
    answers: dict[str, object] | None = None,
) -> Screening:
    """Score the hits with the set's rule, store the screening, and move the case to SCREENED."""
    identification.check(identification.SCREEN, by, case)
    try:
        indicator_set = scoring.get_set(set_key)
    except scoring.UnknownIndicatorSet:
        raise ValidationError({"indicator_set": _("Unknown indicator set.")}) from None
    try:
        result = scoring.score(indicator_set, hits, is_child=case.is_child)
        checked = scoring.check_answers(indicator_set, answers or {}, is_child=case.is_child)
    except scoring.UnknownIndicator as exc:
        raise ValidationError(
            {"hits": _("“%(id)s” is not an indicator of this set.") % {"id": exc.indicator_id}}
        ) from None
    except scoring.InvalidAnswer as exc:
        raise ValidationError({"answers": _("Invalid answer to “%(id)s”.") % {"id": exc.field_id}}) from None
    summary = result.as_json()
    summary["answers"] = checked
    item = Screening(
        case=case,
        indicator_set=indicator_set.id,
        hits=list(result.hits),
        dimensions=summary,
        outcome=str(result.outcome),
        interpreter_used=interpreter_used,
        note=note,
        screened_by=by,
    )
    item.full_clean()
    item.save()
    identification.decide(case, event=identification.SCREEN, by=by)
    record(by, Action.CREATE, case, fields=["screening"], note=f"screening: {item.outcome}")
    return item


class ScreeningForm(forms.Form):
    """One checkbox group per dimension (or one list for a count set), built from the set's file.

    The file's English labels are shown in the page's language (screening_text); values stay codes.
    """

    indicator_set = forms.ChoiceField(label=gettext_lazy("Indicator set"), choices=[])
    interpreter_used = forms.BooleanField(label=gettext_lazy("Interview held with an interpreter"), required=False)
    note = forms.CharField(label=gettext_lazy("Observations"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, data: Any = None, *, case: Case) -> None:
        super().__init__(data)
        self.case = case
        sets = indicator_sets()
        cast(forms.ChoiceField, self.fields["indicator_set"]).choices = [
            (s.id, screening_text.text(s.title)) for s in sets
        ]
        chosen = (data or {}).get("indicator_set") or default_set_for(case)
        self.fields["indicator_set"].initial = chosen
        self.chosen = next((s for s in sets if s.id == chosen), None)
        self.indicator_fields: list[str] = []
        self.answer_fields: list[str] = []
        if self.chosen is None:
            return
        groups = self.chosen.dimensions or (scoring.Dimension("items", _("Indicators"), self.chosen.indicators),)
        for group in groups:
            name = f"dim_{group.id}"
            self.fields[name] = forms.MultipleChoiceField(
                label=screening_text.text(group.label),
                required=False,
                choices=[(i.id, screening_text.indicator_choice(i)) for i in group.indicators],
                widget=forms.CheckboxSelectMultiple,
            )
            self.indicator_fields.append(name)
        for field in self.chosen.fields:
            if field.children_only and not case.is_child:
                continue
            name = f"ans_{field.id}"
            choices = screening_text.answer_choices(field)
            label = screening_text.text(field.label)
            if field.type == "choice":
                self.fields[name] = forms.ChoiceField(label=label, required=False, choices=[("", "—"), *choices])
            else:
                self.fields[name] = forms.MultipleChoiceField(
                    label=label, required=False, choices=choices, widget=forms.CheckboxSelectMultiple
                )
            self.answer_fields.append(name)

    def hits(self) -> list[str]:
        out: list[str] = []
        for name in self.indicator_fields:
            out.extend(self.cleaned_data.get(name) or [])
        return out

    def answers(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for name in self.answer_fields:
            value = self.cleaned_data.get(name)
            if value:
                out[name.removeprefix("ans_")] = value
        return out

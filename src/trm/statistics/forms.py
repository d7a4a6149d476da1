from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from trm.statistics import figures
from trm.statistics.tables import dim_title


class FilterForm(forms.Form):
    """Period (a whole year, or all years) and breakdown: the only ways to cut the figures."""

    year = forms.ChoiceField(label=_("Year of detection"), required=False)
    by = forms.ChoiceField(label=_("Break down by"), required=False)

    def __init__(self, *args: Any, years: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["year"]).choices = [("", _("All years")), *((y, y) for y in years)]
        cast(forms.ChoiceField, self.fields["by"]).choices = [
            ("", _("Presumed / identified")),
            *((d, dim_title(d)) for d in figures.BREAKDOWNS),
        ]


class ReleaseForm(forms.Form):
    """A differentially private table for publication."""

    table = forms.ChoiceField(label=_("Table"))
    year = forms.IntegerField(label=_("Year of detection"), min_value=2000, max_value=2100)
    epsilon = forms.FloatField(
        label=_("Privacy loss (epsilon)"),
        min_value=0.01,
        max_value=10,
        initial=0.5,
        help_text=_("Smaller is more private and noisier. Each year of data has a budget; a release spends from it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["table"]).choices = [(d, dim_title(d)) for d in figures.BREAKDOWNS]


class RegionalForm(forms.Form):
    """The year of this node's figures to send to the network secretariat."""

    year = forms.ChoiceField(label=_("Year of detection"))

    def __init__(self, *args: Any, years: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["year"]).choices = [(y, y) for y in reversed(years)]


class RegionalFilterForm(forms.Form):
    """The year the secretariat compares the countries' figures for."""

    year = forms.ChoiceField(label=_("Year of detection"), required=False)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["year"]).choices = [(str(y), str(y)) for y in years]

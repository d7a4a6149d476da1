"""The forms of the joint investigation team pages; the rules are the verbs' (``justice.teams``)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from trm.justice.models.teams import HandlingCode, InformationAccuracy, PermittedUse, SourceReliability
from trm.vocab.countries import country_choices


class TeamForm(forms.Form):
    operation_ref = forms.RegexField(
        label=_("Operation reference"),
        regex=r"^JIT-[A-Z0-9]{4}-[A-Z0-9]{4}$",
        required=False,
        help_text=_("Leave empty to create a new reference; enter the one another party gave to record its team here."),
        error_messages={"invalid": _("An operation reference reads JIT-XXXX-XXXX (capitals and digits).")},
    )
    agreement_ref = forms.CharField(label=_("Agreement reference"), max_length=200)
    purpose = forms.CharField(label=_("Purpose"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))


class PartyForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), choices=country_choices)
    node = forms.CharField(label=_("Its node (from the trust list)"), max_length=64, required=False)
    authority = forms.CharField(label=_("Authority"), max_length=200)


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    organisation = forms.CharField(label=_("Organisation"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=country_choices)
    function = forms.CharField(label=_("Function in the team"), max_length=200, required=False)
    username = forms.CharField(label=_("User name on this node (if any)"), max_length=150, required=False)


class CaseLinkForm(forms.Form):
    reference = forms.CharField(label=_("Case reference"), max_length=20)


class ItemForm(forms.Form):
    to = forms.MultipleChoiceField(label=_("Share with"), widget=forms.CheckboxSelectMultiple)
    title = forms.CharField(label=_("Title"), max_length=200)
    content = forms.CharField(label=_("Content"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    source_reliability = forms.ChoiceField(label=_("Source reliability"), choices=SourceReliability.choices)
    information_accuracy = forms.ChoiceField(label=_("Information accuracy"), choices=InformationAccuracy.choices)
    permitted_uses = forms.MultipleChoiceField(
        label=_("Permitted uses"), choices=PermittedUse.choices, widget=forms.CheckboxSelectMultiple
    )
    handling_codes = forms.MultipleChoiceField(
        label=_("Handling codes"),
        choices=HandlingCode.choices,
        initial=[HandlingCode.H2],
        widget=forms.CheckboxSelectMultiple,
    )
    handling_text = forms.CharField(label=_("Handling conditions (H3)"), max_length=500, required=False)

    def __init__(self, *args: Any, parties: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["to"]).choices = parties


class ForwardForm(forms.Form):
    to = forms.ChoiceField(label=_("Pass on to"))

    def __init__(self, *args: Any, parties: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["to"]).choices = parties

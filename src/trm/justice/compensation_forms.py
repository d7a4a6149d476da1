"""Forms of compensation claims and group cases. Amounts and currencies go to the verbs as typed:
the verbs alone decide what is valid (and audit what they refuse), for pages and the API alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trm.justice.models.compensation import ClaimKind
from trm.justice.models.groups import GroupKind, Sector

DATE = forms.DateInput(attrs={"type": "date"})
AMOUNT_HELP = _("In the currency of the claim, e.g. 1250.50.")


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "---------"), *choices]


class ClaimForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of claim"), choices=_blank(ClaimKind.choices))
    currency = forms.CharField(
        label=_("Currency"), max_length=3, initial="EUR", help_text=_("ISO 4217 code, e.g. EUR, RON, SEK.")
    )
    amount_claimed = forms.CharField(label=_("Amount claimed"), max_length=20, help_text=AMOUNT_HELP)
    limitation_on = forms.DateField(
        label=_("To be filed by (limitation)"),
        required=False,
        widget=DATE,
        help_text=_("The last day on which the claim can be filed; the dashboard warns 30 days before."),
    )
    authority = forms.CharField(label=_("Court or deciding authority"), max_length=200, required=False)
    proceeding_ref = forms.CharField(
        label=_("Proceeding reference"),
        max_length=100,
        required=False,
        help_text=_("The court's or prosecution's file number, if the claim is made in a proceeding."),
    )
    includes_back_pay = forms.BooleanField(
        label=_("Includes back pay for labour exploitation"),
        required=False,
        help_text=_("Wages owed to the person. A back-pay claim always includes them."),
    )
    wages_owed = forms.CharField(
        label=_("Wages owed"),
        max_length=20,
        required=False,
        help_text=_("Part of the amount claimed; for a back-pay claim, empty means all of it."),
    )
    wages_from = forms.DateField(label=_("Wages owed from"), required=False, widget=DATE)
    wages_to = forms.DateField(label=_("Wages owed until"), required=False, widget=DATE)


class FileForm(forms.Form):
    filed_on = forms.DateField(label=_("Filed on"), widget=DATE)


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"), choices=[("awarded", _("Awarded")), ("rejected", _("Rejected"))], widget=forms.RadioSelect
    )
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE)
    amount_awarded = forms.CharField(
        label=_("Amount awarded"), max_length=20, required=False, help_text=_("Leave empty for a rejection.")
    )


class PaymentForm(forms.Form):
    amount = forms.CharField(label=_("Amount paid"), max_length=20, help_text=AMOUNT_HELP)
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)


class WriteOffForm(forms.Form):
    ended_on = forms.DateField(label=_("Written off on"), widget=DATE)


class SendClaimForm(forms.Form):
    link = forms.ChoiceField(label=_("Conversation with the country where the crime happened"))

    def __init__(self, *args: Any, links: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.links = {str(link.conversation): link for link in links}
        field = self.fields["link"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (str(link.conversation), f"{link.peer} ({link.peer_country}) · {link.conversation}") for link in links
        ]


class GroupForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of group"), choices=_blank(GroupKind.choices))
    sector = forms.ChoiceField(label=_("Sector"), choices=_blank(Sector.choices))
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    workplace = forms.CharField(label=_("Workplace"), max_length=300, required=False)
    country = forms.CharField(label=_("Country where it operates (ISO code)"), max_length=2, required=False)
    wages_owed = forms.CharField(label=_("Wages owed"), max_length=20, required=False)
    currency = forms.CharField(label=_("Currency of the wages"), max_length=3, required=False)
    hours_owed = forms.CharField(label=_("Hours owed"), max_length=20, required=False)
    inspection_ref = forms.CharField(label=_("Labour-inspection reference"), max_length=100, required=False)


class LinkCaseForm(forms.Form):
    case = forms.CharField(label=_("Case reference"), max_length=20)

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

SERVICES = [
    ("shelter", _("Shelter")),
    ("medical", _("Medical care")),
    ("psychological", _("Psychological support")),
    ("legal", _("Legal aid")),
    ("education", _("Education")),
    ("vocational", _("Vocational training")),
    ("financial", _("Financial support")),
    ("reintegration", _("Reintegration support")),
    ("interpretation", _("Interpretation")),
    ("family_reunification", _("Family reunification")),
]
URGENCY = [("routine", _("Routine")), ("priority", _("Priority")), ("urgent", _("Urgent"))]
DECLINE_REASONS = [
    ("no_capacity", _("No capacity")),
    ("not_eligible", _("Not eligible")),
    ("safety", _("Safety concerns")),
    ("consent_missing", _("Consent missing")),
    ("other", _("Other")),
]
WITHDRAW_REASONS = [
    ("person_declined", _("The person declined")),
    ("circumstances_changed", _("Circumstances changed")),
    ("duplicate", _("Duplicate")),
    ("other", _("Other")),
]


class SendForm(forms.Form):
    to_node = forms.ChoiceField(label=_("Country and node"))
    services = forms.MultipleChoiceField(label=_("Services requested"), choices=SERVICES,
                                         widget=forms.CheckboxSelectMultiple)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=URGENCY, initial="routine")
    needs_summary = forms.CharField(
        label=_("Needs, for the receiving services"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("No names or contact details here: they leave only with the identity, if shared."),
    )
    share_identity = forms.BooleanField(
        label=_("Share the person's identity (name, date of birth)"), required=False,
        help_text=_("Only with the person's consent to a transnational referral, or a child's best-interests record."),
    )

    def __init__(self, *args: Any, peers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from trm.vocab.countries import country_name

        self.fields["to_node"].choices = [
            (p.node_id, f"{country_name(p.country)} — {p.organisation} ({p.node_id})") for p in peers
        ]


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DECLINE_REASONS)
    reason_text = forms.CharField(label=_("Explanation"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=WITHDRAW_REASONS)

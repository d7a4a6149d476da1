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


FOLLOW_UP_TYPES = [
    ("risk_assessment_request", _("Request a risk and security assessment")),
    ("risk_assessment_response", _("Answer with a risk and security assessment")),
    ("identity_verification_request", _("Request identity and nationality verification")),
    ("post_return_report", _("Post-return follow-up report")),
    ("case_closure", _("Case closure")),
    ("urgent_alert", _("Urgent alert: person in immediate danger")),
]


class FollowUpForm(forms.Form):
    """One form for the follow-up messages; each type uses the fields it needs (the rest are ignored)."""

    type = forms.ChoiceField(label=_("Message"), choices=FOLLOW_UP_TYPES)
    topics = forms.MultipleChoiceField(
        label=_("Assessment topics"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[
            ("family_environment", _("Family environment")),
            ("trafficker_links", _("Links to traffickers")),
            ("retaliation_risk", _("Risk of retaliation")),
            ("reintegration_services", _("Reintegration services")),
            ("caregiver_capacity", _("Caregiver's capacity")),
        ],
    )
    overall_risk = forms.ChoiceField(
        label=_("Overall risk"), required=False,
        choices=[("", "—"), ("low", _("Low")), ("medium", _("Medium")), ("high", _("High")), ("unknown", _("Unknown"))],
    )
    recommendation = forms.ChoiceField(
        label=_("Recommendation"), required=False,
        choices=[("", "—"), ("return_possible", _("Return possible")), ("return_not_advised", _("Return not advised")),
                 ("further_assessment_needed", _("Further assessment needed"))],
    )
    months_after_return = forms.ChoiceField(label=_("Months after return"), required=False,
                                            choices=[("", "—"), ("1", "1"), ("3", "3"), ("6", "6"), ("12", "12"),
                                                     ("24", "24")])
    reintegration_status = forms.ChoiceField(
        label=_("Reintegration"), required=False,
        choices=[("", "—"), ("stable", _("Stable")), ("progressing", _("Progressing")), ("at_risk", _("At risk")),
                 ("re_trafficked", _("Re-trafficked")), ("lost_contact", _("Lost contact"))],
    )
    re_trafficking_alert = forms.BooleanField(label=_("Re-trafficking alert"), required=False)
    closure_reason = forms.ChoiceField(
        label=_("Reason for closure"), required=False,
        choices=[("", "—"), ("reintegrated", _("Reintegrated")), ("person_request", _("At the person's request")),
                 ("lost_contact", _("Lost contact")), ("transferred", _("Transferred")), ("deceased", _("Deceased")),
                 ("other", _("Other"))],
    )
    alert_kind = forms.ChoiceField(
        label=_("Alert"), required=False,
        choices=[("", "—"), ("immediate_danger", _("Immediate danger")), ("missing_person", _("Missing person")),
                 ("missing_child", _("Missing child")), ("re_trafficking", _("Re-trafficking"))],
    )
    contact_point = forms.CharField(label=_("Contact point for the alert"), required=False, max_length=200)
    date = forms.DateField(label=_("Date (assessment or closure)"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}))
    due_date = forms.DateField(label=_("Answer needed by"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))
    remarks = forms.CharField(label=_("Remarks"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    REQUIRED = {
        "risk_assessment_request": ["topics"],
        "risk_assessment_response": ["overall_risk", "recommendation"],
        "post_return_report": ["months_after_return", "reintegration_status"],
        "case_closure": ["closure_reason"],
        "urgent_alert": ["alert_kind", "contact_point"],
    }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in self.REQUIRED.get(data.get("type", ""), []):
            if not data.get(name):
                self.add_error(name, _("Needed for this message."))
        return data

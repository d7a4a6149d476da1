from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from trm.transnational import vocabulary as V
from trm.transnational.kinds import FOLLOW_UPS, KINDS
from trm.transnational.models import AlertKind, CountryRole
from trm.vocab.countries import country_choices

SERVICES = V.choices(V.SERVICE)
URGENCY = V.choices(V.URGENCY)
DECLINE_REASONS = V.choices(V.DECLINE_REASON)
WITHDRAW_REASONS = V.choices(V.WITHDRAW_REASON)

REQUESTED_ACTIONS = [
    ("service_continuity", _("Continuity of services")),
    ("risk_assessment", _("Risk and security assessment")),
    ("identity_verification", _("Identity and nationality verification (never for applicants for protection)")),
    ("family_tracing", _("Family tracing (children only)")),
    ("return_arrangements", _("Return arrangements")),
]
HANDLING = [
    ("H0", _("H0: use only for the stated purpose")),
    ("H1", _("H1: not to be used in court without permission")),
    ("H2", _("H2: no onward transmission without permission")),
    ("H3", _("H3: other conditions (write them below)")),
]


class SendForm(forms.Form):
    to_node = forms.ChoiceField(label=_("Country and node"))
    offer = forms.TypedChoiceField(
        label=_("What to send"),
        coerce=lambda v: v == "referral",
        initial="referral",
        widget=forms.RadioSelect,
        # django-stubs type empty_value as str | None; Django returns any value given for no answer.
        required=False,
        empty_value=True,  # type: ignore[arg-type]
        choices=[
            ("referral", _("Case notification and referral offer (services on return)")),
            ("notification", _("Case notification / request for cooperation only")),
        ],
    )
    purpose = forms.ChoiceField(
        label=_("Purpose of the referral"),
        initial="assistance",
        required=False,
        choices=[("assistance", _("Assistance and continuity of services")), ("return", _("Return"))],
    )
    requested_actions = forms.MultipleChoiceField(
        label=_("Cooperation requested"),
        choices=REQUESTED_ACTIONS,
        widget=forms.CheckboxSelectMultiple,
        initial=["service_continuity", "risk_assessment"],
        required=False,
    )
    services = forms.MultipleChoiceField(
        label=_("Services requested"), choices=SERVICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=URGENCY, initial="routine")
    needs_summary = forms.CharField(
        label=_("Needs, for the receiving services"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("No names or contact details here: they leave only with the identity, if shared."),
    )
    share_identity = forms.BooleanField(
        label=_("Share the person's identity (name, date of birth)"),
        required=False,
        help_text=_("Only with the person's consent to a transnational referral, or a child's best-interests record."),
    )
    handling_codes = forms.MultipleChoiceField(
        label=_("Handling restrictions"),
        choices=HANDLING,
        initial=["H2"],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("H2 when none is chosen."),
    )
    handling_text = forms.CharField(label=_("Handling conditions (H3)"), required=False, max_length=500)

    def __init__(self, *args: Any, peers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from trm.vocab.countries import country_name

        cast(forms.ChoiceField, self.fields["to_node"]).choices = [
            (p.node_id, f"{country_name(p.country)} — {p.organisation} ({p.node_id})") for p in peers
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["kind"] = "referral_offer" if data.get("offer", True) else "case_notification"
        data["purpose"] = data.get("purpose") or "assistance"
        data["requested_actions"] = data.get("requested_actions") or ["service_continuity", "risk_assessment"]
        if data.get("offer") and not data.get("services"):
            self.add_error("services", _("Choose at least one service for the referral."))
        if "H3" in data.get("handling_codes", []) and not data.get("handling_text", "").strip():
            self.add_error("handling_text", _("Handling code H3 needs the conditions written out."))
        return data


class DeclineForm(forms.Form):
    # No reason is chosen for the focal point: an empty first option, and the field is required.
    reason = forms.ChoiceField(
        label=_("Reason for declining"),
        choices=[("", _("Choose a reason")), *DECLINE_REASONS],
        error_messages={"required": _("Choose the reason for declining.")},
    )
    reason_text = forms.CharField(
        label=_("Explanation"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class WithdrawForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason for withdrawing"),
        choices=[("", _("Choose a reason")), *WITHDRAW_REASONS],
        error_messages={"required": _("Choose the reason for withdrawing.")},
    )


def follow_up_choices(types: list[str] | tuple[str, ...] | None = None) -> list[tuple[str, Any]]:
    """The follow-up messages as choices (menu label of each kind), optionally only these types."""
    return [(t, KINDS[t].action) for t in FOLLOW_UPS if types is None or t in types]


def _choices(*pairs: tuple[str, Any]) -> list[tuple[str, Any]]:
    return [("", "—"), *pairs]


class ChooseFollowUpForm(forms.Form):
    message = forms.ChoiceField(label=_("Message"), choices=follow_up_choices)

    def __init__(self, *args: Any, types: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["message"]).choices = follow_up_choices(types)


class FollowUpForm(forms.Form):
    """The follow-up messages; built for one kind, with only the fields that kind declares."""

    type = forms.ChoiceField(choices=follow_up_choices, widget=forms.HiddenInput)
    topics = forms.MultipleChoiceField(
        label=_("Assessment topics"), widget=forms.CheckboxSelectMultiple, choices=V.choices(V.RISK_TOPIC)
    )
    overall_risk = forms.ChoiceField(label=_("Overall risk"), choices=_choices(*V.choices(V.RISK)))
    recommendation = forms.ChoiceField(label=_("Recommendation"), choices=_choices(*V.choices(V.RECOMMENDATION)))
    verification_outcome = forms.ChoiceField(
        label=_("Outcome of the verification"), choices=_choices(*V.choices(V.VERIFICATION_OUTCOME))
    )
    verified_nationality = forms.RegexField(
        label=_("Verified nationality (ISO country code)"),
        regex=r"^[A-Z]{2}$",
        max_length=2,
    )
    travel_document_possible = forms.NullBooleanField(label=_("A travel document can be issued"))
    relationship = forms.ChoiceField(label=_("Family member to trace"), choices=_choices(*V.choices(V.RELATIONSHIP)))
    family_name = forms.CharField(label=_("Family member's family name"), max_length=200)
    given_names = forms.CharField(label=_("Family member's given names"), max_length=200)
    last_known_locality = forms.CharField(label=_("Last known locality"), max_length=200)
    tracing_outcome = forms.ChoiceField(
        label=_("Outcome of the tracing"), choices=_choices(*V.choices(V.TRACING_OUTCOME))
    )
    caregiver_willing = forms.NullBooleanField(label=_("The caregiver agrees to care for the child"))
    caregiver_able = forms.NullBooleanField(label=_("The caregiver is able to care for the child"))
    safety_concerns = forms.ChoiceField(label=_("Safety concerns"), choices=_choices(*V.choices(V.SAFETY_CONCERNS)))
    planned_date = forms.DateField(label=_("Planned travel date"), widget=forms.DateInput(attrs={"type": "date"}))
    arrival_point = forms.CharField(label=_("Arrival point"), max_length=200)
    escort = forms.BooleanField(label=_("Escorted"))
    travel_document = forms.ChoiceField(label=_("Travel document"), choices=_choices(*V.choices(V.TRAVEL_DOCUMENT)))
    reception_organisation = forms.CharField(label=_("Receiving organisation"), max_length=200)
    voluntary = forms.BooleanField(label=_("The person asked for or agreed to the return"))
    received_by = forms.CharField(label=_("Received by (organisation)"), max_length=200)
    months_after_return = forms.TypedChoiceField(
        label=_("Months after return"),
        coerce=int,
        choices=_choices(("1", "1"), ("3", "3"), ("6", "6"), ("12", "12"), ("24", "24")),
    )
    reintegration_status = forms.ChoiceField(label=_("Reintegration"), choices=_choices(*V.choices(V.REINTEGRATION)))
    re_trafficking_alert = forms.BooleanField(label=_("Re-trafficking alert"))
    closure_reason = forms.ChoiceField(label=_("Reason for closure"), choices=_choices(*V.choices(V.CLOSURE_REASON)))
    alert_kind = forms.ChoiceField(label=_("Alert"), choices=_choices(*V.choices(V.ALERT)))
    contact_point = forms.CharField(label=_("Contact point for the alert"), max_length=200)
    question = forms.CharField(
        label=_("Your question"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ask only what you need to decide or to help the person; no names or contact details here."),
    )
    question_topics = forms.MultipleChoiceField(
        label=_("What the question is about"), widget=forms.CheckboxSelectMultiple, choices=V.choices(V.QUESTION_TOPIC)
    )
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Share only what the question needs."),
    )
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Of the assessment, the arrival or the closure; today if left empty."),
    )
    due_date = forms.DateField(label=_("Answer needed by"), widget=forms.DateInput(attrs={"type": "date"}))
    remarks = forms.CharField(
        label=_("Remarks"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("No names or contact details of the person here."),
    )

    def __init__(self, *args: Any, type_: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if type_ not in FOLLOW_UPS:
            raise ValueError("unknown follow-up type")
        required, optional = KINDS[type_].required, KINDS[type_].optional
        self.fields["type"].initial = type_
        for name in list(self.fields):
            if name == "type":
                continue
            if name in required:
                self.fields[name].required = True
            elif name in optional:
                self.fields[name].required = False
            else:
                del self.fields[name]

    def clean_type(self) -> str:
        value = str(self.cleaned_data.get("type", ""))
        if value != self.fields["type"].initial:
            raise forms.ValidationError(_("The message type changed; start again."))
        return value


class ReconcileForm(forms.Form):
    """A node and a period of whole days (UTC) to reconcile with it."""

    peer = forms.ChoiceField(label=_("Other node"))
    first_day = forms.DateField(label=_("From (day, UTC)"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("To (day, UTC, included)"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, peers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["peer"]).choices = [(p, p) for p in peers]


class RouteAlertForm(forms.Form):
    """The alert along the route (``alerts.send``): the countries of the route are added by the verb."""

    alert_kind = forms.ChoiceField(label=_("What the alert is about"), choices=[])
    countries = forms.MultipleChoiceField(
        label=_("Other countries to alert"),
        help_text=_("Every country on the recorded route is alerted; choose any other country on the trust list."),
        required=False,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
    )
    last_seen_on = forms.DateField(
        label=_("Last seen on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    last_seen_country = forms.ChoiceField(label=_("Last seen in"), required=False, choices=[])
    description = forms.CharField(
        label=_("Circumstances and description"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    share_identity = forms.BooleanField(label=_("Send the person's name and date of birth"), required=False)
    police_report_ref = forms.RegexField(
        label=_("Police report reference"),
        required=False,
        max_length=64,
        regex=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$",
    )
    contact_point = forms.CharField(label=_("Contact point (whom the other countries call)"), max_length=200)
    safe_reason = forms.CharField(
        label=_("Why alerting the country of origin is safe"),
        help_text=_("Only for an applicant for protection whose country of origin is among the countries alerted."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    source_ref = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, countries: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["alert_kind"]).choices = AlertKind.choices
        cast(forms.ChoiceField, self.fields["countries"]).choices = countries
        cast(forms.ChoiceField, self.fields["last_seen_country"]).choices = [("", "—"), *country_choices()]


class AcknowledgeForm(forms.Form):
    action = forms.ChoiceField(label=_("What is done here"), choices=V.choices(V.ALERT_ACTION))
    contact_point = forms.CharField(label=_("Contact point here"), required=False, max_length=200)
    remarks = forms.CharField(
        label=_("Remarks"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role of the other country"), choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A blank first choice: a role not yet recorded is not shown as the first of the list
        # (nor recorded as it by one click); the field stays required.
        cast(forms.ChoiceField, self.fields["role"]).choices = [("", "—"), *CountryRole.choices]

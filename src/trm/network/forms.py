from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from trm.accounts.models import User
from trm.network.actions import TRANSITIONS
from trm.network.meetings import MEETING_FIELDS
from trm.network.models import (
    Attendance,
    Conclusion,
    CountryUpdate,
    Meeting,
    NetworkCountry,
    NetworkNode,
    Participant,
    PartnerOrganisation,
    Position,
    Session,
)
from trm.network.nodes import NODE_FIELDS

if TYPE_CHECKING:
    # ModelForm is generic in django-stubs only.
    _ModelForm = forms.ModelForm[Any]
else:
    _ModelForm = forms.ModelForm


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"


class CountryForm(_ModelForm):
    class Meta:
        model = NetworkCountry
        fields = ["code", "membership", "footnote", "rotation_order", "joined_on"]
        widgets = {"joined_on": DateInput(), "footnote": forms.Textarea(attrs={"rows": 3})}


class CountryEditForm(CountryForm):
    class Meta(CountryForm.Meta):
        fields = ["membership", "footnote", "rotation_order", "joined_on"]


class OrganisationForm(_ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = PartnerOrganisation
        fields = ["name", "short_name", "kind", "website"]


class ParticipantForm(_ModelForm):
    user = forms.ModelChoiceField(
        User.objects.filter(is_active=True).order_by("username"),
        required=False,
        label=_("User account"),
        help_text=_("Link a user of this node: they can then write their country's updates."),
        to_field_name="username",
    )

    class Meta:
        model = Participant
        fields = ["first_name", "last_name", "email", "phone", "country", "organisation", "user"]

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()


class PositionForm(_ModelForm):
    class Meta:
        model = Position
        fields = ["kind", "title", "institution", "country", "organisation", "start_date", "end_date"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}


class MeetingForm(_ModelForm):
    class Meta:
        model = Meeting
        # What meetings.update accepts, but the minutes: they have their own form (MinutesForm).
        fields = [f for f in MEETING_FIELDS if f != "minutes"]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "registration_deadline": DateInput(),
            "objectives": forms.Textarea(attrs={"rows": 5}),
        }


class SessionForm(_ModelForm):
    class Meta:
        model = Session
        fields = ["title", "day", "starts_at", "ends_at", "chair", "description", "outcome"]
        widgets = {
            "day": DateInput(),
            "starts_at": TimeInput(),
            "ends_at": TimeInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 3}),
        }


class InviteForm(forms.Form):
    participants = forms.ModelMultipleChoiceField(
        Participant.objects.select_related("country", "organisation"),
        widget=forms.CheckboxSelectMultiple,
        label=_("People to invite"),
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelMultipleChoiceField[Participant]", self.fields["participants"])
        if field.queryset is not None:
            field.queryset = field.queryset.exclude(attendances__meeting=meeting)


class AttendanceForm(_ModelForm):
    class Meta:
        model = Attendance
        fields = ["status"]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Participant list (.csv or .xlsx)"),
        help_text=_(
            "Columns: Country, Organisation, Last name, First name, Role, Position, "
            "Institution, E-mail, Phone. The first row holds the column names."
        ),
    )
    meeting = forms.ModelChoiceField(
        Meeting.objects.all(), required=False, label=_("Register everyone for"), empty_label=_("(no meeting)")
    )


class MinutesForm(_ModelForm):
    class Meta:
        model = Meeting
        fields = ["minutes"]
        widgets = {"minutes": forms.Textarea(attrs={"rows": 12})}


class CountryUpdateForm(_ModelForm):
    submit = forms.BooleanField(required=False, label=_("Submit: share this update with the network"))

    class Meta:
        model = CountryUpdate
        fields = ["key_activities", "good_practices", "trends"]
        widgets = {f: forms.Textarea(attrs={"rows": 6}) for f in ("key_activities", "good_practices", "trends")}


class ActionFields(forms.Form):
    """The fields of one action item (also the optional first action of a new conclusion)."""

    description = forms.CharField(label=_("Action"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    owner_country = forms.ModelChoiceField(NetworkCountry.objects.all(), required=False, label=_("Owner (country)"))
    owner_organisation = forms.ModelChoiceField(
        PartnerOrganisation.objects.all(), required=False, label=_("Owner (organisation)")
    )
    due_date = forms.DateField(required=False, label=_("Due date"), widget=DateInput())

    action_required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_owner = bool(data.get("owner_country")) + bool(data.get("owner_organisation"))
        if not data.get("description"):
            if self.action_required:
                self.add_error("description", _("Describe the action."))
            elif has_owner or data.get("due_date"):
                self.add_error("description", _("Describe the action, or leave its owner and date empty."))
            return data
        if has_owner != 1:
            raise forms.ValidationError(_("Choose one owner: a country or an organisation."))
        return data


class ConclusionForm(ActionFields):
    text = forms.CharField(label=_("Conclusion"), widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["text", "description", "owner_country", "owner_organisation", "due_date"]


class ActionItemForm(ActionFields):
    conclusion = forms.ModelChoiceField(Conclusion.objects.none(), required=False, label=_("Conclusion"))
    action_required = True

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Conclusion]", self.fields["conclusion"]).queryset = meeting.conclusions.all()


EVENT_LABELS = {"start": _("Start"), "complete": _("Mark done"), "drop": _("Drop"), "reopen": _("Reopen")}


class ActionStatusForm(forms.Form):
    event = forms.ChoiceField(label=_("Change"), required=False)
    note = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    meeting = forms.ModelChoiceField(Meeting.objects.none(), required=False, label=_("Reported at meeting"))

    def __init__(self, *args: Any, status: str, meetings: QuerySet[Meeting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["event"]).choices = [("", _("(no change)"))] + [
            (event, EVENT_LABELS[event]) for event in TRANSITIONS[status]
        ]
        cast("forms.ModelChoiceField[Meeting]", self.fields["meeting"]).queryset = meetings

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("event") and not (data.get("note") or "").strip():
            raise forms.ValidationError(_("Choose a change or report progress."))
        return data


class JWKField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        try:
            parsed = json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("Paste the key as JSON (a JWK).")) from None
        if not isinstance(parsed, dict):
            raise forms.ValidationError(_("Paste the key as JSON (a JWK)."))
        return parsed

    def prepare_value(self, value: Any) -> Any:
        return json.dumps(value) if isinstance(value, dict) else value


class NodeForm(_ModelForm):
    signing_jwk = JWKField(required=False, label=_("Public signature key (JWK)"))
    encryption_jwk = JWKField(required=False, label=_("Public encryption key (JWK)"))
    endpoint = forms.URLField(label=_("endpoint URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = NetworkNode
        fields = list(NODE_FIELDS)  # what nodes.update accepts
        widgets = {"since": DateInput(), "until": DateInput()}

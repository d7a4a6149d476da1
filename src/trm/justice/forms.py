"""Forms of the proceedings pages: every input is validated here, then handed to one verb."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from trm.justice import access, stages
from trm.justice.models import (
    Channel,
    HearingKind,
    LegalAid,
    NonPunishment,
    Outcome,
    PerpetratorStatus,
    PersonRole,
    ProtectionMeasure,
)
from trm.vocab.countries import country_choices
from trm.vocab.htcds import PerpetratorRole


class DateInput(forms.DateInput):
    input_type = "date"


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *list(choices)]


class OpenProceedingForm(forms.Form):
    person_role = forms.ChoiceField(label=_("The person's part"), choices=PersonRole.choices)
    opened_on = forms.DateField(label=_("Opened on"), widget=DateInput, required=False)
    organisation = forms.ModelChoiceField(
        label=_("Office holding the proceedings"), queryset=access.offices(), required=False
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["organisation"]).queryset = access.offices()
        if access.on_criminal_track(user):
            # The criminal track opens proceedings for its own office.
            del self.fields["organisation"]


class ContentForm(forms.Form):
    person_role = forms.ChoiceField(label=_("The person's part"), choices=PersonRole.choices)
    court = forms.CharField(label=_("Court"), max_length=200, required=False)
    file_reference = forms.CharField(label=_("Police or prosecution file"), max_length=80, required=False)
    court_reference = forms.CharField(label=_("Court file"), max_length=80, required=False)
    evidence = forms.CharField(label=_("The person's evidence"), widget=forms.Textarea, max_length=8000, required=False)
    assessed_on = forms.DateField(label=_("Individual assessment on"), widget=DateInput, required=False)
    protection_needs = forms.CharField(
        label=_("Protection needs"), widget=forms.Textarea, max_length=4000, required=False
    )
    measures = forms.MultipleChoiceField(
        label=_("Protection measures"),
        choices=ProtectionMeasure.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    representative = forms.CharField(label=_("Legal representative"), max_length=200, required=False)
    legal_aid = forms.ChoiceField(label=_("Legal aid"), choices=LegalAid.choices, required=False)
    non_punishment = forms.ChoiceField(
        label=_("Non-punishment application"), choices=NonPunishment.choices, required=False
    )
    non_punishment_offence = forms.CharField(
        label=_("Offence committed under compulsion"), widget=forms.Textarea, max_length=2000, required=False
    )
    testimony_expected = forms.BooleanField(label=_("Expected to testify"), required=False)

    @classmethod
    def initial_of(cls, proceeding: Any) -> dict[str, Any]:
        return {name: getattr(proceeding, name) for name in cls.base_fields}


class StepForm(forms.Form):
    event = forms.ChoiceField(label=_("Step"), choices=list(stages.EVENTS.items()))
    on = forms.DateField(label=_("Date"), widget=DateInput, required=False)
    outcome = forms.ChoiceField(
        label=_("Judgment"),
        choices=_blank(
            [(Outcome.CONVICTED.value, Outcome.CONVICTED.label), (Outcome.ACQUITTED.value, Outcome.ACQUITTED.label)]
        ),
        required=False,
    )

    def __init__(self, *args: Any, stage: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if stage:
            cast(forms.ChoiceField, self.fields["event"]).choices = [
                (e, stages.EVENTS[e]) for e in stages.events_from(stage)
            ]


class HearingForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=HearingKind.choices)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)


class PerpetratorForm(forms.Form):
    role = forms.ChoiceField(label=_("Role (HTCDS)"), choices=PerpetratorRole.choices)
    name = forms.CharField(label=_("Name or alias"), max_length=200)
    nationality = forms.ChoiceField(label=_("Nationality"), choices=(), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=PerpetratorStatus.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["nationality"]).choices = _blank(country_choices())


class PerpetratorStatusForm(forms.Form):
    """One of the proceeding's perpetrators and their new status (``perpetrators.set_status``)."""

    perpetrator = forms.IntegerField(label=_("Perpetrator"), min_value=1, widget=forms.Select)
    status = forms.ChoiceField(label=_("New status"), choices=PerpetratorStatus.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own element ids: the page also holds the new-perpetrator form, whose status is id_status.
        kwargs.setdefault("auto_id", "id_perpetrator_status_%s")
        super().__init__(*args, **kwargs)

    @classmethod
    def of(cls, proceeding: Any, form: forms.Form | None = None) -> forms.Form:
        """The form (a new one, or ``form`` as posted) offering the proceeding's perpetrators."""
        form = form or cls()
        choices = [(x.pk, f"{x.name} · {x.get_role_display()}") for x in proceeding.perpetrators.all()]
        cast(forms.Select, form.fields["perpetrator"].widget).choices = choices
        return form


class CancelHearingForm(forms.Form):
    """One of the proceeding's hearings not yet cancelled (``proceedings.cancel_hearing``)."""

    hearing = forms.IntegerField(label=_("Hearing"), min_value=1, widget=forms.Select)

    @classmethod
    def of(cls, proceeding: Any, form: forms.Form | None = None) -> forms.Form:
        """The form (a new one, or ``form`` as posted) offering the hearings not cancelled."""
        form = form or cls()
        choices = [
            (h.pk, f"{date_format(h.held_on, 'j M Y')} · {h.get_kind_display()}")
            for h in proceeding.hearings.filter(cancelled=False)
        ]
        cast(forms.Select, form.fields["hearing"].widget).choices = choices
        return form


class NotifyForm(forms.Form):
    channel = forms.ChoiceField(label=_("How the person is told"), choices=Channel.choices)
    country = forms.ChoiceField(
        label=_("Her country (through its node)"),
        choices=(),
        required=False,
        help_text=_("Empty: her nationality."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = _blank(country_choices())

"""Forms of the case page's child protection, missing and migration sections."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trm.cases.forms import CaseForm, DateInput
from trm.cases.missing import PLAIN_STEPS, STEP_LABELS
from trm.cases.models import CarePlacement, MissingEpisode
from trm.vocab.countries import country_choices
from trm.vocab.migration import (
    ChildStatus,
    FoundCondition,
    MigrationStatus,
    PlacementType,
    Relationship,
    RelationshipCheck,
    RoutePlaceType,
)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _now() -> dt.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class MomentField(forms.DateTimeField):
    """A date and time typed in the node's time zone (``datetime-local``)."""

    widget = DateTimeInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"], **kwargs)


class _SectionForm(CaseForm):
    """Ids of its own (``id_<scope>_<field>``): several forms on the case page share field names."""

    scope = "section"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{self.scope}_%s")
        super().__init__(*args, **kwargs)


class ChildStatusForm(_SectionForm):
    scope = "child_status"

    status = forms.ChoiceField(label=_("The child is"), choices=ChildStatus.choices, widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.case is not None and self.case.child_status:
            self.fields["status"].initial = self.case.child_status


class AccompanyingAdultForm(_SectionForm):
    scope = "adult"
    name = forms.CharField(label=_("Name of the adult"), max_length=200)
    relationship = forms.ChoiceField(label=_("Relationship claimed"), choices=Relationship.choices)
    checks = forms.MultipleChoiceField(
        label=_("Checked how"), required=False, choices=RelationshipCheck.choices, widget=forms.CheckboxSelectMultiple
    )
    verified = forms.BooleanField(label=_("The relationship is verified"), required=False)
    checked_on = forms.DateField(label=_("Checked on"), required=False, widget=DateInput)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PlacementForm(_SectionForm):
    scope = "placement"
    type = forms.ChoiceField(label=_("Type of placement"), choices=PlacementType.choices)
    place = forms.CharField(label=_("Place"), max_length=200)
    starts_on = forms.DateField(label=_("From"), widget=DateInput, initial=timezone.localdate)


class EndPlacementForm(_SectionForm):
    scope = "end_placement"
    placement = forms.IntegerField(widget=forms.HiddenInput)
    ends_on = forms.DateField(label=_("Until"), widget=DateInput, initial=timezone.localdate)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Opened on demand: the form ends the case's current placement.
        if not self.is_bound and self.case is not None and "placement" not in self.initial:
            current = CarePlacement.objects.filter(case=self.case).current().values_list("pk", flat=True).first()
            self.initial["placement"] = current

    def clean_placement(self) -> CarePlacement:
        item = CarePlacement.objects.filter(case=self.case, pk=self.cleaned_data["placement"]).first()
        if item is None:
            raise forms.ValidationError(_("No such placement on this case."))
        return item


class MissingForm(_SectionForm):
    scope = "missing"
    last_seen_at = MomentField(label=_("Last seen (date and time)"), initial=_now)
    last_seen_place = forms.CharField(label=_("Last seen where"), max_length=200)
    circumstances = forms.CharField(
        label=_("Circumstances"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    police_report_ref = forms.CharField(
        label=_("Police report reference"),
        max_length=60,
        required=False,
        help_text=_("If the police have already been told; otherwise it is the first urgent task."),
    )


class _EpisodeForm(_SectionForm):
    episode = forms.IntegerField(widget=forms.HiddenInput)

    def clean_episode(self) -> MissingEpisode:
        item = MissingEpisode.objects.filter(case=self.case, pk=self.cleaned_data["episode"]).first()
        if item is None:
            raise forms.ValidationError(_("No such episode on this case."))
        return item


class PoliceReportForm(_EpisodeForm):
    scope = "police_report"
    reference = forms.CharField(label=_("Police report reference"), max_length=60)
    notified_at = MomentField(label=_("Reported at"), required=False, initial=_now)


class MissingStepForm(_EpisodeForm):
    scope = "missing_step"
    step = forms.ChoiceField(choices=[(s, STEP_LABELS[s]) for s in PLAIN_STEPS], widget=forms.HiddenInput)


class FoundForm(_EpisodeForm):
    scope = "found"
    found_at = MomentField(label=_("Found (date and time)"), initial=_now)
    found_place = forms.CharField(label=_("Found where"), max_length=200)
    condition = forms.ChoiceField(label=_("Condition"), choices=FoundCondition.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class MigrationStatusForm(_SectionForm):
    scope = "migration"
    status = forms.ChoiceField(label=_("Migration status"), choices=MigrationStatus.choices)
    since = forms.DateField(label=_("Since"), widget=DateInput, initial=timezone.localdate)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when international protection no longer applies."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.case is not None:
            self.fields["status"].initial = self.case.migration_status


class RouteEncounterForm(_SectionForm):
    scope = "encounter"
    country = forms.ChoiceField(label=_("Country"), choices=[])
    place_type = forms.ChoiceField(label=_("Type of place"), choices=RoutePlaceType.choices)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    met_on = forms.DateField(label=_("Met on"), widget=DateInput, initial=timezone.localdate)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = country_choices()


class NoReferralForm(_SectionForm):
    scope = "no_referral"
    """'No referral' after screening; on a child's case the reasons are required (the verb says so)."""

    reasons = forms.CharField(
        label=_("Why this child is not referred"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

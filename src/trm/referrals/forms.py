"""Forms of the referral and directory pages: every input, GET filters included, is validated here."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trm.accounts.models import Organisation
from trm.referrals import fieldsets
from trm.referrals.models import DeclineReason, EndReason, Provider, Service
from trm.vocab.countries import language_choices
from trm.vocab.htcds import SupportPlanType


class DateInput(forms.DateInput):
    input_type = "date"


def _blank(choices: Any, label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label), *list(choices)]


def _languages() -> list[tuple[str, str]]:
    return language_choices()


def _field_set_choices() -> list[tuple[str, str]]:
    out = []
    for key, fs in fieldsets.FIELD_SETS.items():
        fields = ", ".join(str(fieldsets.FIELDS[f]) for f in fs.fields)
        out.append((key, f"{fs.label} — {fields}"))
    return out


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name contains"), required=False, max_length=100)
    service = forms.ChoiceField(label=_("Service"), required=False, choices=_blank(Service.choices, _("Any")))
    region = forms.CharField(label=_("Region"), required=False, max_length=120)
    language = forms.ChoiceField(label=_("Language"), required=False, choices=[])
    accepts = forms.ChoiceField(
        label=_("Accepts"),
        required=False,
        choices=[
            ("", _("Anyone")),
            ("children", _("Children")),
            ("women", _("Women")),
            ("men", _("Men")),
            ("families", _("Families")),
        ],
    )
    free_only = forms.BooleanField(label=_("Only with free places"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["language"]).choices = _blank(_languages(), _("Any"))


class ProviderForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    services = forms.MultipleChoiceField(
        label=_("Services offered"), choices=Service.choices, widget=forms.CheckboxSelectMultiple
    )
    regions = forms.CharField(
        label=_("Regions served"), required=False, max_length=600, help_text=_("Separate regions with commas.")
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), required=False, choices=[], widget=forms.SelectMultiple(attrs={"size": 5})
    )
    accepts_children = forms.BooleanField(label=_("Accepts children"), required=False)
    accepts_women = forms.BooleanField(label=_("Accepts women"), required=False, initial=True)
    accepts_men = forms.BooleanField(label=_("Accepts men"), required=False, initial=True)
    accepts_families = forms.BooleanField(label=_("Accepts families"), required=False)
    capacity = forms.IntegerField(label=_("Places in total"), required=False, min_value=0, max_value=10000)
    free_places = forms.IntegerField(label=_("Free places"), required=False, min_value=0, max_value=10000)
    contact_name = forms.CharField(label=_("Contact point"), required=False, max_length=200)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=16)
    mou_reference = forms.CharField(label=_("Cooperation agreement (MoU) reference"), required=False, max_length=80)
    mou_valid_from = forms.DateField(label=_("Agreement valid from"), required=False, widget=DateInput)
    mou_valid_until = forms.DateField(label=_("Agreement valid until"), required=False, widget=DateInput)
    description = forms.CharField(label=_("Description"), required=False, max_length=2000, widget=forms.Textarea)
    is_active = forms.BooleanField(label=_("Listed in the directory"), required=False, initial=True)

    def __init__(self, *args: Any, provider: Provider | None = None, **kwargs: Any) -> None:
        if provider is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "organisation": provider.organisation_id,
                **{k: getattr(provider, k) for k in self.verb_fields()},
                "regions": ", ".join(provider.regions),
            }
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["languages"]).choices = _languages()
        organisation = cast("forms.ModelChoiceField[Organisation]", self.fields["organisation"])
        if provider is not None:
            organisation.queryset = Organisation.objects.filter(pk=provider.organisation_id)
            organisation.disabled = True
        else:
            organisation.queryset = Organisation.objects.active().filter(provider_profile__isnull=True)

    @staticmethod
    def verb_fields() -> tuple[str, ...]:
        from trm.referrals.directory import EDITABLE

        return EDITABLE

    def verb_kwargs(self) -> dict[str, Any]:
        data = {k: self.cleaned_data[k] for k in self.verb_fields()}
        data["regions"] = [r.strip() for r in (self.cleaned_data["regions"] or "").split(",") if r.strip()]
        return data


class CapacityForm(forms.Form):
    free_places = forms.IntegerField(label=_("Free places now"), min_value=0, max_value=10000)
    capacity = forms.IntegerField(label=_("Places in total"), required=False, min_value=1, max_value=10000)


class ChooseCaseForm(forms.Form):
    case = forms.CharField(label=_("Case reference"), max_length=20)

    def clean_case(self) -> str:
        return str(self.cleaned_data["case"]).strip().upper()


class ReferForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Provider.objects.none())
    service = forms.ChoiceField(label=_("Service"), choices=_blank(Service.choices))
    field_set = forms.ChoiceField(
        label=_("Information to share"),
        choices=[],
        help_text=_("Only the fields listed are shared. Choose the smallest set the service needs."),
        widget=forms.RadioSelect,
    )
    needs = forms.CharField(
        label=_("Needs and special needs"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the person needs from this service. Shared with the provider."),
    )
    health_notes = forms.CharField(
        label=_("Health information"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only for medical or psychological support, and only with the person's explicit consent to it."),
    )
    urgent = forms.BooleanField(label=_("Urgent"), required=False)

    def __init__(self, *args: Any, providers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = providers if providers is not None else Provider.objects.active()
        provider_field = cast("forms.ModelChoiceField[Provider]", self.fields["provider"])
        provider_field.queryset = qs.select_related("organisation")
        provider_field.label_from_instance = _provider_label  # type: ignore[assignment]  # Django reads this hook off the instance
        cast(forms.ChoiceField, self.fields["field_set"]).choices = _field_set_choices()

    def offer_providers(self, providers: list[Provider]) -> None:
        """Offer only these providers (those that fit); any listed provider is still validated, so
        that choosing another one gets the verb's reason instead of a bare "not a valid choice"."""
        field = cast("forms.ModelChoiceField[Provider]", self.fields["provider"])
        field.widget.choices = [("", "—"), *((p.pk, _provider_label(p)) for p in providers)]


def _provider_label(provider: Provider) -> str:
    services = ", ".join(str(Service(s).label) for s in provider.services if s in Service.values)
    places = ""
    if provider.free_places is not None:
        places = " · " + str(_("%(n)s free places") % {"n": provider.free_places})
    return f"{provider.organisation} ({services}){places}"


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=_blank(DeclineReason.choices))
    note = forms.CharField(
        label=_("Explanation"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DeliveryForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"), choices=Service.choices)
    delivered_on = forms.DateField(label=_("Delivered on"), widget=DateInput)
    description = forms.CharField(label=_("What was done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, referral: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delivered_on"].initial = timezone.localdate()
        if referral is not None:
            self.fields["service"].initial = referral.service


class CompleteForm(forms.Form):
    report = forms.CharField(
        label=_("Report to the referring organisation"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The outcome of the services and any follow-up needed."),
    )


class WithdrawForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=_blank([c for c in EndReason.choices if c[0] != EndReason.COMPLETED])
    )


class EmptyForm(forms.Form):
    pass


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), ("active", _("Active")), ("overdue", _("Overdue")), ("ended", _("Ended"))],
    )
    case = forms.CharField(label=_("Case reference"), required=False, max_length=20)


# ------------------------------------------------------------------------------------------
# Support plans


class PlanForm(forms.Form):
    """A provider starts a support plan for the case of a referral it handles."""

    type = forms.ChoiceField(label=_("Type"), choices=SupportPlanType.choices)
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    review_on = forms.DateField(label=_("Review on"), required=False, widget=DateInput)
    goals = forms.CharField(label=_("Goals"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_on"].initial = timezone.localdate


class PlanEditForm(forms.Form):
    goals = forms.CharField(label=_("Goals"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    review_on = forms.DateField(label=_("Next review on"), required=False, widget=DateInput)

    def __init__(self, *args: Any, plan: Any = None, **kwargs: Any) -> None:
        if plan is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {"goals": plan.goals, "review_on": plan.review_on}
        super().__init__(*args, **kwargs)


class ProgressForm(forms.Form):
    recorded_on = forms.DateField(label=_("Date"), widget=DateInput)
    services = forms.MultipleChoiceField(
        label=_("Services delivered"), required=False, choices=Service.choices, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("Progress"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was done and how it goes. The referring case manager reads it."),
    )

    def __init__(self, *args: Any, plan: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recorded_on"].initial = timezone.localdate


class PlanCloseForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How the plan ended."),
    )

    def __init__(self, *args: Any, plan: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class PlanStartForm(forms.Form):
    def __init__(self, *args: Any, plan: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

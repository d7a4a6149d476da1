"""Forms of the case pages: every input, GET filters included, is validated here."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from trm.accounts.models import Organisation, User
from trm.accounts.roles import Role
from trm.cases import identification
from trm.cases.access import competent_authorities
from trm.cases.children import AGE_METHODS
from trm.cases.models import (
    ABROAD_PURPOSES,
    RECIPIENT_KINDS,
    AgeDecision,
    BestInterestsKind,
    ClosureReason,
    ConsentGiver,
    ConsentPurpose,
    DurableSolution,
    GuardianAppointment,
    GuardianKind,
    IdentificationState,
    PermitKind,
    RiskKind,
    RiskLevel,
    RiskType,
    SupportPlanStatus,
    TracingStatus,
)
from trm.lib.text import BoundedModelMultipleChoiceField
from trm.vocab.countries import country_choices, language_choices
from trm.vocab.htcds import (
    CaseStatus,
    DecisionMakingOrg,
    ExploitationType,
    Gender,
    MethodOfControl,
    MethodOfRecruitment,
    OrganisationType,
    RelationshipToTrafficker,
    SupportPlanType,
    TraffickingEventType,
)
from trm.vocab.migration import MigrationStatus


class DateInput(forms.DateInput):
    input_type = "date"


def _blank(choices: Any, label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label), *list(choices)]


def _countries() -> list[tuple[str, str]]:
    """Every country, the node's own first, after an empty choice (no country is chosen silently)."""
    return _blank(node_first(country_choices()))


def node_first(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The node's country first, then the others by name."""
    own = settings.TRM_COUNTRY
    return [c for c in choices if c[0] == own] + [c for c in choices if c[0] != own]


# A long list of checkboxes or a multiple select gets a filter box (static/js/app.js); the value is
# the filter box's accessible name.
FILTERABLE = {"data-filterable": _("Type to filter the list")}


def _languages() -> list[tuple[str, str]]:
    return language_choices()


REFERENCE_RE = r"^[A-Z]{1,2}-[2-9A-Z]{4}-[2-9A-Z]{4}$"
NAME_KEY_RE = r"^[0-9a-f]{64}$"


class SearchForm(forms.Form):
    """Posted, never sent in a URL: a name typed here becomes a keyed hash before any redirect."""

    q = forms.CharField(
        label=_("Case reference or exact full name"),
        max_length=200,
        help_text=_("Names are matched exactly (case and spacing do not matter)."),
    )


class PlainSelect(forms.Select):
    """The same ``<select>`` as Django's, written in Python instead of through a template per option.

    The case list renders its filter form on every request; with some 250 nationalities, the
    template per option cost more than the list's statements at a million cases.
    """

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        if any(isinstance(label, (list, tuple)) for _value, label in self.choices):
            return super().render(name, value, attrs, renderer)  # option groups: Django's templates
        chosen = set(self.format_value(value))
        rows: list[tuple[str, str, Any]] = []
        for option, label in self.choices:
            option = "" if option is None else str(option)
            selected = " selected" if option in chosen else ""  # no character to escape
            chosen.discard(option)  # like Django's, only the first option of a value is selected
            rows.append((option, selected, label))
        # format_html escapes every value and label; nothing is marked safe by hand.
        options = format_html_join("", '<option value="{}"{}>{}</option>', rows)
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, attributes, options)


class CaseFilterForm(forms.Form):
    ref = forms.RegexField(regex=REFERENCE_RE, required=False, widget=forms.HiddenInput)
    nk = forms.RegexField(regex=NAME_KEY_RE, required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_blank(CaseStatus.choices, _("Any")), widget=PlainSelect
    )
    state = forms.ChoiceField(
        label=_("Identification"),
        required=False,
        choices=_blank(IdentificationState.choices, _("Any")),
        widget=PlainSelect,
    )
    deadline = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("Any")), ("overdue", _("Overdue")), ("week", _("Due within 7 days")), ("any", _("Has one"))],
        widget=PlainSelect,
    )
    exploitation = forms.ChoiceField(
        label=_("Form of exploitation"),
        required=False,
        choices=_blank(ExploitationType.choices, _("Any")),
        widget=PlainSelect,
    )
    child = forms.ChoiceField(
        label=_("Child"),
        required=False,
        choices=[("", _("Any")), ("yes", _("Children")), ("no", _("Adults"))],
        widget=PlainSelect,
    )
    nationality = forms.ChoiceField(label=_("Nationality"), required=False, choices=[], widget=PlainSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["nationality"]).choices = _blank(country_choices(), _("Any"))


class DetectionForm(forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=200, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=200, required=False)
    aliases = forms.CharField(
        label=_("Aliases"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("One per line.")
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput)
    age_uncertain = forms.BooleanField(label=_("Age is uncertain"), required=False)
    presumed_minor = forms.BooleanField(
        label=_("There are reasons to believe the person is a child (presume minority)"), required=False
    )
    gender = forms.ChoiceField(label=_("Sex / gender"), choices=Gender.choices, initial=Gender.UNKNOWN)
    citizenship = forms.ChoiceField(label=_("Citizenship"), required=False, choices=[])
    second_citizenship = forms.ChoiceField(label=_("Second citizenship"), required=False, choices=[])
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        required=False,
        choices=[],
        widget=forms.SelectMultiple(attrs={"size": 5, **FILTERABLE}),
    )
    document_type = forms.ChoiceField(
        label=_("Identity document"),
        required=False,
        choices=[
            ("", _("None seen")),
            ("passport", _("Passport")),
            ("id_card", _("Identity card")),
            ("residence_permit", _("Residence permit")),
            ("other", _("Other document")),
        ],
    )
    document_number = forms.CharField(label=_("Document number"), max_length=60, required=False)
    document_held_by = forms.ChoiceField(
        label=_("Document held by"),
        required=False,
        choices=[("", "—"), ("person", _("The person")), ("third_party", _("Someone else (withheld)"))],
    )
    contact = forms.CharField(
        label=_("Safe contact (phone, e-mail)"),
        max_length=200,
        required=False,
        help_text=_("Only a contact that is safe for the person to use."),
    )
    asylum_seeker = forms.BooleanField(label=_("Has applied for international protection"), required=False)
    migration_status = forms.ChoiceField(
        label=_("Migration status"),
        required=False,
        choices=_blank(MigrationStatus.choices),
        help_text=_(
            "An applicant or beneficiary of international protection: never shared with the country of origin."
        ),
    )
    detected_on = forms.DateField(label=_("Detected on"), widget=DateInput)
    detection_country = forms.ChoiceField(label=_("Country of detection"), choices=[])
    detection_place = forms.CharField(label=_("Place of detection"), max_length=200, required=False)
    narrative = forms.CharField(
        label=_("Circumstances of detection"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["citizenship"]).choices = _countries()
        cast(forms.ChoiceField, self.fields["second_citizenship"]).choices = _countries()
        cast(forms.ChoiceField, self.fields["detection_country"]).choices = node_first(country_choices())
        self.fields["detection_country"].initial = settings.TRM_COUNTRY
        cast(forms.ChoiceField, self.fields["languages"]).choices = _languages()
        self.fields["detected_on"].initial = timezone.localdate

    def verb_kwargs(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["aliases"] = [a for a in d.pop("aliases").splitlines() if a.strip()]
        d["citizenships"] = [c for c in (d.pop("citizenship"), d.pop("second_citizenship")) if c]
        doc = {"type": d.pop("document_type"), "number": d.pop("document_number"), "held_by": d.pop("document_held_by")}
        d["documents"] = [doc] if doc["type"] or doc["number"] else []
        contact = d.pop("contact").strip()
        d["contacts"] = [{"value": contact}] if contact else []
        return d


class CaseForm(forms.Form):
    """Base of the forms shown on a case: they know the case and the user."""

    def __init__(self, *args: Any, case: Any = None, user: Any = None, **kwargs: Any) -> None:
        self.case = case
        self.user = user
        super().__init__(*args, **kwargs)


class PersonForm(CaseForm):
    """Correct the person's details after detection (encrypted fields; the change is audited)."""

    given_name = forms.CharField(label=_("Given name"), max_length=200, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=200, required=False)
    aliases = forms.CharField(
        label=_("Aliases"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("One per line.")
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput)
    gender = forms.ChoiceField(label=_("Sex / gender"), choices=Gender.choices)
    citizenship = forms.ChoiceField(label=_("Citizenship"), required=False, choices=[])
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        required=False,
        choices=[],
        widget=forms.SelectMultiple(attrs={"size": 5, **FILTERABLE}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["citizenship"]).choices = _countries()
        cast(forms.ChoiceField, self.fields["languages"]).choices = _languages()
        person = self.case.person if self.case is not None else None
        if person is not None and not self.is_bound:
            self.initial.update(
                given_name=person.given_name,
                family_name=person.family_name,
                aliases="\n".join(person.aliases),
                date_of_birth=person.date_of_birth,
                gender=person.gender,
                citizenship=person.citizenships[0] if person.citizenships else "",
                languages=person.languages,
            )

    @staticmethod
    def changes_of(d: dict[str, Any]) -> dict[str, Any]:
        return {
            "given_name": d["given_name"].strip(),
            "family_name": d["family_name"].strip(),
            "aliases": [a.strip() for a in d["aliases"].splitlines() if a.strip()],
            "date_of_birth": d["date_of_birth"],
            "gender": d["gender"],
            "citizenships": [d["citizenship"]] if d["citizenship"] else [],
            "languages": list(d["languages"]),
        }


class ReferForm(CaseForm):
    to = forms.ModelChoiceField(label=_("Competent authority"), queryset=Organisation.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The verb refuses any other recipient (identification._refer_checks): same list.
        self.fields["to"].queryset = competent_authorities()  # type: ignore[attr-defined]


class DecisionForm(CaseForm):
    event = forms.ChoiceField(label=_("Decision"), choices=[])
    decided_on = forms.DateField(label=_("Date of the decision"), widget=DateInput, initial=timezone.localdate)
    decision_body = forms.ChoiceField(
        label=_("Decision-making body"), required=False, choices=_blank(DecisionMakingOrg.choices)
    )
    reasons = forms.CharField(label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = identification.event_labels()
        events = []
        if self.case is not None and self.user is not None:
            events = identification.decisions_for(self.user, self.case)
        cast(forms.ChoiceField, self.fields["event"]).choices = [(e, labels[e]) for e in events]


# Items a consent may explicitly cover beyond the purpose's ordinary data (GDPR Art. 9 data).
CONSENT_SCOPES = [
    ("health", _("Health information")),
    ("identity_documents", _("Identity documents")),
]


class ConsentForm(CaseForm):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    recipients = BoundedModelMultipleChoiceField(
        label=_("Recipients"),
        required=False,
        queryset=Organisation.objects.none(),
        help_text=_("Leave empty to cover any member of the national referral mechanism."),
        widget=forms.SelectMultiple(attrs={"size": 4, **FILTERABLE}),
    )
    language = forms.ChoiceField(label=_("Language in which the person was informed"), choices=[])
    interpreter = forms.BooleanField(label=_("With an interpreter"), required=False)
    given_by = forms.ChoiceField(label=_("Given by"), choices=ConsentGiver.choices)
    scope = forms.MultipleChoiceField(
        label=_("Explicitly also covers"),
        required=False,
        choices=CONSENT_SCOPES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Special categories of data are shared only when the person explicitly agreed."),
    )
    # The scope abroad: only for a consent to a transnational referral (consent.give checks it).
    purposes = forms.MultipleChoiceField(
        label=_("Transnational referral: what the receiving country may do"),
        required=False,
        choices=[(p.value, p.label) for p in ABROAD_PURPOSES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("It may refer the person to services there only for these purposes."),
    )
    recipient_countries = forms.MultipleChoiceField(
        label=_("Receiving countries"),
        required=False,
        choices=[],
        widget=forms.SelectMultiple(attrs={"size": 5, **FILTERABLE}),
        help_text=_("Organisations in these countries only may act on the consent."),
    )
    recipient_kinds = forms.MultipleChoiceField(
        label=_("Kinds of organisation there"),
        required=False,
        choices=[(k, OrganisationType(k).label) for k in RECIPIENT_KINDS],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any kind."),
    )
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = Organisation.objects.active()  # type: ignore[attr-defined]
        cast(forms.ChoiceField, self.fields["language"]).choices = _languages()
        if self.case is not None and self.case.is_child:
            # A child's views are heard, but the guardian or a parent gives the legal consent.
            given_by = cast(forms.ChoiceField, self.fields["given_by"])
            given_by.choices = [c for c in ConsentGiver.choices if c[0] != ConsentGiver.PERSON]
            given_by.initial = ConsentGiver.GUARDIAN
        cast(forms.ChoiceField, self.fields["recipient_countries"]).choices = [
            (code, name) for code, name in country_choices() if code != settings.TRM_COUNTRY
        ]
        if self.case is not None and self.case.person.languages:
            self.fields["language"].initial = self.case.person.languages[0]


class WithdrawConsentForm(CaseForm):
    consent = forms.IntegerField(widget=forms.HiddenInput)


class EventForm(CaseForm):
    type = forms.ChoiceField(label=_("Stage"), choices=TraffickingEventType.choices)
    country = forms.ChoiceField(label=_("Country"), choices=[])
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    start_date = forms.DateField(label=_("From"), required=False, widget=DateInput)
    end_date = forms.DateField(label=_("Until"), required=False, widget=DateInput)
    exploitation_type = forms.ChoiceField(
        label=_("Form of exploitation"), required=False, choices=_blank(ExploitationType.choices)
    )
    sector_isic = forms.CharField(
        label=_("Sector (ISIC Rev. 4)"), max_length=6, required=False, help_text=_("e.g. A01, F, S96")
    )
    methods_of_control = forms.MultipleChoiceField(
        label=_("Methods of control"),
        required=False,
        choices=MethodOfControl.choices,
        widget=forms.CheckboxSelectMultiple(attrs=FILTERABLE),
    )
    recruitment_method = forms.ChoiceField(
        label=_("Method of recruitment"), required=False, choices=_blank(MethodOfRecruitment.choices)
    )
    relationship_to_trafficker = forms.ChoiceField(
        label=_("Relationship to trafficker"), required=False, choices=_blank(RelationshipToTrafficker.choices)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # No default: a stage's country is chosen (it used to fall on the first of the list).
        cast(forms.ChoiceField, self.fields["country"]).choices = _countries()


class NoteForm(CaseForm):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000)


class RiskForm(CaseForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=RiskKind.choices)
    level = forms.ChoiceField(label=_("Level"), choices=RiskLevel.choices)
    risks = forms.MultipleChoiceField(
        label=_("Risks"), required=False, choices=RiskType.choices, widget=forms.CheckboxSelectMultiple
    )
    country = forms.ChoiceField(label=_("Country assessed (for a return)"), required=False, choices=[])
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput, initial=timezone.localdate)
    measures = forms.CharField(label=_("Safety measures"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = _countries()


class SupportPlanForm(CaseForm):
    type = forms.ChoiceField(label=_("Type"), choices=SupportPlanType.choices)
    status = forms.ChoiceField(label=_("Status"), choices=SupportPlanStatus.choices)
    provider = forms.ModelChoiceField(label=_("Provider"), required=False, queryset=Organisation.objects.none())
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput, initial=timezone.localdate)
    review_on = forms.DateField(label=_("Review on"), required=False, widget=DateInput)
    goals = forms.CharField(label=_("Goals"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Organisation.objects.active()  # type: ignore[attr-defined]


class PermitForm(CaseForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=PermitKind.choices)
    issued_on = forms.DateField(label=_("Issued on"), widget=DateInput)
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty to use this jurisdiction's standard validity."),
    )
    number = forms.CharField(label=_("Permit number"), max_length=60, required=False)


class OwnerForm(CaseForm):
    owner = forms.ModelChoiceField(label=_("Case owner"), queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.case is not None:
            orgs = [o for o in (self.case.owner_org_id, self.case.routed_to_org_id) if o]
            self.fields["owner"].queryset = (  # type: ignore[attr-defined]
                User.objects.filter(is_active=True, organisation_id__in=orgs)
                .exclude(groups__name__in=[Role.DPO.value, Role.NODE_ADMIN.value, Role.RAPPORTEUR.value])
                .order_by("last_name", "username")
            )
            self.fields["owner"].initial = self.case.owner_id


class CloseForm(CaseForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=ClosureReason.choices)


class AgeAssessmentForm(CaseForm):
    trigger = forms.CharField(label=_("Reason for doubt"), max_length=200)
    methods = forms.MultipleChoiceField(
        label=_("Methods (least intrusive first)"),
        choices=[
            ("documents", _("Documents")),
            ("interview", _("Interview")),
            ("psychosocial", _("Psycho-social assessment")),
            ("medical", _("Medical (last resort)")),
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    min_age = forms.IntegerField(label=_("Lowest age in the range"), required=False, min_value=0, max_value=120)
    max_age = forms.IntegerField(label=_("Highest age in the range"), required=False, min_value=0, max_value=120)
    benefit_of_doubt = forms.BooleanField(label=_("Benefit of the doubt applied"), required=False, initial=True)
    decision = forms.ChoiceField(label=_("Decision"), choices=AgeDecision.choices)
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput, initial=timezone.localdate)

    def clean_methods(self) -> list[str]:
        methods = self.cleaned_data["methods"]
        return [m for m in AGE_METHODS if m in methods]


class GuardianForm(CaseForm):
    """A guardian holding an account here, or a guardian without one, by name (``guardians.appoint``)."""

    guardian = forms.ModelChoiceField(label=_("Guardian with an account"), queryset=User.objects.none(), required=False)
    name = forms.CharField(label=_("Or: name of a guardian without an account"), max_length=200, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    contact = forms.CharField(label=_("Contact"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=GuardianKind.choices)
    decision_ref = forms.CharField(label=_("Appointment decision reference"), max_length=64, required=False)
    appointed_on = forms.DateField(label=_("Appointed on"), widget=DateInput, initial=timezone.localdate)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["guardian"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            is_active=True, groups__name=Role.GUARDIAN.value
        ).order_by("last_name", "username")


class GuardianAccountForm(CaseForm):
    """Link a guardian appointed without an account to their account (``guardians.link_account``)."""

    appointment = forms.ModelChoiceField(label=_("Guardian"), queryset=GuardianAppointment.objects.none())
    user = forms.ModelChoiceField(label=_("Their account"), queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appointment"].queryset = GuardianAppointment.objects.filter(  # type: ignore[attr-defined]
            case=self.case, ended_on__isnull=True, person__isnull=False, person__user__isnull=True
        ).select_related("person")
        self.fields["appointment"].label_from_instance = lambda a: a.guardian_name  # type: ignore[attr-defined]
        self.fields["user"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            is_active=True, groups__name=Role.GUARDIAN.value, guardian_record__isnull=True
        ).order_by("last_name", "username")


class BestInterestsForm(CaseForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=BestInterestsKind.choices)
    decided_on = forms.DateField(label=_("Date"), widget=DateInput, initial=timezone.localdate)
    durable_solution = forms.ChoiceField(label=_("Durable solution"), required=False, choices=DurableSolution.choices)
    child_views_heard = forms.BooleanField(label=_("The child's views were heard"), required=False)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class FamilyTracingForm(CaseForm):
    status = forms.ChoiceField(label=_("Status"), choices=TracingStatus.choices)
    country = forms.ChoiceField(label=_("Country"), choices=[])
    started_on = forms.DateField(label=_("Started on"), widget=DateInput, initial=timezone.localdate)
    result = forms.CharField(label=_("Result"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["country"]).choices = _countries()

"""Persons, cases and everything recorded on a case.

Personal data (names, dates of birth, documents, contacts, places, narratives) sits in
encrypted fields and cannot be filtered in SQL. What the case list filters on is kept,
non-identifying, on Case itself (status, identification state, child flag, nationality,
next deadline) and indexed. Exact name search goes through Person.name_index, a keyed
blind index. Workflows that change these rows live in the verb modules
(identification.py, screening.py, consent.py, children.py, casework.py), never in save().
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trm.lib.encrypted import EncryptedCharField, EncryptedDateField, EncryptedJSONField, EncryptedTextField
from trm.vocab.countries import country_choices, country_name, language_names, validate_country, validate_language
from trm.vocab.htcds import (
    CaseStatus,
    DecisionMakingOrg,
    ExploitationType,
    Gender,
    MethodOfRecruitment,
    OrganisationType,
    RelationshipToTrafficker,
    SupportPlanType,
    TraffickingEventType,
)
from trm.vocab.migration import (
    ChildStatus,
    FoundCondition,
    MigrationStatus,
    PlacementType,
    Relationship,
    RelationshipCheck,
    RoutePlaceType,
)

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed safely


def new_reference(prefix: str) -> str:
    """A random, non-guessable reference such as SE-7K3M-9QPX (no counter, no personal data)."""
    body = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def validate_countries(value: object) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("Expected a list of country codes."), code="invalid")
    for code in value:
        validate_country(code)


def validate_languages(value: object) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("Expected a list of language codes."), code="invalid")
    for code in value:
        validate_language(code)


class IdentificationState(models.TextChoices):
    """States of the identification procedure; the transitions are in identification.py."""

    DETECTED = "detected", _("Detected")
    SCREENED = "screened", _("Screened")
    NOT_INDICATED = "not_indicated", _("Screened: no indicators")
    ANONYMOUS = "anonymous_notification", _("Anonymous notification (no consent)")
    RG_PENDING = "rg_pending", _("Referred: awaiting reasonable-grounds decision")
    RG_POSITIVE = "rg_positive", _("Presumed victim (reasonable grounds)")
    RG_NEGATIVE = "rg_negative", _("Reasonable grounds not found")
    IDENTIFIED = "identified", _("Formally identified victim")
    NOT_IDENTIFIED = "not_identified", _("Not identified as a victim")


class ClosureReason(models.TextChoices):
    RECOVERED = "recovered", _("Recovered / assistance completed")
    RETURNED = "returned", _("Returned to country of origin")
    TRANSFERRED = "transferred", _("Transferred to another organisation or country")
    MISSING = "missing", _("Missing")
    WITHDREW_CONSENT = "withdrew_consent", _("Withdrew consent")
    DECEASED = "deceased", _("Deceased")
    NOT_A_VICTIM = "not_a_victim", _("Not a victim of trafficking")


# ------------------------------------------------------------------------------------------
# Person and case


class Person(models.Model):
    """The person a case is about. Everything identifying is encrypted."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    given_name = EncryptedCharField(_("given name"), max_length=200, blank=True)
    family_name = EncryptedCharField(_("family name"), max_length=200, blank=True)
    aliases = EncryptedJSONField(_("aliases"), default=list, blank=True)
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    age_uncertain = models.BooleanField(_("age uncertain"), default=False)
    gender = models.CharField(_("sex / gender"), max_length=30, choices=Gender.choices, default=Gender.UNKNOWN)
    citizenships = models.JSONField(_("citizenships"), default=list, blank=True, validators=[validate_countries])
    languages = models.JSONField(_("languages"), default=list, blank=True, validators=[validate_languages])
    documents = EncryptedJSONField(_("identity documents"), default=list, blank=True)
    contacts = EncryptedJSONField(_("contact details"), default=list, blank=True)
    name_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # Keyed hash of the first identity document's number, for the duplicate warning at detection.
    document_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.reference

    @property
    def audit_ref(self) -> str:
        return self.reference

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)

    @property
    def citizenship_names(self) -> list[str]:
        return [country_name(c) for c in self.citizenships]

    @property
    def language_labels(self) -> list[str]:
        names = language_names()
        return [names.get(code, code) for code in self.languages]

    def age_on(self, day: dt.date) -> int | None:
        if self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


class ExploitationForms(models.Func):
    """`string_to_array(exploitation_types, '|')`: the expression `case_forms_gin_idx` indexes."""

    function = "string_to_array"
    template = "%(function)s(%(expressions)s, '|')"

    def __init__(self) -> None:
        from django.contrib.postgres.fields import ArrayField

        super().__init__(models.F("exploitation_types"), output_field=ArrayField(models.TextField()))


class CaseQuerySet(models.QuerySet["Case"]):
    def open(self) -> CaseQuerySet:
        return self.filter(status__in=[CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP])

    def due_before(self, day: dt.date) -> CaseQuerySet:
        return self.filter(next_deadline__lte=day)

    def with_exploitation(self, form: str) -> CaseQuerySet:
        """Cases with a route stage of this form of exploitation.

        `exploitation_types` keeps the case's forms as `|a|b|`. On PostgreSQL the test is the
        array containment that `case_forms_gin_idx` (migration 0005) answers, so a rare form
        costs the same as a common one; elsewhere an EXISTS over the route stages' index.
        """
        if connections[self.db].vendor == "postgresql":
            return self.alias(_forms=ExploitationForms()).filter(**{"_forms__contains": [form]})
        return self.filter(Exists(TraffickingEvent.objects.filter(case=OuterRef("pk"), exploitation_type=form)))


class Case(models.Model):
    """One person's case at this node's NRM."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases", verbose_name=_("person"))
    owner_org = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="owned_cases",
        verbose_name=_("owning organisation"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_cases",
        null=True,
        blank=True,
        verbose_name=_("case owner"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_cases", editable=False
    )
    routed_to_org = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="routed_cases",
        null=True,
        blank=True,
        verbose_name=_("competent authority"),
    )
    referred_at = models.DateTimeField(_("referred at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.ACTIVE)
    closure_reason = models.CharField(_("closure reason"), max_length=20, choices=ClosureReason.choices, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    state = models.CharField(
        _("identification"), max_length=30, choices=IdentificationState.choices, default=IdentificationState.DETECTED
    )
    detected_on = models.DateField(_("detected on"))
    detection_country = models.CharField(
        _("country of detection"), max_length=2, choices=country_choices, validators=[validate_country]
    )
    detection_place = EncryptedCharField(_("place of detection"), max_length=200, blank=True)
    narrative = EncryptedTextField(_("circumstances of detection"), blank=True)
    # Denormalised, non-identifying columns that the case list filters on.
    is_child = models.BooleanField(_("child"), default=False)
    presumed_minor = models.BooleanField(_("presumed minor"), default=False)
    nationality = models.CharField(_("nationality"), max_length=2, blank=True)
    exploitation_types = models.CharField(max_length=400, blank=True, editable=False)
    next_deadline = models.DateField(_("next deadline"), null=True, blank=True)
    # Kept consistent with migration_status by the verbs (migrants.py): applicants for and
    # beneficiaries of international protection; their identity never goes to the country of origin.
    asylum_seeker = models.BooleanField(_("asylum seeker"), default=False)
    migration_status = models.CharField(
        _("migration status"), max_length=20, choices=MigrationStatus.choices, default=MigrationStatus.UNKNOWN
    )
    child_status = models.CharField(_("travelling"), max_length=20, choices=ChildStatus.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="case_recent_idx"),
            models.Index(fields=["status", "-created_at"], name="case_status_idx"),
            models.Index(fields=["owner_org", "status"], name="case_owner_org_idx"),
            models.Index(fields=["routed_to_org", "status"], name="case_routed_idx"),
            models.Index(fields=["created_by", "referred_at"], name="case_creator_idx"),
            models.Index(fields=["nationality", "-created_at"], name="case_nationality_idx"),
            models.Index(fields=["is_child", "-created_at"], name="case_child_idx"),
            models.Index(fields=["next_deadline"], name="case_deadline_idx"),
            # In list order, so that a deep page of one state reads its rows in order instead of sorting them all.
            models.Index(fields=["state", "-created_at", "-id"], name="case_state_recent_idx"),
            # PostgreSQL only (covering indexes): the scope columns beside the key, so that the bounded
            # count of a filter that starts from another table (a rare form of exploitation) checks a
            # competent authority's scope without reading the case rows.
            models.Index(fields=["id"], include=["owner_org", "routed_to_org"], name="case_id_scope_idx"),
            # Nationality, then child, then deadline: the bounded count of these filters (alone or
            # combined) reads the index only, scope included.
            models.Index(
                fields=["nationality", "is_child", "next_deadline"],
                include=["owner_org", "routed_to_org"],
                name="case_nat_child_deadline_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def audit_ref(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in (CaseStatus.ACTIVE, CaseStatus.FOLLOW_UP)

    @property
    def nationality_name(self) -> str:
        return country_name(self.nationality) if self.nationality else ""

    def exploitation_list(self) -> list[str]:
        return [x for x in self.exploitation_types.split("|") if x]


# ------------------------------------------------------------------------------------------
# Route, screening and identification


class TraffickingEvent(models.Model):
    """One stage of the route: recruitment, transit or exploitation, in one country."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("stage"), max_length=20, choices=TraffickingEventType.choices)
    country = models.CharField(_("country"), max_length=2, choices=country_choices, validators=[validate_country])
    place = EncryptedCharField(_("place"), max_length=200, blank=True)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)
    sector_isic = models.CharField(_("sector (ISIC)"), max_length=6, blank=True)
    exploitation_type = models.CharField(
        _("form of exploitation"), max_length=40, choices=ExploitationType.choices, blank=True
    )
    methods_of_control = models.JSONField(_("methods of control"), default=list, blank=True)
    recruitment_method = models.CharField(
        _("method of recruitment"), max_length=40, choices=MethodOfRecruitment.choices, blank=True
    )
    relationship_to_trafficker = models.CharField(
        _("relationship to trafficker"), max_length=20, choices=RelationshipToTrafficker.choices, blank=True
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [models.Index(fields=["exploitation_type", "case"], name="event_exploitation_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.country}"


class ScreeningOutcome(models.TextChoices):
    NO_INDICATORS = "no_indicators", _("No indicators")
    REFER = "refer_for_assessment", _("Refer for assessment")
    PRESUMED = "presumed_victim", _("Presumed victim")


class Screening(models.Model):
    """An indicator screening: the hits, the per-dimension result and the advised outcome."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="screenings")
    indicator_set = models.CharField(_("indicator set"), max_length=60)
    hits = models.JSONField(_("indicators present"), default=list, blank=True)
    dimensions = models.JSONField(default=dict)
    outcome = models.CharField(_("outcome"), max_length=30, choices=ScreeningOutcome.choices)
    interpreter_used = models.BooleanField(_("interpreter used"), default=False)
    note = EncryptedTextField(_("note"), blank=True)
    screened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    screened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-screened_at", "-id"]

    def __str__(self) -> str:
        return f"{self.indicator_set}: {self.outcome}"


class LegalTest(models.TextChoices):
    REASONABLE_GROUNDS = "reasonable_grounds", _("Reasonable grounds to believe (CETS 10(2), Dir. 2011/36 Art. 11(2))")
    CONCLUSIVE = "conclusive_grounds", _("Conclusive grounds / formal identification (balance of probabilities)")
    SCREENING = "screening", _("Indicator screening and professional judgement")
    NONE = "none", _("Procedural step")


class Decision(models.Model):
    """One step of the identification procedure: who moved the case from which state to which."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    event = models.CharField(_("step"), max_length=30)
    from_state = models.CharField(max_length=30, choices=IdentificationState.choices)
    to_state = models.CharField(max_length=30, choices=IdentificationState.choices)
    legal_test = models.CharField(_("legal test"), max_length=30, choices=LegalTest.choices, default=LegalTest.NONE)
    decision_body = models.CharField(
        _("decision-making body"), max_length=40, choices=DecisionMakingOrg.choices, blank=True
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by_org = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+", null=True)
    decided_on = models.DateField(_("decided on"))
    reasons = EncryptedTextField(_("reasons"), blank=True)
    reconsideration_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.event}: {self.from_state} → {self.to_state}"


# ------------------------------------------------------------------------------------------
# What another country holds: its office for the case, and its identification decision


class Counterpart(models.Model):
    """The office abroad that holds the case too: whom to contact, at which node, under which reference.

    Written when a case comes from another country's node (or goes to one); it is no member
    of this node's NRM and sees nothing here.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="counterparts")
    country = models.CharField(_("country"), max_length=2, choices=country_choices, validators=[validate_country])
    organisation = models.CharField(_("office"), max_length=200)
    node = models.CharField(_("node"), max_length=64)
    case_ref = models.CharField(_("their case reference"), max_length=64, blank=True)
    opened_case = models.BooleanField(_("the case was opened here from its referral"), default=False)
    since = models.DateTimeField(_("since"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["since", "id"]

    def __str__(self) -> str:
        return f"{self.country} {self.node}"


class ForeignStatus(models.TextChoices):
    """Another country's identification status, as trm/1 reports it."""

    NOT_DECIDED = "not_decided", _("No decision yet")
    RG_PENDING = "rg_pending", _("Awaiting a reasonable-grounds decision")
    RG_POSITIVE = "rg_positive", _("Presumed victim (reasonable grounds)")
    RG_NEGATIVE = "rg_negative", _("Reasonable grounds not found")
    IDENTIFIED = "identified", _("Formally identified victim")
    NOT_IDENTIFIED = "not_identified", _("Not identified as a victim")


class ForeignDecision(models.Model):
    """Another country's identification decision on the person, as that country reported it.

    It is that country's decision, never one of this node: it does not move this case's own
    identification procedure (``Case.state``), which this node's competent authority runs.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="foreign_decisions")
    country = models.CharField(_("country"), max_length=2, choices=country_choices, validators=[validate_country])
    status = models.CharField(_("status"), max_length=20, choices=ForeignStatus.choices)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    authority = models.CharField(_("deciding authority"), max_length=200, blank=True)
    reported_by = models.ForeignKey(
        Counterpart, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("reported by")
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.country} {self.status}"


# ------------------------------------------------------------------------------------------
# Deadlines


class DeadlineKind(models.TextChoices):
    RG_DECISION = "rg_decision", _("Reasonable-grounds decision due")
    REFLECTION_END = "reflection_end", _("Recovery and reflection period ends")
    CG_DECISION = "cg_decision", _("Formal identification decision due")
    CHILD_REPRESENTATIVE = "child_representative", _("Appoint the child's guardian / representative")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit expires")
    RISK_REVIEW = "risk_review", _("Review the risk assessment")
    # The urgent workflow of a missing episode (children.missing); due within hours (due_at).
    MISSING_POLICE = "missing_police", _("Report the missing person to the police")
    MISSING_GUARDIAN = "missing_guardian", _("Inform the child's guardian / representative")
    MISSING_REVIEW = "missing_review", _("Review the search: hotline, alerts along the route")
    SUPPORT_REVIEW = "support_review", _("Review the support plan")


class DeadlineQuerySet(models.QuerySet["Deadline"]):
    def open(self) -> DeadlineQuerySet:
        return self.filter(done_at__isnull=True)


class Deadline(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(_("kind"), max_length=30, choices=DeadlineKind.choices)
    starts_on = models.DateField(_("from"))
    due_on = models.DateField(_("due"))
    assigned_org = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set when the deadline counts in hours (a missing person): the moment it falls due.
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["done_at", "due_on"], name="deadline_open_idx"),
            models.Index(fields=["assigned_org", "done_at", "due_on"], name="deadline_org_idx"),
            # Open deadlines in the order the dashboard shows them, without sorting them all.
            models.Index(
                fields=["due_on", "id"], condition=models.Q(done_at__isnull=True), name="deadline_due_open_idx"
            ),
            # Open deadlines counted in hours (a missing person), listed first on the dashboard.
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(done_at__isnull=True, due_at__isnull=False),
                name="deadline_hourly_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.due_on}"

    def is_overdue(self, today: dt.date) -> bool:
        return self.done_at is None and self.due_on < today

    @property
    def is_urgent(self) -> bool:
        """Counted in hours: shown with its time, first on the dashboard."""
        return self.due_at is not None

    def is_due_soon(self, today: dt.date, days: int) -> bool:
        return self.done_at is None and today <= self.due_on <= today + dt.timedelta(days=days)


# ------------------------------------------------------------------------------------------
# Consent


class ConsentPurpose(models.TextChoices):
    IDENTIFICATION = "identification", _("Referral for identification")
    ASSISTANCE = "assistance", _("Assistance and support services")
    RETURN = "return_risk_assessment", _("Return and risk assessment")
    FAMILY_TRACING = "family_tracing", _("Family tracing")
    CRIMINAL = "criminal_proceedings", _("Criminal proceedings")
    TRANSNATIONAL = "transnational_referral", _("Transnational referral")
    RESEARCH = "research", _("Anonymised statistics and research")


class ConsentGiver(models.TextChoices):
    PERSON = "person", _("The person")
    GUARDIAN = "guardian", _("Guardian / representative")
    PARENT = "parent", _("Parent")


# What a consent to a transnational referral may let the receiving country do (trm/1's consent purposes).
ABROAD_PURPOSES = (
    ConsentPurpose.ASSISTANCE,
    ConsentPurpose.IDENTIFICATION,
    ConsentPurpose.RETURN,
    ConsentPurpose.FAMILY_TRACING,
)
# The kinds of organisation a consent abroad may name: each has its own trm/1 organisation kind
# (a business or a school has none, so that a kind received means exactly one kind here).
RECIPIENT_KINDS = tuple(
    t for t in OrganisationType.values if t not in (OrganisationType.CORPORATE, OrganisationType.SCHOOL)
)


def validate_recipient_kinds(value: object) -> None:
    if not isinstance(value, list) or any(v not in RECIPIENT_KINDS for v in value):
        raise ValidationError(_("Unknown kind of organisation."), code="invalid")


def validate_abroad_purposes(value: object) -> None:
    if not isinstance(value, list) or any(v not in ABROAD_PURPOSES for v in value):
        raise ValidationError(_("Unknown purpose."), code="invalid")


class Consent(models.Model):
    """Informed consent for one purpose: scope, recipients, language, and its withdrawal.

    A consent to a transnational referral may state what the receiving country may do under it
    (``purposes``), with whom (``recipient_countries``, ``recipient_kinds``) and until when
    (``expires_on``). A **carried** consent is one given in another country and received with
    a referral (``origin_country`` set): nobody here recorded it, so ``recorded_by`` is empty,
    and it covers only what its scope says (``consent.scope_gap``).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=30, choices=ConsentPurpose.choices)
    scope = models.JSONField(_("information covered"), default=list, blank=True)
    recipients = models.ManyToManyField(
        "accounts.Organisation",
        blank=True,
        related_name="+",
        verbose_name=_("recipients (none: any member of the NRM)"),
    )
    language = models.CharField(
        _("language of the information"), max_length=8, blank=True, validators=[validate_language]
    )
    interpreter = models.BooleanField(_("with an interpreter"), default=False)
    given_by = models.CharField(_("given by"), max_length=20, choices=ConsentGiver.choices, default=ConsentGiver.PERSON)
    given_at = models.DateTimeField(_("given at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The scope abroad of a transnational consent (given here, or carried from another country).
    purposes = models.JSONField(
        _("purposes in the receiving country"), default=list, blank=True, validators=[validate_abroad_purposes]
    )
    recipient_countries = models.JSONField(
        _("receiving countries"), default=list, blank=True, validators=[validate_countries]
    )
    recipient_kinds = models.JSONField(
        _("kinds of organisation (none: any kind)"), default=list, blank=True, validators=[validate_recipient_kinds]
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    # A carried consent: where it was given, by which node it came, and that node's reference.
    origin_country = models.CharField(
        _("given in"), max_length=2, blank=True, choices=country_choices, validators=[validate_country]
    )
    origin_node = models.CharField(_("received from node"), max_length=64, blank=True)
    origin_ref = models.CharField(_("consent reference at the other node"), max_length=64, blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        constraints = [
            # Recorded by someone here, or carried from another country: never both, never neither.
            models.CheckConstraint(
                condition=(models.Q(origin_country="") & models.Q(recorded_by__isnull=False))
                | (~models.Q(origin_country="") & models.Q(recorded_by__isnull=True)),
                name="consent_recorded_here_or_carried",
            ),
        ]

    def __str__(self) -> str:
        return self.purpose

    @property
    def is_carried(self) -> bool:
        return bool(self.origin_country)

    @property
    def has_scope_abroad(self) -> bool:
        return bool(self.purposes)

    @property
    def language_name(self) -> str:
        return language_names().get(self.language, self.language)

    def purpose_labels(self) -> list[str]:
        labels = dict(ConsentPurpose.choices)
        return [str(labels.get(p, p)) for p in self.purposes]

    def recipient_country_names(self) -> list[str]:
        return [country_name(c) for c in self.recipient_countries]

    def recipient_kind_labels(self) -> list[str]:
        labels = dict(OrganisationType.choices)
        return [str(labels.get(k, k)) for k in self.recipient_kinds]

    def expired_on(self, day: dt.date) -> bool:
        """In force before ``expires_on``, not on it (trm/1: "before expires_on")."""
        return self.expires_on is not None and day >= self.expires_on

    def active_at(self, at: dt.datetime) -> bool:
        if self.expired_on(timezone.localdate(at)):
            return False
        return self.given_at <= at and (self.withdrawn_at is None or self.withdrawn_at > at)


# ------------------------------------------------------------------------------------------
# Child pathway


class AgeDecision(models.TextChoices):
    MINOR = "minor", _("Minor")
    ADULT = "adult", _("Adult")
    INCONCLUSIVE = "inconclusive", _("Inconclusive (treated as a minor)")


class AgeAssessment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="age_assessments")
    trigger = models.CharField(_("reason for doubt"), max_length=200)
    methods = models.JSONField(_("methods"), default=list)
    min_age = models.PositiveSmallIntegerField(_("lowest age in the range"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("highest age in the range"), null=True, blank=True)
    benefit_of_doubt = models.BooleanField(_("benefit of the doubt applied"), default=True)
    decision = models.CharField(_("decision"), max_length=20, choices=AgeDecision.choices)
    assessed_on = models.DateField(_("assessed on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-assessed_on", "-id"]

    def __str__(self) -> str:
        return self.decision


class GuardianKind(models.TextChoices):
    PROVISIONAL = "provisional", _("Provisional representative")
    GUARDIAN = "guardian", _("Guardian / representative")


class Guardian(models.Model):
    """A guardian or representative as a person: name, organisation, contact.

    A guardian need not hold an account on this node; one who does is linked to it (``user``),
    and sees the cases of the children they are appointed to (``cases.access``). A guardian
    appointed in another country and handed over with the child (trm/1 ``guardian_handover``)
    is recorded here with the country it came from.
    """

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    name = EncryptedCharField(_("name"), max_length=200)
    organisation = EncryptedCharField(_("organisation"), max_length=200, blank=True)
    contact = EncryptedCharField(_("contact"), max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="guardian_record",
        verbose_name=_("account on this node"),
    )
    origin_country = models.CharField(
        _("appointed in"), max_length=2, blank=True, choices=country_choices, validators=[validate_country]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference

    @property
    def audit_ref(self) -> str:
        return self.reference


class GuardianAppointment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="guardians")
    # The guardian's account, when they hold one (what ``cases.access`` lets see the case);
    # the person is ``person``.
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="guardianships", null=True, blank=True
    )
    person = models.ForeignKey(
        Guardian,
        on_delete=models.PROTECT,
        related_name="appointments",
        null=True,
        blank=True,
        verbose_name=_("guardian"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=GuardianKind.choices, default=GuardianKind.GUARDIAN)
    decision_ref = models.CharField(_("appointment decision reference"), max_length=64, blank=True)
    appointed_on = models.DateField(_("appointed on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    # Empty for an appointment carried from another country (``origin_country``).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    origin_country = models.CharField(
        _("appointed in"), max_length=2, blank=True, choices=country_choices, validators=[validate_country]
    )
    origin_node = models.CharField(_("received from node"), max_length=64, blank=True)

    class Meta:
        ordering = ["-appointed_on", "-id"]
        indexes = [models.Index(fields=["guardian", "ended_on"], name="guardian_active_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(guardian__isnull=False) | models.Q(person__isnull=False),
                name="guardianappointment_has_guardian",
            ),
            models.CheckConstraint(
                condition=(models.Q(origin_country="") & models.Q(recorded_by__isnull=False))
                | (~models.Q(origin_country="") & models.Q(recorded_by__isnull=True)),
                name="guardianappointment_recorded_here_or_carried",
            ),
        ]

    def __str__(self) -> str:
        return self.kind

    @property
    def guardian_name(self) -> str:
        if self.person is not None:
            return str(self.person.name)
        if self.guardian is not None:
            return str(self.guardian.get_full_name() or self.guardian.get_username())
        return ""


class BestInterestsKind(models.TextChoices):
    BIA = "assessment", _("Best interests assessment")
    BID = "determination", _("Best interests determination (panel)")


class DurableSolution(models.TextChoices):
    NONE = "", _("Not applicable")
    INTEGRATION = "integration", _("Integration in this country")
    RETURN = "return", _("Return and family reunification in the country of origin")
    THIRD_COUNTRY = "third_country", _("Transfer to a third country")


class BestInterests(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="best_interests")
    kind = models.CharField(_("kind"), max_length=20, choices=BestInterestsKind.choices)
    decided_on = models.DateField(_("date"))
    durable_solution = models.CharField(
        _("durable solution"), max_length=20, choices=DurableSolution.choices, blank=True
    )
    child_views_heard = models.BooleanField(_("the child's views were heard"), default=False)
    summary = EncryptedTextField(_("summary"), blank=True)
    # Empty for a record carried from another country (``origin_country``).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    origin_country = models.CharField(
        _("decided in"), max_length=2, blank=True, choices=country_choices, validators=[validate_country]
    )
    origin_node = models.CharField(_("received from node"), max_length=64, blank=True)
    origin_ref = models.CharField(_("reference at the other node"), max_length=64, blank=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(origin_country="") & models.Q(recorded_by__isnull=False))
                | (~models.Q(origin_country="") & models.Q(recorded_by__isnull=True)),
                name="bestinterests_recorded_here_or_carried",
            ),
        ]

    def __str__(self) -> str:
        return self.kind


class TracingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    IN_PROGRESS = "in_progress", _("In progress")
    FOUND = "found", _("Family found")
    NOT_FOUND = "not_found", _("Not found")
    STOPPED = "stopped", _("Stopped (not in the child's best interests)")


class FamilyTracing(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tracings")
    status = models.CharField(_("status"), max_length=20, choices=TracingStatus.choices)
    country = models.CharField(_("country"), max_length=2, choices=country_choices, validators=[validate_country])
    started_on = models.DateField(_("started on"))
    result = EncryptedTextField(_("result"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_on", "-id"]

    def __str__(self) -> str:
        return self.status


# ------------------------------------------------------------------------------------------
# Risk, support, residence, notes


class RiskKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual safety plan")
    RETURN_SECURITY = "return_security", _("Risk and security assessment before return")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class RiskType(models.TextChoices):
    RETRAFFICKING = "re_trafficking", _("Re-trafficking")
    RETALIATION = "retaliation", _("Retaliation against the person")
    FAMILY = "family", _("Retaliation against family")
    STAFF = "staff", _("Risk to staff")
    HEALTH = "health", _("Health")


class RiskAssessment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_assessments")
    kind = models.CharField(_("kind"), max_length=20, choices=RiskKind.choices, default=RiskKind.INDIVIDUAL)
    level = models.CharField(_("level"), max_length=10, choices=RiskLevel.choices)
    risks = models.JSONField(_("risks"), default=list, blank=True)
    country = models.CharField(_("country assessed"), max_length=2, blank=True)
    assessed_on = models.DateField(_("assessed on"))
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    measures = EncryptedTextField(_("safety measures"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-assessed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.level}"


class SupportPlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    STOPPED = "stopped", _("Stopped")


class SupportPlan(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="support_plans")
    type = models.CharField(_("type"), max_length=40, choices=SupportPlanType.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=SupportPlanStatus.choices, default=SupportPlanStatus.PLANNED
    )
    provider = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provider"),
    )
    starts_on = models.DateField(_("starts on"))
    review_on = models.DateField(_("review on"), null=True, blank=True)
    goals = EncryptedTextField(_("goals"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = EncryptedTextField(_("outcome"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, null=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["provider", "status"], name="support_plan_provider_idx")]

    def __str__(self) -> str:
        return self.type

    @property
    def audit_ref(self) -> str:
        return f"support-plan-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in (SupportPlanStatus.PLANNED, SupportPlanStatus.ACTIVE)


class SupportProgress(models.Model):
    """One entry of a support plan's progress: what was done, which services, and how it goes."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="progress")
    recorded_on = models.DateField(_("date"))
    services = models.JSONField(_("services delivered"), default=list, blank=True)
    note = EncryptedTextField(_("progress"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_org = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_on", "-id"]

    def __str__(self) -> str:
        return f"progress {self.pk}"


class PermitKind(models.TextChoices):
    REFLECTION = "reflection", _("Reflection-period permit")
    PERSONAL = "personal_situation", _("Residence permit: personal situation (CETS 14(1)(a))")
    COOPERATION = "cooperation", _("Residence permit: cooperation (CETS 14(1)(b), Dir. 2004/81)")


class ResidencePermit(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="permits")
    kind = models.CharField(_("kind"), max_length=20, choices=PermitKind.choices)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    number = EncryptedCharField(_("permit number"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.kind

    def clean(self) -> None:
        if self.issued_on and self.valid_until and self.valid_until <= self.issued_on:
            raise ValidationError({"valid_until": _("A permit must be valid after the day it is issued.")})


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    text = EncryptedTextField(_("note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"note {self.pk}"


# ------------------------------------------------------------------------------------------
# Children on the move: who they travel with, where they live, when they go missing


class AccompanyingAdult(models.Model):
    """An adult met with a child: who they are, the relationship claimed, and how it was checked.

    An adult whose relationship is not verified is flagged wherever the case is shown.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="accompanying_adults")
    name = EncryptedCharField(_("name"), max_length=200)
    relationship = models.CharField(_("relationship claimed"), max_length=30, choices=Relationship.choices)
    checks = models.JSONField(_("checked how"), default=list, blank=True)
    verified = models.BooleanField(_("relationship verified"), default=False)
    checked_on = models.DateField(_("checked on"), null=True, blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.relationship

    @property
    def flagged(self) -> bool:
        return not self.verified

    def check_labels(self) -> list[str]:
        labels = dict(RelationshipCheck.choices)
        return [str(labels.get(c, c)) for c in self.checks]


class CarePlacementQuerySet(models.QuerySet["CarePlacement"]):
    def current(self) -> CarePlacementQuerySet:
        return self.filter(ends_on__isnull=True)


class CarePlacement(models.Model):
    """One period of a child's care placement; at most one is current (no end date)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="placements")
    type = models.CharField(_("type of placement"), max_length=30, choices=PlacementType.choices)
    place = EncryptedCharField(_("place"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CarePlacementQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(ends_on__isnull=True), name="one_current_placement"
            ),
        ]

    def __str__(self) -> str:
        return self.type

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("A placement cannot end before it starts.")})


class MissingEpisodeQuerySet(models.QuerySet["MissingEpisode"]):
    def open(self) -> MissingEpisodeQuerySet:
        return self.filter(found_at__isnull=True)


class MissingEpisode(models.Model):
    """A person going missing: last seen when and where, the police report, and being found.

    Its states and steps are the table in missing.py; recording one starts the urgent workflow.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="missing_episodes")
    last_seen_at = models.DateTimeField(_("last seen at"))
    last_seen_place = EncryptedCharField(_("last seen where"), max_length=200)
    circumstances = EncryptedTextField(_("circumstances"), blank=True)
    police_report_ref = models.CharField(_("police report reference"), max_length=60, blank=True)
    police_notified_at = models.DateTimeField(_("reported to the police at"), null=True, blank=True)
    found_at = models.DateTimeField(_("found at"), null=True, blank=True)
    found_place = EncryptedCharField(_("found where"), max_length=200, blank=True)
    found_condition = models.CharField(_("condition"), max_length=20, choices=FoundCondition.choices, blank=True)
    found_note = EncryptedTextField(_("note on finding"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    found_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = MissingEpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(found_at__isnull=True), name="one_open_missing_episode"
            ),
            models.CheckConstraint(
                condition=models.Q(found_at__isnull=True) | models.Q(found_at__gte=models.F("last_seen_at")),
                name="missing_found_after_last_seen",
            ),
        ]

    def __str__(self) -> str:
        return f"missing {self.pk}"

    @property
    def audit_ref(self) -> str:
        return f"{self.case.reference}/missing-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.found_at is None


# ------------------------------------------------------------------------------------------
# Migrants and asylum


class MigrationStatusChange(models.Model):
    """One change of the person's migration status (Case.migration_status holds the current one)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="migration_changes")
    status = models.CharField(_("migration status"), max_length=20, choices=MigrationStatus.choices)
    previous = models.CharField(_("previous status"), max_length=20, choices=MigrationStatus.choices)
    since = models.DateField(_("since"))
    reason = EncryptedTextField(_("reason"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-since", "-id"]

    def __str__(self) -> str:
        return self.status


class RouteEncounter(models.Model):
    """Where on the migration route the person was met: country, place, kind of place, day."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="route_encounters")
    country = models.CharField(_("country"), max_length=2, choices=country_choices, validators=[validate_country])
    place = EncryptedCharField(_("place"), max_length=200, blank=True)
    place_type = models.CharField(_("type of place"), max_length=30, choices=RoutePlaceType.choices)
    met_on = models.DateField(_("met on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-met_on", "-id"]

    def __str__(self) -> str:
        return f"{self.place_type} {self.country}"

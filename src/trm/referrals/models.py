"""The directory of service providers, referrals of cases to them, services delivered, notifications.

A referral never copies case data: what the provider reads is a projection built from the
referral's field set when it is read (fieldsets.py). The only personal text stored here is
what the referring worker writes for the provider (needs, health notes) and what the
provider reports back; both are encrypted. The lifecycle of a referral is the transition
table in routing.py; nothing here changes a status.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from trm.cases.models import new_reference, validate_languages
from trm.lib.encrypted import EncryptedTextField


class Service(models.TextChoices):
    SHELTER = "shelter", _("Shelter / safe accommodation")
    MEDICAL = "medical", _("Medical care")
    PSYCHOLOGICAL = "psychological", _("Psychological support")
    LEGAL = "legal", _("Legal counselling and aid")
    INTERPRETATION = "interpretation", _("Interpretation")
    EDUCATION = "education", _("Education and vocational training")
    EMPLOYMENT = "employment", _("Employment support")
    FINANCIAL = "financial", _("Financial support")
    # The asylum authority, listed in the directory like a provider: a national referral to
    # the procedure for international protection (the person's wish to apply, passed on).
    ASYLUM = "asylum", _("Asylum procedure (referral to the asylum authority)")


def validate_services(value: object) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one service."), code="invalid")
    for item in value:
        if item not in Service.values:
            raise ValidationError(_("Unknown service."), code="invalid")


def validate_regions(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(r, str) and 0 < len(r) <= 120 for r in value):
        raise ValidationError(_("Expected a list of region names."), code="invalid")


# ------------------------------------------------------------------------------------------
# Directory


class ProviderQuerySet(models.QuerySet["Provider"]):
    def active(self) -> ProviderQuerySet:
        return self.filter(is_active=True, organisation__is_active=True)


class Provider(models.Model):
    """An organisation's entry in the directory: what it offers, to whom, where, and its free places."""

    organisation = models.OneToOneField(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="provider_profile",
        verbose_name=_("organisation"),
    )
    services = models.JSONField(_("services offered"), default=list, validators=[validate_services])
    regions = models.JSONField(_("regions served"), default=list, blank=True, validators=[validate_regions])
    languages = models.JSONField(_("languages"), default=list, blank=True, validators=[validate_languages])
    accepts_children = models.BooleanField(_("accepts children"), default=False)
    accepts_women = models.BooleanField(_("accepts women"), default=True)
    accepts_men = models.BooleanField(_("accepts men"), default=True)
    accepts_families = models.BooleanField(_("accepts families"), default=False)
    capacity = models.PositiveIntegerField(
        _("places in total"), null=True, blank=True, help_text=_("Leave empty if the service does not count places.")
    )
    free_places = models.PositiveIntegerField(_("free places"), null=True, blank=True)
    capacity_updated_at = models.DateTimeField(_("capacity updated at"), null=True, blank=True)
    contact_name = models.CharField(_("contact point"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=16, blank=True)
    mou_reference = models.CharField(_("cooperation agreement (MoU) reference"), max_length=80, blank=True)
    mou_valid_from = models.DateField(_("agreement valid from"), null=True, blank=True)
    mou_valid_until = models.DateField(_("agreement valid until"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    is_active = models.BooleanField(_("listed"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

    def __str__(self) -> str:
        return str(self.organisation)

    @property
    def audit_ref(self) -> str:
        return f"provider-{self.pk}"

    def clean(self) -> None:
        if self.capacity is not None and self.free_places is not None and self.free_places > self.capacity:
            raise ValidationError({"free_places": _("Free places cannot exceed the places in total.")})
        if self.capacity is None and self.free_places is not None:
            raise ValidationError({"capacity": _("Give the places in total when counting free places.")})
        if self.mou_valid_from and self.mou_valid_until and self.mou_valid_until < self.mou_valid_from:
            raise ValidationError({"mou_valid_until": _("The agreement cannot end before it starts.")})

    def offers(self, service: str) -> bool:
        return service in self.services

    @property
    def counts_places(self) -> bool:
        return self.free_places is not None

    @property
    def is_full(self) -> bool:
        return self.free_places is not None and self.free_places <= 0

    def mou_valid_on(self, day: dt.date) -> bool:
        """False only when an agreement end date is recorded and has passed."""
        return self.mou_valid_until is None or self.mou_valid_until >= day


# ------------------------------------------------------------------------------------------
# Referrals


class Status(models.TextChoices):
    OFFERED = "offered", _("Offered: awaiting the provider's answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ACTIVE_STATUSES = (Status.OFFERED, Status.ACCEPTED, Status.IN_PROGRESS)


class Basis(models.TextChoices):
    CONSENT = "consent", _("Informed consent for this purpose and recipient")
    BEST_INTERESTS = "best_interests", _("Best interests record (child)")


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", _("No free place")
    NOT_OFFERED = "service_not_suitable", _("The service does not fit the person's needs")
    PROFILE = "profile", _("The person is outside the groups we accept")
    SAFETY = "safety", _("Safety or security reasons")
    OTHER = "other", _("Other")


class EndReason(models.TextChoices):
    COMPLETED = "completed", _("Services completed")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("The person withdrew consent")
    CONSENT_EXPIRED = "consent_expired", _("The consent expired")
    PERSON_DECLINED = "person_declined", _("The person no longer wants the service")
    NOT_NEEDED = "not_needed", _("No longer needed")
    OTHER_PROVIDER = "other_provider", _("Referred to another provider")
    CASE_CLOSED = "case_closed", _("The case was closed")
    OTHER = "other", _("Other")


class ReferralQuerySet(models.QuerySet["Referral"]):
    def active(self) -> ReferralQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def awaiting_answer(self) -> ReferralQuerySet:
        return self.filter(status=Status.OFFERED)

    def overdue(self, today: dt.date) -> ReferralQuerySet:
        return self.filter(
            models.Q(status=Status.OFFERED, answer_due__lt=today)
            | models.Q(status=Status.ACCEPTED, start_due__lt=today)
        )


class Referral(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="service_referrals", verbose_name=_("case")
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="referrals")
    to_org = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="incoming_referrals", editable=False
    )
    service = models.CharField(_("service"), max_length=20, choices=Service.choices)
    field_set = models.CharField(_("information shared"), max_length=30)
    basis = models.CharField(_("legal basis"), max_length=20, choices=Basis.choices)
    consent = models.ForeignKey("cases.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    best_interests = models.ForeignKey(
        "cases.BestInterests", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    needs = EncryptedTextField(_("needs and special needs"), blank=True)
    health_notes = EncryptedTextField(_("health information"), blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OFFERED)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_org = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+", null=True)
    referred_at = models.DateTimeField(_("referred at"))
    answer_due = models.DateField(_("answer due"))
    start_due = models.DateField(_("start due"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = models.CharField(_("reason"), max_length=30, choices=DeclineReason.choices, blank=True)
    decline_note = EncryptedTextField(_("explanation"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(_("reason for ending"), max_length=30, choices=EndReason.choices, blank=True)
    report = EncryptedTextField(_("report to the referring organisation"), blank=True)
    holds_place = models.BooleanField(default=False, editable=False)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-referred_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["to_org", "status"], name="referral_to_org_idx"),
            models.Index(fields=["case", "status"], name="referral_case_idx"),
            models.Index(fields=["status", "answer_due"], name="referral_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(basis="consent", consent__isnull=False))
                | (models.Q(basis="best_interests", best_interests__isnull=False)),
                name="referral_has_its_basis",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def audit_ref(self) -> str:
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def is_overdue(self, today: dt.date) -> bool:
        if self.status == Status.OFFERED:
            return self.answer_due < today
        return self.status == Status.ACCEPTED and self.start_due is not None and self.start_due < today

    def basis_holds(self, at: dt.datetime) -> bool:
        """The consent the referral relies on is still in force (a best interests record stays)."""
        if self.basis == Basis.BEST_INTERESTS:
            return self.best_interests_id is not None
        return self.consent is not None and self.consent.active_at(at)


def new_referral_reference() -> str:
    return new_reference("R")


class ServiceDelivery(models.Model):
    """One service the provider delivered under a referral: what the referrer reads as feedback."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="deliveries")
    service = models.CharField(_("service"), max_length=20, choices=Service.choices)
    delivered_on = models.DateField(_("delivered on"))
    description = EncryptedTextField(_("what was done"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-delivered_on", "-id"]
        verbose_name = _("service delivered")
        verbose_name_plural = _("services delivered")

    def __str__(self) -> str:
        return f"{self.service} {self.delivered_on}"


# ------------------------------------------------------------------------------------------
# Notifications


class NotificationKind(models.TextChoices):
    OFFERED = "offered", _("New referral")
    ACCEPTED = "accepted", _("Referral accepted")
    DECLINED = "declined", _("Referral declined")
    STARTED = "started", _("Referral started")
    SERVICE = "service", _("Services recorded")
    COMPLETED = "completed", _("Referral completed")
    WITHDRAWN = "withdrawn", _("Referral withdrawn")
    OVERDUE = "overdue", _("Referral not answered in time")


class Notification(models.Model):
    """A message inside the application. It names the referral by reference, never the person."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.referral_id}"

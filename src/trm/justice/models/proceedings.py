"""Criminal proceedings in which a person of a case takes part, their hearings and the outcomes told to her.

A proceeding is kept on the criminal track (justice/access.py): its content (references,
evidence, protection measures, representation, the non-punishment application, outcomes)
is read only by law enforcement and prosecution; whoever sees the case sees that it exists,
its stage and its next hearing. Stages change only through ``justice/stages.py``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from trm.lib.encrypted import EncryptedCharField, EncryptedTextField


class Stage(models.TextChoices):
    INVESTIGATION = "investigation", _("Investigation")
    PROSECUTION = "prosecution", _("Prosecution")
    TRIAL = "trial", _("Trial")
    JUDGMENT = "judgment", _("Judgment")
    APPEAL = "appeal", _("Appeal")
    CLOSED = "closed", _("Closed")


class PersonRole(models.TextChoices):
    INJURED_PARTY = "injured_party", _("Injured party")
    WITNESS = "witness", _("Witness")
    CIVIL_PARTY = "civil_party", _("Civil party")


class Outcome(models.TextChoices):
    CONVICTED = "convicted", _("Conviction")
    ACQUITTED = "acquitted", _("Acquittal")
    DISCONTINUED = "discontinued", _("Discontinued")


class ProtectionMeasure(models.TextChoices):
    """Measures of Directive 2012/29/EU, Articles 23 and 24, decided after the individual assessment (Art. 22)."""

    VIDEO = "video", _("Testimony by video link")
    IN_CAMERA = "in_camera", _("Hearing in camera")
    PROTECTED_IDENTITY = "protected_identity", _("Protected identity")
    NO_VISUAL_CONTACT = "no_visual_contact", _("No visual contact with the offender")
    SAME_INTERVIEWER = "same_interviewer", _("Interviews by the same person")
    RECORDED_INTERVIEW = "recorded_interview", _("Recorded interview used in court")
    ACCOMPANIED = "accompanied", _("Accompanied by a person of her choice")


class LegalAid(models.TextChoices):
    NONE = "", _("Not requested")
    REQUESTED = "requested", _("Requested")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class NonPunishment(models.TextChoices):
    """An application not to prosecute or punish offences committed under compulsion (Directive 2011/36/EU, Art. 8)."""

    NONE = "", _("No application")
    APPLIED = "applied", _("Applied for")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


def validate_measures(value: object) -> None:
    if not isinstance(value, list) or any(v not in ProtectionMeasure.values for v in value):
        raise ValidationError(_("Unknown protection measure."), code="invalid")


class ProceedingQuerySet(models.QuerySet["Proceeding"]):
    def open(self) -> ProceedingQuerySet:
        return self.exclude(stage=Stage.CLOSED)


class Proceeding(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="proceedings")
    # The law-enforcement or prosecution office that holds it: its members read the content.
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.INVESTIGATION)
    person_role = models.CharField(_("the person's part"), max_length=20, choices=PersonRole.choices)
    opened_on = models.DateField(_("opened on"))
    court = EncryptedCharField(_("court"), max_length=200, blank=True)
    file_reference = EncryptedCharField(_("police or prosecution file"), max_length=80, blank=True)
    court_reference = EncryptedCharField(_("court file"), max_length=80, blank=True)
    evidence = EncryptedTextField(_("the person's evidence"), blank=True)
    # Directive 2012/29/EU: the individual assessment and the measures it led to.
    assessed_on = models.DateField(_("individual assessment on"), null=True, blank=True)
    protection_needs = EncryptedTextField(_("protection needs"), blank=True)
    measures = models.JSONField(_("protection measures"), default=list, blank=True, validators=[validate_measures])
    representative = EncryptedCharField(_("legal representative"), max_length=200, blank=True)
    legal_aid = models.CharField(_("legal aid"), max_length=20, choices=LegalAid.choices, blank=True)
    non_punishment = models.CharField(
        _("non-punishment application"), max_length=20, choices=NonPunishment.choices, blank=True
    )
    non_punishment_offence = EncryptedTextField(_("offence committed under compulsion"), blank=True)
    testimony_expected = models.BooleanField(_("expected to testify"), default=False)
    charged_on = models.DateField(_("charged on"), null=True, blank=True)
    judgment_on = models.DateField(_("judgment on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    # The step (``stages.EVENTS``) that brought the proceeding to its stage, and the day it was taken:
    # the date told with the outcome (trm/1 §5.26), which a later edit of the content never moves.
    last_step = models.CharField(_("last step"), max_length=20, blank=True)
    stage_changed_on = models.DateField(_("stage since"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProceedingQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "-id"]
        verbose_name = _("criminal proceeding")
        verbose_name_plural = _("criminal proceedings")
        indexes = [models.Index(fields=["organisation", "stage"], name="proceeding_org_stage_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(judgment_on__isnull=True)
                | models.Q(charged_on__isnull=True)
                | models.Q(judgment_on__gte=models.F("charged_on")),
                name="proceeding_judgment_after_charge",
                violation_error_message=_("The judgment cannot be dated before the charge."),
            ),
            models.CheckConstraint(
                condition=models.Q(stage_changed_on__isnull=True)
                | models.Q(stage_changed_on__gte=models.F("opened_on")),
                name="proceeding_step_after_opening",
                violation_error_message=_("A step cannot be dated before the proceedings opened."),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def audit_ref(self) -> str:
        return self.reference

    def clean(self) -> None:
        if self.charged_on and self.judgment_on and self.judgment_on < self.charged_on:
            message = _("The judgment cannot be dated before the charge.")
            raise ValidationError({"judgment_on": ValidationError(message, code="date_order")})
        if self.charged_on and self.charged_on < self.opened_on:
            message = _("The charge cannot be dated before the proceedings opened.")
            raise ValidationError({"charged_on": ValidationError(message, code="date_order")})
        if self.stage_changed_on and self.stage_changed_on < self.opened_on:
            message = _("A step cannot be dated before the proceedings opened.")
            raise ValidationError({"stage_changed_on": ValidationError(message, code="date_order")})

    @property
    def is_open(self) -> bool:
        return self.stage != Stage.CLOSED

    def next_hearing(self, today: dt.date) -> Hearing | None:
        return self.hearings.filter(held_on__gte=today, cancelled=False).order_by("held_on", "id").first()


class HearingKind(models.TextChoices):
    HEARING = "hearing", _("Hearing")
    TESTIMONY = "testimony", _("The person testifies")
    JUDGMENT = "judgment", _("Delivery of judgment")
    APPEAL = "appeal", _("Appeal hearing")


class Hearing(models.Model):
    """A date in court: a deadline on the dashboard and on the case page."""

    proceeding = models.ForeignKey(Proceeding, on_delete=models.CASCADE, related_name="hearings")
    held_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=HearingKind.choices, default=HearingKind.HEARING)
    place = EncryptedCharField(_("place"), max_length=200, blank=True)
    cancelled = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_on", "id"]
        indexes = [models.Index(fields=["held_on", "cancelled"], name="hearing_date_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.held_on}"


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("Told in person or by her representative")
    TRM = "trm", _("Through the node of her country (trm/1)")


class OutcomeNotice(models.Model):
    """The person was told what became of the proceedings (Directive 2012/29/EU, Art. 6)."""

    proceeding = models.ForeignKey(Proceeding, on_delete=models.CASCADE, related_name="notices")
    outcome = models.CharField(_("outcome told"), max_length=40)
    channel = models.CharField(_("how"), max_length=20, choices=Channel.choices)
    country = models.CharField(_("country"), max_length=2, blank=True)
    told_on = models.DateField(_("on"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-told_on", "-id"]

    def __str__(self) -> str:
        return f"{self.outcome} {self.told_on}"


class SupportDisclosure(models.Model):
    """An exception to the firewall: the criminal track may read this case's support data.

    It rests on the person's consent for the ``criminal_proceedings`` purpose and ends with it
    (withdrawal or expiry) or when ended here.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    consent = models.ForeignKey("cases.Consent", on_delete=models.PROTECT, related_name="+")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]

    def __str__(self) -> str:
        return f"disclosure {self.pk}"

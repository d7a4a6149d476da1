"""Joint investigation teams: the team, its parties and members, the cases it concerns, the items shared.

All of it is on the criminal track (``justice.teams`` says who sees a team). An item keeps
what the party it came from said of it: its origin country, grading (source reliability and
information accuracy, the 4x4 system), handling codes (H0-H3) and permitted uses. The node
enforces them in ``justice.teams``: nothing here decides.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trm.cases.models import Case
from trm.lib.encrypted import EncryptedCharField
from trm.vocab.countries import country_choices, validate_country

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_operation_ref() -> str:
    """A pseudonymous reference that names no person, place or case: JIT-XXXX-XXXX."""
    first, second = ("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(2))
    return f"JIT-{first}-{second}"


class HandlingCode(models.TextChoices):
    H0 = "H0", _("H0: use only for the stated purpose under the applicable law")
    H1 = "H1", _("H1: not to be used in judicial proceedings without the permission of the providing party")
    H2 = "H2", _("H2: not to be passed on without the permission of the providing party")
    H3 = "H3", _("H3: other restrictions (stated with the item)")


class SourceReliability(models.TextChoices):
    A = "A", _("A: no doubt of the source's authenticity, trustworthiness and competence")
    B = "B", _("B: the source has been reliable in most instances")
    C = "C", _("C: the source has not been reliable in most instances")
    X = "X", _("X: the reliability of the source cannot be assessed")


class InformationAccuracy(models.TextChoices):
    KNOWN = "1", _("1: known to be true without reservation")
    SOURCE = "2", _("2: known personally to the source but not to the official passing it on")
    CORROBORATED = "3", _("3: not known personally to the source but corroborated")
    UNKNOWN = "4", _("4: cannot be judged")


class PermittedUse(models.TextChoices):
    ANALYSIS = "analysis", _("Analysis")
    OPERATIONAL = "operational", _("Investigative action")
    EVIDENCE = "evidence", _("Evidence in judicial proceedings")


class JointTeam(models.Model):
    operation_ref = models.CharField(_("operation reference"), max_length=13, unique=True, default=new_operation_ref)
    agreement_ref = EncryptedCharField(_("agreement reference"), max_length=200)
    purpose = EncryptedCharField(_("purpose"), max_length=4000)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "id"]

    def __str__(self) -> str:
        return self.operation_ref

    @property
    def audit_ref(self) -> str:
        return self.operation_ref

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The team's period ends before it starts.")})

    def is_active(self, today: object = None) -> bool:
        day = today or timezone.localdate()
        return self.starts_on <= day <= self.ends_on  # type: ignore[operator]


class TeamParty(models.Model):
    """A country party to the team, and the node its authorities use (where it has one)."""

    team = models.ForeignKey(JointTeam, on_delete=models.CASCADE, related_name="parties")
    country = models.CharField(_("country"), max_length=2, choices=country_choices, validators=[validate_country])
    node = models.CharField(_("node"), max_length=64, blank=True)
    authority = models.CharField(_("authority"), max_length=200)

    class Meta:
        ordering = ["country"]
        constraints = [models.UniqueConstraint(fields=["team", "country"], name="justice_team_party_once")]

    def __str__(self) -> str:
        return self.country


class TeamMember(models.Model):
    team = models.ForeignKey(JointTeam, on_delete=models.CASCADE, related_name="members")
    name = EncryptedCharField(_("name"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200)
    country = models.CharField(_("country"), max_length=2, choices=country_choices, validators=[validate_country])
    function = models.CharField(_("function in the team"), max_length=200, blank=True)
    # A member of this node's staff sees the team; members of other parties have no account here.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="joint_teams"
    )

    class Meta:
        ordering = ["country", "id"]

    def __str__(self) -> str:
        return f"{self.country} member"


class TeamCase(models.Model):
    """A case of this node that the team's investigation concerns (the case stays where it is)."""

    team = models.ForeignKey(JointTeam, on_delete=models.CASCADE, related_name="cases")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "case"], name="justice_team_case_once")]

    def __str__(self) -> str:
        return f"{self.team_id}:{self.case_id}"


class ItemDirection(models.TextChoices):
    OUT = "out", _("Shared by this node")
    IN = "in", _("Received")


class SharedItem(models.Model):
    team = models.ForeignKey(JointTeam, on_delete=models.CASCADE, related_name="items")
    item_ref = models.UUIDField(default=uuid.uuid4)
    direction = models.CharField(max_length=3, choices=ItemDirection.choices)
    # The party whose node sent it here (IN) or to which it was sent (OUT).
    peer = models.CharField(_("node"), max_length=64)
    origin_country = models.CharField(_("origin country"), max_length=2, choices=country_choices)
    forwarded_by = models.CharField(_("passed on by"), max_length=64, blank=True)
    handling_codes = models.JSONField(_("handling codes"), default=list)
    handling_text = models.CharField(_("handling conditions (H3)"), max_length=500, blank=True)
    source_reliability = models.CharField(_("source reliability"), max_length=1, choices=SourceReliability.choices)
    information_accuracy = models.CharField(
        _("information accuracy"), max_length=1, choices=InformationAccuracy.choices
    )
    permitted_uses = models.JSONField(_("permitted uses"), default=list)
    title = EncryptedCharField(_("title"), max_length=200)
    content = EncryptedCharField(_("content"), max_length=4000)
    message_id = models.UUIDField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    used_as_evidence_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["team", "item_ref"])]

    def __str__(self) -> str:
        return str(self.item_ref)

    @property
    def audit_ref(self) -> str:
        return f"{self.team.operation_ref}/{self.item_ref}"

    def handling_labels(self) -> list[str]:
        return [str(HandlingCode(code).label) for code in self.handling_codes if code in HandlingCode.values]

    def use_labels(self) -> list[str]:
        return [str(PermittedUse(use).label) for use in self.permitted_uses if use in PermittedUse.values]

"""Group cases: one employer, workplace, recruiter or begging network, and the cases of its victims here.

A group links cases of this node. Its ``shared_ref`` is pseudonymous (random, no meaning):
it can be sent to another node in the conversation about one victim's case (trm/1
``group_reference``), so that a country holding other victims of the same group sees it,
and links its own case; no other victim's data travels with it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trm.lib.encrypted import EncryptedCharField


class GroupKind(models.TextChoices):
    EMPLOYER = "employer", _("Employer")
    WORKPLACE = "workplace", _("Workplace")
    RECRUITER = "recruiter", _("Recruiter")
    BEGGING_NETWORK = "begging_network", _("Begging network")


class Sector(models.TextChoices):
    AGRICULTURE = "agriculture", _("Agriculture and fishing")
    CONSTRUCTION = "construction", _("Construction")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    HOSPITALITY = "hospitality", _("Hotels, restaurants and catering")
    DOMESTIC = "domestic_work", _("Domestic work and care")
    CLEANING = "cleaning", _("Cleaning")
    TRANSPORT = "transport", _("Transport and logistics")
    BEGGING = "begging", _("Begging")
    SEX_INDUSTRY = "sex_industry", _("Sex industry")
    OTHER = "other", _("Other")


class Group(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    shared_ref = models.CharField(_("shared group reference"), max_length=40, unique=True, editable=False)
    kind = models.CharField(_("kind of group"), max_length=20, choices=GroupKind.choices)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    name = EncryptedCharField(_("name"), max_length=200, blank=True)
    workplace = EncryptedCharField(_("workplace"), max_length=300, blank=True)
    country = models.CharField(_("country where it operates"), max_length=2, blank=True)
    wages_owed = models.DecimalField(_("wages owed"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    hours_owed = models.DecimalField(_("hours owed"), max_digits=9, decimal_places=2, null=True, blank=True)
    inspection_ref = models.CharField(_("labour-inspection reference"), max_length=100, blank=True)
    # "" for a group recorded here; the node that shared its reference otherwise.
    shared_by = models.CharField(_("shared by node"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("group case")
        constraints = [
            models.CheckConstraint(
                condition=Q(wages_owed__isnull=True) | Q(wages_owed__gte=0), name="group_wages_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(hours_owed__isnull=True) | Q(hours_owed__gte=0), name="group_hours_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def audit_ref(self) -> str:
        return self.reference


class GroupMember(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="justice_groups")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["group", "case"], name="group_member_once")]

    def __str__(self) -> str:
        return f"{self.group_id} {self.case_id}"


class GroupShare(models.Model):
    """The group's reference sent in, or received from, one conversation with another node."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="shares")
    link = models.ForeignKey("transnational.Link", on_delete=models.PROTECT, related_name="+")
    sent = models.BooleanField(_("sent by this node"))
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["group", "link", "sent"], name="group_share_once")]

    def __str__(self) -> str:
        return f"{self.group_id} {self.link_id}"

"""Suspected and accused perpetrators of a proceeding: criminal track only (justice/access.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trm.justice.models.proceedings import Proceeding
from trm.lib.encrypted import EncryptedCharField
from trm.vocab.countries import country_choices, validate_country
from trm.vocab.htcds import PerpetratorRole


class PerpetratorStatus(models.TextChoices):
    SUSPECTED = "suspected", _("Suspected")
    CHARGED = "charged", _("Charged")
    CONVICTED = "convicted", _("Convicted")
    ACQUITTED = "acquitted", _("Acquitted")
    NOT_PURSUED = "not_pursued", _("Not pursued")


class Perpetrator(models.Model):
    proceeding = models.ForeignKey(Proceeding, on_delete=models.CASCADE, related_name="perpetrators")
    role = models.CharField(_("role (HTCDS)"), max_length=40, choices=PerpetratorRole.choices)
    name = EncryptedCharField(_("name or alias"), max_length=200)
    nationality = models.CharField(
        _("nationality"), max_length=2, choices=country_choices, validators=[validate_country], blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=PerpetratorStatus.choices, default=PerpetratorStatus.SUSPECTED
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"perpetrator {self.pk}"

"""Compensation claims of a victim, and the payments made on them (docs/justice.md, "Compensation").

A claim belongs to a case. Its states move only through ``justice/claim_states.py``; its
amounts are ``Decimal`` in one ISO 4217 currency, and sums are never taken across
currencies. A cross-border claim (Directive 2004/80/EC) is held on both nodes: the
assisting node (where the person lives) sends it in a trm/1 conversation and the deciding
node (where the crime happened) records it against its linked case; ``abroad_role`` says
which side this node is.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Sum
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0")
CENT = Decimal("0.01")


class ClaimKind(models.TextChoices):
    OFFENDER = "offender", _("From the offender, in the criminal case")
    CIVIL = "civil_suit", _("By civil suit")
    STATE = "state_scheme", _("From the state compensation scheme")
    CROSS_BORDER = "cross_border", _("Cross-border (Directive 2004/80/EC)")
    BACK_PAY = "back_pay", _("Back pay for labour exploitation")


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FILED = "filed", _("Filed")
    AWARDED = "awarded", _("Awarded")
    REJECTED = "rejected", _("Rejected")
    PAID_IN_PART = "paid_in_part", _("Paid in part")
    PAID = "paid", _("Paid")
    WRITTEN_OFF = "written_off", _("Written off")


class AbroadRole(models.TextChoices):
    NONE = "", _("Decided in this country")
    ASSISTING = "assisting", _("Assisting authority: passed on to the country where the crime happened")
    DECIDING = "deciding", _("Deciding authority: received from the country where the person lives")


class ClaimQuerySet(models.QuerySet["Claim"]):
    def open(self) -> ClaimQuerySet:
        """Not ended: drafts, filed, awarded and not yet fully paid."""
        from trm.justice.claim_states import ENDED

        return self.exclude(status__in=ENDED)

    def with_paid(self) -> ClaimQuerySet:
        return self.annotate(paid_total=Sum("payments__amount"))


class Claim(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="compensation_claims")
    kind = models.CharField(_("kind of claim"), max_length=20, choices=ClaimKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    currency = models.CharField(_("currency"), max_length=3)
    amount_claimed = models.DecimalField(_("amount claimed"), max_digits=14, decimal_places=2)
    amount_awarded = models.DecimalField(_("amount awarded"), max_digits=14, decimal_places=2, null=True, blank=True)
    authority = models.CharField(_("court or deciding authority"), max_length=200, blank=True)
    # The proceeding this claim is made in, as the court or prosecution names it (free text for now).
    proceeding_ref = models.CharField(_("proceeding reference"), max_length=100, blank=True)
    limitation_on = models.DateField(_("to be filed by (limitation)"), null=True, blank=True)
    # Back pay: wages owed for labour exploitation, the whole of a back-pay claim or part of another
    # (a cross-border claim says so to the deciding country); the amount is in the claim's currency.
    includes_back_pay = models.BooleanField(_("includes back pay for labour exploitation"), default=False)
    wages_owed = models.DecimalField(_("wages owed"), max_digits=14, decimal_places=2, null=True, blank=True)
    wages_from = models.DateField(_("wages owed from"), null=True, blank=True)
    wages_to = models.DateField(_("wages owed until"), null=True, blank=True)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    # Cross-border claims: the conversation with the other country and that country's reference.
    abroad_role = models.CharField(_("cross-border role"), max_length=10, choices=AbroadRole.choices, blank=True)
    link = models.ForeignKey(
        "transnational.Link", on_delete=models.PROTECT, null=True, blank=True, related_name="compensation_claims"
    )
    remote_ref = models.CharField(_("reference in the other country"), max_length=64, blank=True)
    remote_message_id = models.UUIDField(null=True, blank=True)  # the claim as received (deciding side)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("compensation claim")
        constraints = [
            models.CheckConstraint(condition=Q(amount_claimed__gte=0), name="claim_claimed_not_negative"),
            models.CheckConstraint(
                condition=Q(amount_awarded__isnull=True) | Q(amount_awarded__gte=0), name="claim_awarded_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(wages_owed__isnull=True) | (Q(wages_owed__gte=0) & Q(wages_owed__lte=F("amount_claimed"))),
                name="claim_wages_within_claimed",
            ),
            models.CheckConstraint(
                condition=Q(wages_from__isnull=True) | Q(wages_to__isnull=True) | Q(wages_to__gte=F("wages_from")),
                name="claim_wages_period_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ClaimKind.BACK_PAY) | Q(includes_back_pay=True), name="claim_back_pay_kind_flagged"
            ),
            models.CheckConstraint(
                condition=Q(includes_back_pay=True)
                | (Q(wages_owed__isnull=True) & Q(wages_from__isnull=True) & Q(wages_to__isnull=True)),
                name="claim_wages_only_with_back_pay",
            ),
            models.UniqueConstraint(
                fields=["link", "remote_ref"],
                condition=Q(link__isnull=False) & ~Q(remote_ref=""),
                name="claim_once_per_remote_ref",
            ),
        ]
        indexes = [models.Index(fields=["status", "limitation_on"], name="claim_status_limitation")]

    def __str__(self) -> str:
        return self.reference

    @property
    def audit_ref(self) -> str:
        return self.reference

    @property
    def amount_paid(self) -> Decimal:
        total = getattr(self, "paid_total", None)
        if total is None:
            total = self.payments.aggregate(t=Sum("amount"))["t"]
        return Decimal(total or ZERO).quantize(CENT)

    @property
    def unpaid(self) -> Decimal | None:
        """What was awarded and is not paid yet (None before an award)."""
        if self.amount_awarded is None:
            return None
        return max(self.amount_awarded - self.amount_paid, ZERO)

    def limitation_urgency(self, today: dt.date, *, soon_days: int = 30) -> str:
        """ "overdue", "due" (within ``soon_days``) or "ok" for a claim not yet filed; "" otherwise."""
        if self.limitation_on is None or self.status != ClaimStatus.DRAFT:
            return ""
        if self.limitation_on < today:
            return "overdue"
        if self.limitation_on <= today + dt.timedelta(days=soon_days):
            return "due"
        return "ok"


class Payment(models.Model):
    """One payment received on an awarded claim (a partial payment is one row of several)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="payments")
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount paid"), max_digits=14, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "id"]
        verbose_name = _("compensation payment")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.paid_on}"

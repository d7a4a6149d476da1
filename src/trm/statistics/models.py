"""What the statistics keep: one coded row per case, the protected figures, releases and reports.

``CaseFact`` is a de-identified projection of a case (year, coded categories, durations in
days), kept up to date incrementally by ``facts.refresh`` so that the figures at a million
cases come from a narrow table instead of the encrypted case rows. Nobody outside this app
reads it, and no page shows it: only protected figures leave (``disclosure.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

UNKNOWN = "unknown"


class Category(models.TextChoices):
    PRESUMED = "presumed", _("Presumed victims")
    IDENTIFIED = "identified", _("Identified victims")
    OTHER = "other", _("Not (or not yet) a victim")


VICTIMS = (Category.PRESUMED, Category.IDENTIFIED)


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other gender identity")
    UNKNOWN = UNKNOWN, _("Unknown")


class AgeGroup(models.TextChoices):
    A0_11 = "0-11", _("0–11")
    A12_17 = "12-17", _("12–17")
    A18_24 = "18-24", _("18–24")
    A25_34 = "25-34", _("25–34")
    A35_44 = "35-44", _("35–44")
    A45_54 = "45-54", _("45–54")
    A55 = "55+", _("55 and over")
    CHILD_UNKNOWN = "child", _("Child, age unknown")
    UNKNOWN = UNKNOWN, _("Unknown")


class Scope(models.TextChoices):
    INTERNAL = "internal", _("Internal (within the country)")
    TRANSNATIONAL = "transnational", _("Transnational")
    UNKNOWN = UNKNOWN, _("Unknown")


class YesNo(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")


class CaseFact(models.Model):
    """One case, coded. Refreshed from the case, its route, decisions, deadlines and permits."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="+")
    year = models.PositiveSmallIntegerField()  # of detection
    category = models.CharField(max_length=12, choices=Category.choices)
    sex = models.CharField(max_length=8, choices=Sex.choices)
    age_group = models.CharField(max_length=8, choices=AgeGroup.choices)
    child = models.BooleanField()
    citizenship = models.CharField(max_length=8)  # ISO 3166 alpha-2 or "unknown"
    form = models.CharField(max_length=40)  # main form of exploitation (HTCDS) or "unknown"
    scope = models.CharField(max_length=14, choices=Scope.choices)
    origin = models.CharField(max_length=8)
    destination = models.CharField(max_length=8)
    received = models.BooleanField()  # opened from another country's referral (counted there)
    rg_days = models.IntegerField(null=True)
    rg_met = models.BooleanField(null=True)
    cg_days = models.IntegerField(null=True)
    cg_met = models.BooleanField(null=True)
    reflection = models.BooleanField()
    permit = models.BooleanField()
    returned = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["category", "year"], name="fact_category_year_idx")]

    def __str__(self) -> str:
        return f"fact {self.pk}"


class Snapshot(models.Model):
    """The protected figures of the node at one moment; pages and exports read the newest."""

    computed_at = models.DateTimeField()
    k = models.PositiveSmallIntegerField()
    facts_through = models.DateTimeField()  # cases changed after this are not in the facts yet
    permits_through = models.BigIntegerField(default=0)
    figures = models.JSONField()

    class Meta:
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"snapshot {self.computed_at:%Y-%m-%d %H:%M}"


class Extract(models.Model):
    """The CTDC extract of a snapshot, made k-anonymous with it: (line, how many times) per year.

    Computed by the refresh, so that the export only writes lines out (docs/performance.md).
    """

    snapshot = models.OneToOneField(Snapshot, on_delete=models.CASCADE, related_name="extract")
    lines = models.JSONField()  # {"<year>": [[...CTDC columns..., n], ...]}

    def __str__(self) -> str:
        return f"extract of {self.snapshot}"


class Report(models.Model):
    """A snapshot's PDF report, laid out once per year, breakdown and language.

    WeasyPrint's layout takes seconds whatever the caseload; the figures of a snapshot never
    change, so the PDF is kept with it and goes when it goes (docs/performance.md).
    """

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="reports")
    year = models.CharField(max_length=4, blank=True)
    by = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=10)
    pdf = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "year", "by", "language"], name="statistics_report_once")
        ]

    def __str__(self) -> str:
        return f"report of {self.snapshot} ({self.year or 'all'}, {self.by or '-'}, {self.language})"


class DPRelease(models.Model):
    """A differentially private table released for publication, and the privacy it spent."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    table = models.CharField(max_length=40)
    year_from = models.PositiveSmallIntegerField()
    year_to = models.PositiveSmallIntegerField()
    epsilon = models.FloatField()
    figures = models.JSONField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference

    @property
    def audit_ref(self) -> str:
        return self.reference


class RegionalReport(models.Model):
    """A node's protected figures for one year, as sent to or received by the secretariat."""

    class Direction(models.TextChoices):
        SENT = "sent", _("Sent")
        RECEIVED = "received", _("Received")

    direction = models.CharField(max_length=8, choices=Direction.choices)
    node = models.CharField(max_length=64)  # the other node (received: the sender)
    country = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    k = models.PositiveSmallIntegerField()
    figures = models.JSONField()
    message_id = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["country", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["direction", "node", "year"], name="regional_report_once_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.year}"

    @property
    def audit_ref(self) -> str:
        return f"{self.node}/{self.year}"

"""The network of national anti-trafficking coordinators: who, when they meet, what they agreed.

Rules about one row live here (``Meeting.is_past``, ``ActionItem.is_overdue``); reusable scopes
are QuerySet methods; writes go through the verb modules (directory, meetings, actions,
updates, imports, nodes), never through ``save()`` overrides or signals.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from trm.vocab.countries import country_name, validate_country

# --- directory -------------------------------------------------------------------------


class Membership(models.TextChoices):
    MEMBER = "member", _("Member")
    PARTNER = "partner", _("Partner country")
    OBSERVER = "observer", _("Observer")


class NetworkCountry(models.Model):
    """A country (or territory) taking part in the network, as the network lists it."""

    code = models.CharField(_("country"), max_length=2, unique=True, validators=[validate_country])
    membership = models.CharField(_("membership"), max_length=10, choices=Membership.choices, default=Membership.MEMBER)
    footnote = models.TextField(
        _("footnote"), blank=True, help_text=_("Shown wherever the network names this country or territory.")
    )
    rotation_order = models.PositiveSmallIntegerField(
        _("place in the host rotation"), null=True, blank=True, help_text=_("Leave empty to keep out of the rotation.")
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("network country")
        verbose_name_plural = _("network countries")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return country_name(self.code)


class OrganisationKind(models.TextChoices):
    SECRETARIAT = "secretariat", _("Network secretariat")
    INTERNATIONAL = "international", _("International organisation")
    OBSERVER = "observer", _("Observer")
    DONOR = "donor", _("Donor")
    CIVIL_SOCIETY = "civil_society", _("Civil society")


class PartnerOrganisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")

    def __str__(self) -> str:
        return self.short_name or self.name


class Participant(models.Model):
    """A person in the network directory. Contact details are personal data: never logged."""

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), unique=True, help_text=_("Used to recognise the same person on import."))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    country = models.ForeignKey(
        NetworkCountry,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participants",
    )
    organisation = models.ForeignKey(
        PartnerOrganisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participants",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="network_participant",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def affiliation(self) -> str:
        if self.organisation_id:
            return str(self.organisation)
        return self.country.name if self.country is not None else ""

    def current_positions(self, on: date) -> list[Position]:
        return [p for p in self.positions.all() if p.is_current(on)]


class PositionKind(models.TextChoices):
    COORDINATOR = "coordinator", _("National coordinator")
    DEPUTY = "deputy", _("Deputy national coordinator")
    OFFICE = "office", _("Coordinator's office")
    ADVISOR = "advisor", _("Advisor")
    RAPPORTEUR = "rapporteur", _("National rapporteur")
    PARTNER = "partner", _("Partner organisation representative")
    SECRETARIAT = "secretariat", _("Secretariat")


class PositionQuerySet(models.QuerySet["Position"]):
    def current(self, on: date) -> PositionQuerySet:
        return self.filter(Q(start_date__lte=on) & (Q(end_date__isnull=True) | Q(end_date__gte=on)))


class Position(models.Model):
    """Who held which role, where and when: the directory's history."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="positions")
    kind = models.CharField(_("role in the network"), max_length=20, choices=PositionKind.choices)
    title = models.CharField(_("position"), max_length=200, blank=True)
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    country = models.ForeignKey(
        NetworkCountry,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="positions",
    )
    organisation = models.ForeignKey(
        PartnerOrganisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="positions",
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)

    objects = PositionQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="network_position_ends_after_start",
                violation_error_message=_("A position cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def is_current(self, on: date) -> bool:
        return self.start_date <= on and (self.end_date is None or on <= self.end_date)


# --- meetings ---------------------------------------------------------------------------


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("Regular meeting")
    MINISTERIAL = "ministerial", _("Ministerial meeting")
    EXTRAORDINARY = "extraordinary", _("Extraordinary meeting")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def upcoming(self, today: date) -> MeetingQuerySet:
        return self.filter(end_date__gte=today).exclude(status=MeetingStatus.CANCELLED).order_by("start_date")


class Meeting(models.Model):
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices, default=MeetingKind.REGULAR)
    status = models.CharField(_("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    host_country = models.ForeignKey(
        NetworkCountry, verbose_name=_("host country"), on_delete=models.PROTECT, related_name="hosted_meetings"
    )
    city = models.CharField(_("city"), max_length=100)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    organisers = models.CharField(_("organisers"), max_length=300, blank=True)
    framework_project = models.CharField(_("framework project"), max_length=300, blank=True)
    objectives = models.TextField(_("objectives"), blank=True)
    registration_deadline = models.DateField(_("registration deadline"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="network_meeting_ends_after_start",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
            models.CheckConstraint(
                condition=Q(registration_deadline__isnull=True) | Q(registration_deadline__lte=F("end_date")),
                name="network_meeting_registration_before_end",
                violation_error_message=_("Registration must close before the meeting ends."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def place(self) -> str:
        return ", ".join(p for p in (self.city, self.host_country.name) if p)

    def is_past(self, today: date) -> bool:
        return self.end_date < today


class Session(models.Model):
    """One item of the agenda."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="sessions")
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=200)
    day = models.DateField(_("day"), null=True, blank=True)
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    chair = models.CharField(_("chair"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["order"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(starts_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="network_session_ends_after_start",
                violation_error_message=_("A session must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AttendanceStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    REGISTERED = "registered", _("Registered")
    DECLINED = "declined", _("Declined")
    ATTENDED = "attended", _("Attended")


class Attendance(models.Model):
    """An invitation and what became of it. Position and institution are kept as at the meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="attendances")
    status = models.CharField(
        _("status"), max_length=12, choices=AttendanceStatus.choices, default=AttendanceStatus.INVITED
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["participant__country__code", "participant__last_name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "participant"], name="network_attendance_once_per_meeting"),
        ]

    def __str__(self) -> str:
        return self.get_status_display()


# --- country updates ---------------------------------------------------------------------


class UpdateStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class CountryUpdate(models.Model):
    """A country's tour-de-table contribution to one meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="country_updates")
    country = models.ForeignKey(NetworkCountry, on_delete=models.PROTECT, related_name="updates")
    key_activities = models.TextField(_("key activities"), blank=True)
    good_practices = models.TextField(_("good practices"), blank=True)
    trends = models.TextField(_("trends and challenges"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=UpdateStatus.choices, default=UpdateStatus.DRAFT)
    # Filled only by updates.attach_node_statistics() from a node's protected aggregates.
    statistics = models.JSONField(_("statistics"), null=True, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country__code"]
        verbose_name = _("country update")
        verbose_name_plural = _("country updates")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "country"], name="network_update_once_per_country"),
        ]

    def __str__(self) -> str:
        return f"{self.country} · {self.meeting}"


# --- conclusions and action items ---------------------------------------------------------


class Conclusion(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="conclusions")
    order = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("conclusion"))

    class Meta:
        ordering = ["order"]
        verbose_name = _("conclusion")
        verbose_name_plural = _("conclusions")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "order"], name="network_conclusion_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.text[:60]}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ActionItemQuerySet(models.QuerySet["ActionItem"]):
    def open(self) -> ActionItemQuerySet:
        return self.filter(status__in=OPEN_ACTION_STATUSES)

    def carried_to(self, meeting: Meeting) -> ActionItemQuerySet:
        """Open commitments agreed at earlier meetings: the follow-up list of ``meeting``."""
        return self.open().filter(meeting__start_date__lt=meeting.start_date)

    def for_country(self, code: str) -> ActionItemQuerySet:
        return self.filter(owner_country__code=code)


class ActionItem(models.Model):
    """A joint action agreed at a meeting, owned by a country or an organisation, until done."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="action_items")
    conclusion = models.ForeignKey(
        Conclusion,
        verbose_name=_("conclusion"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
    )
    description = models.TextField(_("action"))
    owner_country = models.ForeignKey(
        NetworkCountry,
        verbose_name=_("owner (country)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
    )
    owner_organisation = models.ForeignKey(
        PartnerOrganisation,
        verbose_name=_("owner (organisation)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_items",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    closed_at_meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="closed_action_items"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_country__isnull=False, owner_organisation__isnull=True)
                | Q(owner_country__isnull=True, owner_organisation__isnull=False),
                name="network_action_has_one_owner",
                violation_error_message=_("An action item is owned by one country or one organisation."),
            ),
        ]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def owner(self) -> NetworkCountry | PartnerOrganisation | None:
        return self.owner_country or self.owner_organisation

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < today


class ActionNote(models.Model):
    """Progress reported on an action item, optionally at a meeting."""

    item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="notes")
    meeting = models.ForeignKey(Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=ActionStatus.choices)
    text = models.TextField(_("progress"), blank=True)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.get_status_display()


# --- nodes -------------------------------------------------------------------------------


class NodeStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    RETIRED = "retired", _("Retired")


class NetworkNode(models.Model):
    """Which country runs which TRM node: the source of the network's trust list."""

    country = models.ForeignKey(
        NetworkCountry, verbose_name=_("country"), on_delete=models.PROTECT, related_name="nodes"
    )
    node_id = models.CharField(
        _("node id"),
        max_length=64,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9.-]{1,62}$", _("Lower-case letters, digits, '-' and '.' only."))],
    )
    organisation = models.CharField(_("operating organisation"), max_length=200)
    endpoint = models.URLField(_("endpoint URL"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=NodeStatus.choices, default=NodeStatus.PLANNED)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    signing_jwk = models.JSONField(_("public signature key (JWK)"), null=True, blank=True)
    encryption_jwk = models.JSONField(_("public encryption key (JWK)"), null=True, blank=True)

    class Meta:
        ordering = ["country__code", "node_id"]
        verbose_name = _("network node")
        verbose_name_plural = _("network nodes")
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("since")),
                name="network_node_until_after_since",
                violation_error_message=_("'Until' cannot be before 'since'."),
            ),
        ]

    def __str__(self) -> str:
        return self.node_id

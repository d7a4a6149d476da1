"""A transnational referral between two nodes: one conversation of trm/1 messages.

Each node keeps one Link per conversation: the sender's points at its own case, the
receiver's at the case it opens when it accepts. The messages themselves stay in the
exchange's outbox and inbox (encrypted); the link holds state, never personal data.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from trm.lib.encrypted import EncryptedTextField


class Direction(models.TextChoices):
    OUTGOING = "outgoing", _("Sent")
    INCOMING = "incoming", _("Received")


# How a link moves between these states: ``transnational/states.py``.
class LinkStatus(models.TextChoices):
    NOTIFIED = "notified", _("Case notified")
    OFFERED = "offered", _("Referral offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ERASED = "erased", _("Consent withdrawn: shared data erased")


class CountryRole(models.TextChoices):
    """The other country's place on the person's route, as this node records it for a conversation."""

    ORIGIN = "origin", _("Country of origin")
    TRANSIT = "transit", _("Transit country")
    DESTINATION = "destination", _("Country of destination")


class Link(models.Model):
    conversation = models.UUIDField(unique=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    peer = models.CharField(_("other node"), max_length=64, db_index=True)
    peer_country = models.CharField(_("other country"), max_length=2)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="transnational_links"
    )
    # The other node's case: the sender's ``case_ref`` on a received conversation, the
    # ``receiver_case_ref`` its answers carry on a conversation this node started.
    remote_case_ref = models.CharField(_("case reference at the other node"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=LinkStatus.choices)
    services = models.JSONField(_("services"), default=list, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)  # set by what was received, never by what was sent
    is_child = models.BooleanField(_("child"), default=False)
    offer_message_id = models.UUIDField(null=True, blank=True)
    consent = models.ForeignKey("cases.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Handling restrictions chosen when the conversation started; every later message carries them.
    handling_codes = models.JSONField(_("handling restrictions"), default=list, blank=True)
    handling_text = models.CharField(_("handling conditions"), max_length=500, blank=True)
    # The other country's role for this person (origin, transit, destination): proposed from
    # the case when the conversation starts (``roles.propose``), corrected by a focal point.
    peer_role = models.CharField(_("role of the other country"), max_length=12, choices=CountryRole.choices, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("transnational referral")

    def __str__(self) -> str:
        return f"{self.direction} {self.conversation}"

    @property
    def audit_ref(self) -> str:
        return str(self.conversation)

    def can(self, event: str) -> bool:
        from trm.transnational import states

        return states.may(self, event)

    @property
    def status_label(self) -> str:
        """The status as this side sees it: the sender asked for erasure, the receiver erased."""
        if self.status == LinkStatus.ERASED and self.direction == Direction.OUTGOING:
            return str(_("Consent withdrawn: erasure requested"))
        return str(self.get_status_display())

    @property
    def is_live(self) -> bool:
        from trm.transnational import states

        return self.status not in states.CLOSED


# Post-return reports fall due this many months after the person's arrival (SOP 4, step 6).
REPORT_MONTHS = (3, 6, 12)


class ReportDueQuerySet(models.QuerySet["ReportDue"]):
    def open(self) -> ReportDueQuerySet:
        return self.filter(done_at__isnull=True)


class ReportDue(models.Model):
    """A post-return report due in a conversation: to send (origin) or to expect (destination)."""

    link = models.ForeignKey(Link, on_delete=models.CASCADE, related_name="reports_due")
    months = models.PositiveSmallIntegerField(_("months after return"))
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(_("received or sent at"), null=True, blank=True)

    objects = ReportDueQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["link", "months"], name="reportdue_once_per_month")]

    def __str__(self) -> str:
        return f"{self.months} {self.due_on}"

    def is_overdue(self, today: dt.date) -> bool:
        return self.done_at is None and self.due_on < today


class NoticeEvent(models.TextChoices):
    """What happened in a conversation, as a notification says it (``notices.event_for``)."""

    STARTED = "started", _("New referral or case notification")
    ACCEPTED = "accepted", _("Referral accepted")
    DECLINED = "declined", _("Referral declined")
    WITHDRAWN = "withdrawn", _("Referral withdrawn")
    ERASE = "erase", _("Consent withdrawn: erasure")
    QUESTION = "question", _("Question received")
    ANSWER = "answer", _("Answer received")
    ALERT = "alert", _("Urgent alert")
    MESSAGE = "message", _("Message received")


class NoticeQuerySet(models.QuerySet["Notice"]):
    def unread(self) -> NoticeQuerySet:
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """A notification to one person that a message arrived in a conversation.

    It names the event, the message type and the conversation, never the person; whether
    it still links to the conversation is decided when it is shown (``notices.rows``).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="transnational_notices"
    )
    link = models.ForeignKey(Link, on_delete=models.CASCADE, related_name="notices")
    event = models.CharField(_("event"), max_length=12, choices=NoticeEvent.choices)
    message_type = models.CharField(_("message type"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="transnational_notice_unread")]
        verbose_name = _("transnational notification")

    def __str__(self) -> str:
        return f"{self.event} {self.link_id}"


class AlertKind(models.TextChoices):
    MISSING_CHILD = "missing_child", _("Missing child")
    MISSING_PERSON = "missing_person", _("Missing person")
    IMMEDIATE_DANGER = "immediate_danger", _("Person in immediate danger")


class RouteAlert(models.Model):
    """An alert along the route (trm/1 ``route_alert``): sent from a case here to several countries, or received.

    Sent: one ``AlertRecipient`` per node alerted, each with its own conversation. Received:
    one ``AlertRecipient`` for this node, on the conversation the alert opened, which a person
    here acknowledges. Holds no personal data but ``safe_reason`` (encrypted).
    """

    alert_id = models.UUIDField()
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="route_alerts")
    kind = models.CharField(_("alert"), max_length=20, choices=AlertKind.choices)
    is_child = models.BooleanField(_("child"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Why alerting the country of origin of an applicant for protection is safe (recorded by the sender).
    safe_reason = EncryptedTextField(_("why alerting the country of origin is safe"), blank=True)
    # Where the alert started: a record of the case (a missing episode), by its reference.
    source_ref = models.CharField(_("started from"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("route alert")
        constraints = [
            models.UniqueConstraint(fields=["alert_id", "direction"], name="routealert_once_per_direction"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.alert_id}"

    @property
    def audit_ref(self) -> str:
        return str(self.alert_id)


class AlertRecipient(models.Model):
    """One node an alert went to (sent), or this node (received), with the alert's conversation."""

    alert = models.ForeignKey(RouteAlert, on_delete=models.CASCADE, related_name="recipients")
    link = models.OneToOneField(Link, on_delete=models.CASCADE, related_name="alert_recipient")
    node = models.CharField(_("node"), max_length=64)
    country = models.CharField(_("country"), max_length=2)
    on_route = models.BooleanField(_("on the recorded route"), default=False)
    message_id = models.UUIDField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    # Received: who here acknowledged. Sent: empty (the other node's person is not named).
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action taken"), max_length=20, blank=True)

    class Meta:
        ordering = ["country", "node", "id"]

    def __str__(self) -> str:
        return f"{self.node} {self.alert_id}"

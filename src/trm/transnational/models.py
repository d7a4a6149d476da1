"""A transnational referral between two nodes: one conversation of trm/1 messages.

Each node keeps one Link per conversation: the sender's points at its own case, the
receiver's at the case it opens when it accepts. The messages themselves stay in the
exchange's outbox and inbox (encrypted); the link holds state, never personal data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    OUTGOING = "outgoing", _("Sent")
    INCOMING = "incoming", _("Received")


class LinkStatus(models.TextChoices):
    NOTIFIED = "notified", _("Case notified")
    OFFERED = "offered", _("Referral offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ERASED = "erased", _("Consent withdrawn: shared data erased")


# {status: {event: next status}} — the only way a link changes state.
TRANSITIONS: dict[str, dict[str, str]] = {
    LinkStatus.NOTIFIED: {"offer": LinkStatus.OFFERED, "withdraw": LinkStatus.WITHDRAWN, "erase": LinkStatus.ERASED},
    LinkStatus.OFFERED: {
        "accept": LinkStatus.ACCEPTED,
        "decline": LinkStatus.DECLINED,
        "withdraw": LinkStatus.WITHDRAWN,
        "erase": LinkStatus.ERASED,
    },
    LinkStatus.ACCEPTED: {"withdraw": LinkStatus.WITHDRAWN, "erase": LinkStatus.ERASED},
    LinkStatus.DECLINED: {"erase": LinkStatus.ERASED},
    LinkStatus.WITHDRAWN: {"erase": LinkStatus.ERASED},
    LinkStatus.ERASED: {},
}


class Link(models.Model):
    conversation = models.UUIDField(unique=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    peer = models.CharField(_("other node"), max_length=64, db_index=True)
    peer_country = models.CharField(_("other country"), max_length=2)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="transnational_links"
    )
    remote_case_ref = models.CharField(_("case reference at the other node"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=LinkStatus.choices)
    services = models.JSONField(_("services"), default=list, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    is_child = models.BooleanField(_("child"), default=False)
    offer_message_id = models.UUIDField(null=True, blank=True)
    consent = models.ForeignKey("cases.Consent", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("transnational referral")

    def __str__(self) -> str:
        return f"{self.direction} {self.conversation}"

    @property
    def audit_ref(self) -> str:
        return str(self.conversation)

    def can(self, event: str) -> bool:
        return event in TRANSITIONS[self.status]

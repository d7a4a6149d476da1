from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from trm.audit.events import Action


class AuditEvent(models.Model):
    """One audited action. Holds references and field names, never personal data."""

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=150, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=60, blank=True, db_index=True)
    object_ref = models.CharField(max_length=64, blank=True, db_index=True)
    fields = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=200, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit event")
        indexes = [models.Index(fields=["object_type", "object_ref", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_ref}"

    def chained_fields(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "organisation_id": self.organisation_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_ref": self.object_ref,
            "fields": self.fields,
            "note": self.note,
            "remote_addr": self.remote_addr,
        }


class AuditHead(models.Model):
    """The newest link of the chain; its row lock serialises writers."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"head {self.seq}"


class PublishedHead(models.Model):
    """A head of this node's chain as sent to the witness node in a signed trm/1 ``audit_head``.

    The witness keeps its own copy; ``receipt`` is its signed receipt of the exact token
    sent, copied from the outbox once delivered.
    """

    seq = models.PositiveBigIntegerField(db_index=True)
    hash = models.CharField(max_length=64)
    at = models.DateTimeField()  # the time of the entry at ``seq``
    witness = models.CharField(max_length=64)
    message_id = models.UUIDField(unique=True)
    published_at = models.DateTimeField(db_index=True)
    receipt = models.TextField(blank=True)

    class Meta:
        ordering = ["seq", "id"]

    def __str__(self) -> str:
        return f"head {self.seq} to {self.witness}"


class HeadAlarm(models.TextChoices):
    NONE = "", _("none")
    FORK = "fork", _("same entry, other hash")
    ROLLBACK = "rollback", _("chain cut back")


class WitnessedHead(models.Model):
    """A head another node sent us to witness. Rows are only ever added, never changed."""

    node = models.CharField(max_length=64)
    seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    created = models.DateTimeField()  # the envelope's ``created``, signed by the sender
    message_id = models.UUIDField(unique=True)
    received_at = models.DateTimeField()
    alarm = models.CharField(max_length=10, choices=HeadAlarm.choices, blank=True)

    class Meta:
        ordering = ["node", "created", "id"]
        indexes = [models.Index(fields=["node", "seq"]), models.Index(fields=["node", "created"])]

    def __str__(self) -> str:
        return f"{self.node} head {self.seq}"

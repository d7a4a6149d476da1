"""Perpetrators linked to a proceeding: recorded and read on the criminal track only (``access``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from trm.audit.events import Action
from trm.audit.record import record
from trm.justice import proceedings
from trm.justice.models import Perpetrator, PerpetratorStatus, Proceeding


@transaction.atomic
def add(
    proceeding: Proceeding,
    *,
    by: Any,
    role: str,
    name: str,
    nationality: str = "",
    status: str = PerpetratorStatus.SUSPECTED,
) -> Perpetrator:
    """Link a perpetrator, with their HTCDS role, to the proceeding (a 404 off its criminal track)."""
    proceeding = proceedings.locked_open(proceeding, by)
    perpetrator = Perpetrator(
        proceeding=proceeding, role=role, name=name, nationality=nationality, status=status, recorded_by=by
    )
    perpetrator.full_clean()
    perpetrator.save()
    record(by, Action.CREATE, proceeding, fields=["perpetrators"], note=f"perpetrator {perpetrator.pk}")
    return perpetrator


@transaction.atomic
def set_status(perpetrator: Perpetrator, *, by: Any, status: str) -> Perpetrator:
    proceeding = proceedings.locked_open(perpetrator.proceeding, by)
    perpetrator = Perpetrator.objects.select_for_update().get(pk=perpetrator.pk, proceeding=proceeding)
    perpetrator.status = status
    perpetrator.full_clean()
    perpetrator.save(update_fields=["status"])
    record(by, Action.UPDATE, proceeding, fields=["perpetrators.status"], note=f"perpetrator {perpetrator.pk}")
    return perpetrator

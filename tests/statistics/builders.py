"""Synthetic caseloads for the statistics tests, made through the verbs or the demo's bulk builder."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tests.cases.builders import detect
from trm.cases.models import Case, IdentificationState


def victims(world: Any, n: int, *, state: str = IdentificationState.RG_POSITIVE, **person: Any) -> list[Case]:
    """n detected persons set directly in a victim state (the identification steps are tested elsewhere)."""
    made = []
    for _ in range(n):
        case = detect(world.focal, **person)
        Case.objects.filter(pk=case.pk).update(state=state, updated_at=timezone.now())
        made.append(case)
    return made


def last_year(day: int = 10) -> dt.date:
    today = timezone.localdate()
    return dt.date(today.year - 1, 3, day)

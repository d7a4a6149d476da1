"""A few synthetic criminal proceedings on the demo node's cases, at different stages (through the verbs)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from trm.accounts.models import User
from trm.cases.models import Case
from trm.justice import perpetrators, proceedings
from trm.justice.models import Proceeding


def seed_demo() -> list[Proceeding]:
    """Four proceedings held by the prosecution office, opened by the focal point; once only."""
    if Proceeding.objects.exists():
        return []
    focal = User.objects.filter(username="focal").first()
    prosecutor = User.objects.filter(username="prosecutor").first()
    if focal is None or prosecutor is None or prosecutor.organisation is None:
        return []
    today = timezone.localdate()
    cases = [c for c in Case.objects.order_by("id")[:40] if c.is_open and c.detected_on <= today - dt.timedelta(days=8)]
    made = []
    for i, case in enumerate(cases[:4]):
        p = proceedings.open_proceeding(
            case,
            by=focal,
            person_role=("injured_party", "witness", "civil_party", "injured_party")[i],
            opened_on=case.detected_on,
            organisation=prosecutor.organisation,
        )
        proceedings.record_content(
            p,
            by=prosecutor,
            court="Synthetic District Court",
            file_reference=f"DEMO-{i + 1:04d}",
            assessed_on=p.opened_on + dt.timedelta(days=1),
            measures=[["video"], ["in_camera", "protected_identity"], [], ["no_visual_contact"]][i],
            legal_aid=("granted", "requested", "", "granted")[i],
        )
        perpetrators.add(p, by=prosecutor, role="RecruiterOrIntermediary", name=f"Synthetic Recruiter {i + 1}")
        step = dt.timedelta(days=(today - p.opened_on).days // 4)
        if i >= 1:
            proceedings.advance(p, by=prosecutor, event="charge", on=p.opened_on + step)
        if i >= 2:
            proceedings.advance(p, by=prosecutor, event="open_trial", on=p.opened_on + 2 * step)
        if i == 3:
            proceedings.advance(p, by=prosecutor, event="judge", on=p.opened_on + 3 * step, outcome="convicted")
        if p.is_open and i < 3:
            proceedings.add_hearing(p, by=prosecutor, held_on=today + dt.timedelta(days=7 + 10 * i), kind="testimony")
        made.append(p)
    return made

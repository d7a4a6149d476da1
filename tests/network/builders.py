"""Builders for network tests, through the verb functions (synthetic data only)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from trm.network import actions, directory, meetings
from trm.network.models import (
    ActionItem,
    Meeting,
    NetworkCountry,
    Participant,
    PartnerOrganisation,
    PositionKind,
)

_seq = itertools.count(1)
TODAY = date(2026, 3, 2)


def country(code: str = "BG", **kw: Any) -> NetworkCountry:
    found = NetworkCountry.objects.filter(code=code).first()
    return found or directory.add_country(code=code, by=None, **kw)


def organisation(name: str = "Regional Centre for Migration Policy", short: str = "RCMP") -> PartnerOrganisation:
    found = PartnerOrganisation.objects.filter(name=name).first()
    return found or directory.add_organisation(name=name, short_name=short, kind="secretariat", by=None)


def person(
    *,
    code: str = "BG",
    kind: str = PositionKind.COORDINATOR,
    user: Any = None,
    start: date | None = None,
    email: str | None = None,
) -> Participant:
    n = next(_seq)
    p = directory.add_participant(
        first_name=f"Given{n}",
        last_name=f"Family{n}",
        email=email or f"person{n}@coordination.example",
        country=country(code),
        user=user,
        by=None,
    )
    directory.add_position(
        p,
        kind=kind,
        title="National Coordinator",
        institution="Office of the Coordinator",
        start_date=start or TODAY - timedelta(days=400),
        by=None,
    )
    return p


def meeting(*, start: date | None = None, host: str = "SI", title: str | None = None, **kw: Any) -> Meeting:
    start = start or TODAY + timedelta(days=30)
    return meetings.plan_meeting(
        title=title or f"Meeting {next(_seq)}",
        start_date=start,
        end_date=start + timedelta(days=1),
        host_country=country(host),
        city="Ljubljana",
        by=None,
        **kw,
    )


def action(
    m: Meeting, *, owner: str = "BG", due: date | None = None, text: str = "Share the guidelines."
) -> ActionItem:
    return actions.add_action_item(
        m, description=text, owner_country=country(owner), due_date=due or m.start_date + timedelta(days=90), by=None
    )

"""A synthetic joint investigation team on every demo node, with the same operation reference.

Each demo node records the team the three demo countries' prosecutors share, so that the
``prosecutor`` account can share graded items between the nodes. Idempotent.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from trm.accounts.models import User
from trm.justice.models.teams import JointTeam, TeamMember, TeamParty

OPERATION_REF = "JIT-DEMO-2026"
PARTIES = (
    ("SE", "se-nrm", "Swedish Prosecution Authority (demo)"),
    ("BG", "bg-nrm", "Prosecutor's Office of Bulgaria (demo)"),
    ("RO", "ro-nrm", "DIICOT Romania (demo)"),
)


def seed_demo(country: str) -> JointTeam | None:
    prosecutor = User.objects.filter(username="prosecutor").first()
    if prosecutor is None or JointTeam.objects.filter(operation_ref=OPERATION_REF).exists():
        return None
    with transaction.atomic():
        team = JointTeam.objects.create(
            operation_ref=OPERATION_REF,
            agreement_ref="JIT agreement SE-BG-RO 2026/3 (synthetic)",
            purpose="Labour exploitation of seasonal farm workers recruited through one agency (synthetic).",
            starts_on=dt.date(2026, 3, 1),
            ends_on=dt.date(2027, 8, 31),
            created_by=prosecutor,
        )
        for code, node, authority in PARTIES:
            TeamParty.objects.create(team=team, country=code, node=node, authority=authority)
        TeamMember.objects.create(
            team=team,
            name=prosecutor.get_full_name() or "Demo prosecutor",
            organisation=str(prosecutor.organisation or ""),
            country=country,
            function="Lead prosecutor",
            user=prosecutor,
        )
    return team

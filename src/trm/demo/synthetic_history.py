"""A synthetic caseload of past years, so that the statistics page has figures above k.

The demo's 40 worked cases are too few for any published figure (k = 11). This adds plain
cases of the last three years (``bulk_cases``) with their identification decisions, the
deadlines they were decided against, reflection periods, residence permits and returns, all
made up. Inserted before the worked cases, so those stay at the top of the case list.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from trm.accounts.models import Organisation, User
from trm.cases.models import (
    Case,
    ClosureReason,
    Deadline,
    DeadlineKind,
    Decision,
    IdentificationState,
    LegalTest,
    PermitKind,
    ResidencePermit,
)
from trm.demo.synthetic_cases import bulk_cases

S = IdentificationState


def seed_history(n: int, *, seed: int, owner_org: Organisation, by: User, authority: Organisation | None) -> int:
    """Add n past cases with decisions, permits and returns; returns how many cases were made."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security  # nosec B311
    before = set(Case.objects.values_list("pk", flat=True))
    made = bulk_cases(n, seed=seed, owner_org=owner_org, created_by=by, routed_to_org=authority)
    cases = list(Case.objects.exclude(pk__in=before).values_list("pk", "state", "detected_on"))
    today = timezone.localdate()
    decisions, deadlines, permits, returned = [], [], [], []
    for pk, state, detected in cases:
        if state not in (S.RG_POSITIVE, S.RG_NEGATIVE, S.IDENTIFIED):
            continue
        rg_day = min(today, detected + dt.timedelta(days=rng.randrange(1, 12)))
        rg_to = S.RG_NEGATIVE if state == S.RG_NEGATIVE else S.RG_POSITIVE
        decisions.append(
            Decision(
                case_id=pk, event="rg_decision", from_state=S.RG_PENDING, to_state=rg_to,
                legal_test=LegalTest.REASONABLE_GROUNDS, decided_by=by, decided_by_org=authority, decided_on=rg_day,
            )
        )  # fmt: skip
        done = timezone.make_aware(dt.datetime.combine(rg_day, dt.time(12)))
        deadlines.append(
            Deadline(
                case_id=pk, kind=DeadlineKind.RG_DECISION, starts_on=detected,
                due_on=detected + dt.timedelta(days=7), assigned_org=authority, done_at=done,
            )
        )  # fmt: skip
        if state == S.IDENTIFIED:
            cg_day = min(today, rg_day + dt.timedelta(days=rng.randrange(20, 120)))
            decisions.append(
                Decision(
                    case_id=pk, event="cg_decision", from_state=S.RG_POSITIVE, to_state=S.IDENTIFIED,
                    legal_test=LegalTest.CONCLUSIVE, decided_by=by, decided_by_org=authority, decided_on=cg_day,
                )
            )  # fmt: skip
            deadlines.append(
                Deadline(
                    case_id=pk, kind=DeadlineKind.CG_DECISION, starts_on=rg_day,
                    due_on=rg_day + dt.timedelta(days=90), assigned_org=authority,
                    done_at=timezone.make_aware(dt.datetime.combine(cg_day, dt.time(12))),
                )
            )  # fmt: skip
            if rng.random() < 0.5:
                kind = PermitKind.PERSONAL if rng.random() < 0.6 else PermitKind.COOPERATION
                permits.append(
                    ResidencePermit(
                        case_id=pk, kind=kind, issued_on=cg_day, valid_until=cg_day + dt.timedelta(days=365),
                        recorded_by=by,
                    )
                )  # fmt: skip
            elif rng.random() < 0.3:
                returned.append(pk)
        if rg_to == S.RG_POSITIVE and rng.random() < 0.6:
            permits.append(
                ResidencePermit(
                    case_id=pk, kind=PermitKind.REFLECTION, issued_on=rg_day,
                    valid_until=rg_day + dt.timedelta(days=30), recorded_by=by,
                )
            )  # fmt: skip
    Decision.objects.bulk_create(decisions, batch_size=2000)
    Deadline.objects.bulk_create(deadlines, batch_size=2000)
    ResidencePermit.objects.bulk_create(permits, batch_size=2000)
    Case.objects.filter(pk__in=returned).update(
        status="Closed", closure_reason=ClosureReason.RETURNED, closed_at=timezone.now()
    )
    return made

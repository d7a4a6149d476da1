"""Keep ``CaseFact`` in step with the cases, incrementally, and take a new snapshot of the figures.

A refresh codes again every case that changed since the last snapshot: its row (``updated_at``),
a new route stage, decision, deadline (created or done), counterpart or permit. It runs from the
exchange worker's chores every ``TRM_STATS_REFRESH_EVERY`` seconds, from ``trm statistics
refresh``, and from the statistics page when there is no snapshot yet. The first run on a large
node codes every case (about a minute per million cases here, docs/performance.md); later runs
touch only what changed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone, translation

from trm.cases.models import (
    Case,
    ClosureReason,
    Counterpart,
    Deadline,
    DeadlineKind,
    Decision,
    IdentificationState,
    PermitKind,
    Person,
    ResidencePermit,
    TraffickingEvent,
)
from trm.statistics.models import UNKNOWN, AgeGroup, CaseFact, Category, Extract, Scope, Sex, Snapshot
from trm.vocab.htcds import Gender, TraffickingEventType

BATCH = 5000
S = IdentificationState

CATEGORY: dict[str, str] = {S.IDENTIFIED: Category.IDENTIFIED, S.RG_POSITIVE: Category.PRESUMED}
SEX: dict[str, str] = {
    Gender.FEMININE: Sex.FEMALE,
    Gender.MASCULINE: Sex.MALE,
    Gender.TRANSGENDER_FEMININE: Sex.OTHER,
    Gender.TRANSGENDER_MASCULINE: Sex.OTHER,
    Gender.NON_CONFORMING: Sex.OTHER,
}
RG_OUTCOMES = {S.RG_POSITIVE, S.RG_NEGATIVE}
CG_OUTCOMES = {S.IDENTIFIED, S.NOT_IDENTIFIED}
BOUNDS = [(11, AgeGroup.A0_11), (17, AgeGroup.A12_17), (24, AgeGroup.A18_24), (34, AgeGroup.A25_34)]
BOUNDS += [(44, AgeGroup.A35_44), (54, AgeGroup.A45_54)]


def age_group(date_of_birth: dt.date | None, detected_on: dt.date, *, child: bool) -> str:
    """The age group at detection; a child whose date of birth is unknown is still a child."""
    if date_of_birth is None:
        return AgeGroup.CHILD_UNKNOWN if child else AgeGroup.UNKNOWN
    dob = date_of_birth
    age = detected_on.year - dob.year - ((detected_on.month, detected_on.day) < (dob.month, dob.day))
    for upper, group in BOUNDS:
        if age <= upper:
            return group
    return AgeGroup.A55


def _met(deadline: tuple[dt.date, dt.datetime | None] | None) -> bool | None:
    """A decision deadline met (done by its due date), missed, or not decided yet (None)."""
    if deadline is None or deadline[1] is None:
        return None
    return timezone.localdate(deadline[1]) <= deadline[0]


def code_cases(case_ids: Sequence[int]) -> list[CaseFact]:
    """The facts of these cases, read in a few queries whatever their number."""
    cases = list(
        Case.objects.filter(pk__in=case_ids).values_list(
            "pk",
            "person_id",
            "state",
            "detected_on",
            "detection_country",
            "nationality",
            "is_child",
            "exploitation_types",
            "closure_reason",
        )
    )
    persons = dict(
        (pk, (dob, gender))
        for pk, dob, gender in Person.objects.filter(pk__in=[c[1] for c in cases]).values_list(
            "pk", "date_of_birth", "gender"
        )
    )
    events: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for case_id, kind, country, form in (
        TraffickingEvent.objects.filter(case_id__in=case_ids)
        .order_by("case_id", "start_date", "id")
        .values_list("case_id", "type", "country", "exploitation_type")
    ):
        events[case_id].append((kind, country, form))
    first_decision: dict[tuple[int, str], dt.date] = {}
    for case_id, to_state, day in (
        Decision.objects.filter(case_id__in=case_ids, to_state__in=[*RG_OUTCOMES, *CG_OUTCOMES])
        .order_by("case_id", "decided_on", "id")
        .values_list("case_id", "to_state", "decided_on")
    ):
        step = "rg" if to_state in RG_OUTCOMES else "cg"
        first_decision.setdefault((case_id, step), day)
    decision_deadlines: dict[tuple[int, str], tuple[dt.date, dt.datetime | None]] = {}
    reflection: set[int] = set()
    for case_id, kind, due, done in (
        Deadline.objects.filter(
            case_id__in=case_ids,
            kind__in=[DeadlineKind.RG_DECISION, DeadlineKind.CG_DECISION, DeadlineKind.REFLECTION_END],
        )
        .order_by("case_id", "created_at", "id")
        .values_list("case_id", "kind", "due_on", "done_at")
    ):
        if kind == DeadlineKind.REFLECTION_END:
            reflection.add(case_id)
        else:
            decision_deadlines.setdefault((case_id, "rg" if kind == DeadlineKind.RG_DECISION else "cg"), (due, done))
    permits: dict[int, set[str]] = defaultdict(set)
    for case_id, kind in ResidencePermit.objects.filter(case_id__in=case_ids).values_list("case_id", "kind"):
        permits[case_id].add(kind)
    received = set(Counterpart.objects.filter(case_id__in=case_ids, opened_case=True).values_list("case_id", flat=True))
    facts = []
    for pk, person_id, state, detected_on, country, nationality, is_child, forms, closure in cases:
        dob, gender = persons.get(person_id, (None, Gender.UNKNOWN))
        route = events.get(pk, [])
        exploited = [c for kind, c, _f in route if kind == TraffickingEventType.EXPLOITATION]
        recruited = [c for kind, c, _f in route if kind == TraffickingEventType.RECRUITMENT]
        main_form = next((f for _k, _c, f in route if f), "") or next((f for f in forms.split("|") if f), "")
        abroad = {c for _k, c, _f in route} | ({nationality} if nationality else set())
        if pk in received or abroad - {country}:
            scope = Scope.TRANSNATIONAL
        elif abroad:
            scope = Scope.INTERNAL
        else:
            scope = Scope.UNKNOWN
        days = {
            step: (first_decision[(pk, step)] - detected_on).days
            for step in ("rg", "cg")
            if (pk, step) in first_decision
        }
        facts.append(
            CaseFact(
                case_id=pk,
                year=detected_on.year,
                category=CATEGORY.get(state, Category.OTHER),
                sex=SEX.get(gender, Sex.UNKNOWN),
                age_group=age_group(dob, detected_on, child=is_child),
                child=is_child,
                citizenship=nationality or UNKNOWN,
                form=main_form or UNKNOWN,
                scope=scope,
                origin=(recruited[0] if recruited else nationality) or UNKNOWN,
                destination=exploited[-1] if exploited else country,
                received=pk in received,
                rg_days=days.get("rg"),
                rg_met=_met(decision_deadlines.get((pk, "rg"))),
                cg_days=days.get("cg"),
                cg_met=_met(decision_deadlines.get((pk, "cg"))),
                reflection=pk in reflection or PermitKind.REFLECTION in permits.get(pk, ()),
                permit=bool(permits.get(pk, set()) - {PermitKind.REFLECTION}),
                returned=closure == ClosureReason.RETURNED,
            )
        )
    return facts


def changed_since(since: dt.datetime | None, permits_after: int) -> Iterable[int]:
    """Ids of the cases whose facts may have changed since the last refresh."""
    if since is None:
        yield from Case.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=BATCH)
        return
    seen: set[int] = set()
    sources: list[Any] = [
        Case.objects.filter(updated_at__gt=since).values_list("pk", flat=True),
        TraffickingEvent.objects.filter(created_at__gt=since).values_list("case_id", flat=True),
        Decision.objects.filter(created_at__gt=since).values_list("case_id", flat=True),
        Deadline.objects.filter(Q(created_at__gt=since) | Q(done_at__gt=since)).values_list("case_id", flat=True),
        Counterpart.objects.filter(since__gt=since).values_list("case_id", flat=True),
        ResidencePermit.objects.filter(pk__gt=permits_after).values_list("case_id", flat=True),
    ]
    for source in sources:
        for pk in source.iterator(chunk_size=BATCH):
            if pk not in seen:
                seen.add(pk)
                yield pk


def _batches(ids: Iterable[int], size: int) -> Iterable[list[int]]:
    batch: list[int] = []
    for pk in ids:
        batch.append(pk)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def update_facts(*, since: dt.datetime | None, permits_after: int) -> int:
    """Code again the cases changed since ``since`` (all of them when None); returns how many."""
    done = 0
    for batch in _batches(changed_since(since, permits_after), BATCH):
        facts = code_cases(batch)
        with transaction.atomic():
            CaseFact.objects.filter(case_id__in=batch).delete()
            CaseFact.objects.bulk_create(facts, batch_size=BATCH)
        done += len(facts)
    return done


def refresh(*, now: dt.datetime | None = None) -> Snapshot:
    """Bring the facts up to date and store a new protected snapshot of the figures."""
    from trm.statistics import exports, figures

    now = now or timezone.now()
    last = Snapshot.objects.first()
    # Rows changed while we read are caught next time: the mark is taken before reading.
    permits_through = ResidencePermit.objects.aggregate(m=Max("pk"))["m"] or 0
    update_facts(
        since=last.facts_through if last is not None else None,
        permits_after=last.permits_through if last is not None else 0,
    )
    k = settings.TRM_STATS_K
    snapshot = Snapshot.objects.create(
        computed_at=timezone.now(),
        k=k,
        facts_through=now,
        permits_through=permits_through,
        figures=figures.compute(k=k),
    )
    # The CTDC extract is made with the snapshot, from the same facts, so its export only reads.
    Extract.objects.create(snapshot=snapshot, lines=exports.ctdc_groups(k=k))
    # Keep a few, for the page's "as of"; older ones hold nothing the newest does not.
    old = Snapshot.objects.values_list("pk", flat=True)[5:]
    Snapshot.objects.filter(pk__in=list(old)).delete()
    return snapshot


def refresh_chore(now: dt.datetime) -> None:
    from trm.statistics import exports

    snapshot = refresh(now=now)
    # The worker also lays out the PDF of every year in the node's language: WeasyPrint takes
    # seconds whatever the caseload, here rather than in the first request for it.
    if snapshot.figures["years"]:
        with translation.override(settings.LANGUAGE_CODE):
            exports.report_pdf(snapshot, year=None, by=None)


def current() -> Snapshot:
    """The newest snapshot, made now if there is none yet."""
    return Snapshot.objects.first() or refresh()

"""Retention of closed cases: anonymise or delete them once the jurisdiction's period has run.

The period and the action are data (``[retention]`` in ``cases/jurisdictions/*.toml``, read
by ``deadlines.rules_for``). Open cases are never touched. Each case is handled in its own
transaction and writes one audit entry (note ``retention``) that names the case's
reference and the erased fields, never their content. Audit entries themselves are never
changed: the audit log records references, not personal data.

Anonymise erases every field-encrypted value (names, aliases, date of birth, documents,
contacts, places, narratives, notes) and the remaining free text of the case and of every
row that depends on it, and coarsens their dates to the first of the month. What statistics
count stays: status, identification state, exploitation types, nationality, citizenships,
gender, child or adult. The person's identity is erased only when none of their cases is
still kept. Delete removes the case with every row that depends on it (referrals and
transnational links included) and, with their last case, the person.

Lives in core because it reaches into every app that refers to a case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone

from trm.audit.events import Action
from trm.audit.models import AuditEvent
from trm.audit.record import record
from trm.cases.deadlines import Rules, rules_for
from trm.cases.models import Case, Person
from trm.lib.encrypted import encrypted_fields

NOTE = "retention"
# Plain (not encrypted) columns that still hold free text about the person.
PLAIN_FREE_TEXT = {
    "cases.ageassessment": ("trigger",),
    "transnational.link": ("handling_text",),
}


@dataclass(frozen=True)
class RetentionReport:
    action: str
    years: int
    closed_before: dt.datetime
    due: int
    anonymised: int = 0
    deleted: int = 0
    skipped: int = 0


def _years_before(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def _done_refs() -> models.QuerySet[Any]:
    return AuditEvent.objects.filter(object_type="cases.case", note=NOTE).values("object_ref")


def past_period(*, now: dt.datetime, rules: Rules) -> models.QuerySet[Case]:
    """Closed cases whose retention period has run (open cases never, whatever closed_at says)."""
    cutoff = _years_before(now, rules.retention_closed_case_years)
    return Case.objects.filter(closed_at__isnull=False, closed_at__lt=cutoff).exclude(
        pk__in=Case.objects.open().values("pk")
    )


def due_cases(*, now: dt.datetime, rules: Rules) -> models.QuerySet[Case]:
    """The cases past their period that retention has not handled yet."""
    return past_period(now=now, rules=rules).exclude(reference__in=_done_refs()).order_by("pk")


def _blank(field: models.Field[Any, Any]) -> Any:
    if field.has_default():
        return field.get_default()
    return None if field.null else ""


def _month(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if isinstance(value, dt.date):
        return value.replace(day=1)
    return value


def _anonymise_rows(model: type[models.Model], qs: models.QuerySet[Any]) -> set[str]:
    """Erase the free text of the rows in qs and coarsen their dates; returns the fields erased."""
    label = model._meta.label_lower
    erase = {f.name: _blank(f) for f in encrypted_fields(model)}
    for name in PLAIN_FREE_TEXT.get(label, ()):
        plain = model._meta.get_field(name)
        assert isinstance(plain, models.Field)
        erase[name] = _blank(plain)
    dates = [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateField) and f.name not in {e.name for e in encrypted_fields(model)}
    ]
    pks = list(qs.values_list("pk", flat=True))
    if not pks:
        return set()
    if erase:
        # QuerySet.update: no save(), so auto_now stamps do not record when we erased.
        model._base_manager.filter(pk__in=pks).update(**erase)
    if dates:
        for row in model._base_manager.filter(pk__in=pks).values("pk", *dates):
            changes = {name: _month(row[name]) for name in dates if row[name] is not None}
            changes = {k: v for k, v in changes.items() if v != row[k]}
            if changes:
                model._base_manager.filter(pk=row["pk"]).update(**changes)
    return set(erase) | set(dates)


def _dependents(case: Case) -> list[tuple[type[models.Model], models.QuerySet[Any]]]:
    out = []
    for rel in Case._meta.related_objects:
        if rel.one_to_many or rel.one_to_one:
            out.append((rel.related_model, rel.related_model._base_manager.filter(**{rel.field.name: case})))
    return out


def _person_kept_elsewhere(case: Case, *, rules: Rules, now: dt.datetime) -> bool:
    others = Case.objects.filter(person_id=case.person_id).exclude(pk=case.pk)
    return others.exclude(pk__in=past_period(now=now, rules=rules).values("pk")).exists()


def anonymise(case: Case, *, rules: Rules, now: dt.datetime) -> None:
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        erased = _anonymise_rows(Case, Case.objects.filter(pk=case.pk))
        for model, qs in _dependents(case):
            erased |= {f"{model._meta.model_name}.{name}" for name in _anonymise_rows(model, qs)}
        if not _person_kept_elsewhere(case, rules=rules, now=now):
            erased |= {f"person.{name}" for name in _anonymise_rows(Person, Person.objects.filter(pk=case.person_id))}
            Person.objects.filter(pk=case.person_id).update(name_index="", document_index="")
        record(None, Action.UPDATE, object_type="cases.case", object_ref=case.reference, fields=erased, note=NOTE)


def delete(case: Case, *, rules: Rules, now: dt.datetime) -> None:
    """Raises ProtectedError/RestrictedError (and changes nothing) if a row still needs the case."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        person_id, reference = case.person_id, case.reference
        for rel in Case._meta.related_objects:
            if rel.on_delete is models.PROTECT:
                rel.related_model._base_manager.filter(**{rel.field.name: case}).delete()
        case.delete()
        if not Case.objects.filter(person_id=person_id).exists():
            Person.objects.filter(pk=person_id).delete()
        record(None, Action.DELETE, object_type="cases.case", object_ref=reference, note=NOTE)


def apply(*, now: dt.datetime | None = None, rules: Rules | None = None, dry_run: bool = False) -> RetentionReport:
    now = now or timezone.now()
    rules = rules or rules_for(settings.TRM_COUNTRY)
    action = rules.retention_action
    cases = list(due_cases(now=now, rules=rules))
    report = {"anonymised": 0, "deleted": 0, "skipped": 0}
    if not dry_run:
        for case in cases:
            if action == "delete":
                try:
                    delete(case, rules=rules, now=now)
                except (ProtectedError, RestrictedError):
                    report["skipped"] += 1
                else:
                    report["deleted"] += 1
            else:
                anonymise(case, rules=rules, now=now)
                report["anonymised"] += 1
    return RetentionReport(
        action=action,
        years=rules.retention_closed_case_years,
        closed_before=_years_before(now, rules.retention_closed_case_years),
        due=len(cases),
        **report,
    )

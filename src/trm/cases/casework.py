"""Verbs of case work: detection, the route, notes, risk, support, permits and closure.

Each verb runs in one transaction, first checks its actor and the case's state
(access.check: 404, 403 or Conflict, see access.STEPS), validates with full_clean(), refuses
impossible dates and writes its audit entry (field names, never values) before returning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases import access, children, deadlines, tasks
from trm.cases.models import (
    Case,
    CaseNote,
    ClosureReason,
    Person,
    ResidencePermit,
    RiskAssessment,
    RiskType,
    SupportPlan,
    TraffickingEvent,
    new_reference,
)
from trm.lib.encrypted import blind_index
from trm.lib.refusals import Conflict
from trm.vocab.htcds import CaseStatus, MethodOfControl

NAME_PURPOSE = "cases.person.name"
DOCUMENT_PURPOSE = "cases.person.document"


def name_key(given_name: str, family_name: str) -> str:
    full = f"{given_name} {family_name}".strip()
    return blind_index(full, purpose=NAME_PURPOSE) if full else ""


def document_key(documents: Iterable[dict[str, str]]) -> str:
    """The keyed hash of the first document number (spaces and dashes ignored), or ""."""
    for doc in documents:
        number = "".join(ch for ch in str(doc.get("number", "")) if ch.isalnum())
        if number:
            return blind_index(number, purpose=DOCUMENT_PURPOSE)
    return ""


def _not_future(day: dt.date | None, field: str, message: str) -> None:
    if day is not None and day > timezone.localdate():
        raise ValidationError({field: message})


@transaction.atomic
def record_detection(
    *,
    by: Any,
    detected_on: dt.date,
    detection_country: str,
    given_name: str = "",
    family_name: str = "",
    aliases: Iterable[str] = (),
    date_of_birth: dt.date | None = None,
    age_uncertain: bool = False,
    presumed_minor: bool = False,
    gender: str = "NonSpecifiedUnknown",
    citizenships: Iterable[str] = (),
    languages: Iterable[str] = (),
    documents: Iterable[dict[str, str]] = (),
    contacts: Iterable[dict[str, str]] = (),
    detection_place: str = "",
    narrative: str = "",
    asylum_seeker: bool = False,
    migration_status: str = "",
    reference_prefix: str | None = None,
) -> Case:
    """Record a possible victim: the person and their case, owned by the recorder's organisation."""
    if not by.can(Cap.CREATE_CASE):
        raise PermissionDenied(_("You may not record detections."))
    if by.organisation_id is None:
        raise ValidationError(_("Your account belongs to no organisation."))
    _not_future(detected_on, "detected_on", _("The detection cannot be in the future."))
    _not_future(date_of_birth, "date_of_birth", _("The date of birth cannot be in the future."))
    if date_of_birth is not None and date_of_birth > detected_on:
        raise ValidationError({"date_of_birth": _("The date of birth cannot be after the detection.")})
    from django.conf import settings

    from trm.cases import migrants

    migration_status = migrants.status_for_detection(migration_status=migration_status, asylum_seeker=asylum_seeker)
    person = Person(
        reference=new_reference("P"),
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        aliases=[a.strip() for a in aliases if a.strip()],
        date_of_birth=date_of_birth,
        age_uncertain=age_uncertain,
        gender=gender,
        citizenships=list(dict.fromkeys(citizenships)),
        languages=list(dict.fromkeys(languages)),
        documents=list(documents),
        contacts=list(contacts),
        name_index=name_key(given_name, family_name),
    )
    person.document_index = document_key(person.documents)
    person.full_clean()
    person.save()
    case = Case(
        reference=new_reference(reference_prefix or settings.TRM_COUNTRY),
        person=person,
        owner_org_id=by.organisation_id,
        owner=by,
        created_by=by,
        detected_on=detected_on,
        detection_country=detection_country,
        detection_place=detection_place,
        narrative=narrative,
        nationality=person.citizenships[0] if person.citizenships else "",
        asylum_seeker=migrants.is_protected(migration_status),
        migration_status=migration_status,
        presumed_minor=bool(age_uncertain and presumed_minor),
    )
    case.is_child = children.is_minor(person, on=detected_on, presumed=case.presumed_minor)
    case.full_clean()
    case.save()
    if case.is_child:
        children.become_child_case(case)
    record(by, Action.CREATE, case, fields=["person", "case"], note="detection")
    return case


@transaction.atomic
def update_person(case: Case, *, by: Any, **changes: Any) -> Person:
    """Correct the person's details (names, aliases, date of birth, languages ...)."""
    access.check("update_person", by, case)
    allowed = {
        "given_name",
        "family_name",
        "aliases",
        "date_of_birth",
        "gender",
        "citizenships",
        "languages",
        "documents",
        "contacts",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These details cannot be changed here."))
    person = case.person
    for key, value in changes.items():
        setattr(person, key, value)
    dob = changes.get("date_of_birth")
    if dob is not None and dob > case.detected_on:
        raise ValidationError({"date_of_birth": _("The date of birth cannot be after the detection.")})
    person.name_index = name_key(person.given_name, person.family_name)
    person.document_index = document_key(person.documents)
    person.full_clean()
    person.save(update_fields=[*changes, "name_index", "document_index"])
    if "citizenships" in changes:
        case.nationality = person.citizenships[0] if person.citizenships else ""
        case.save(update_fields=["nationality", "updated_at"])
    record(by, Action.UPDATE, case, fields=sorted(changes), note="person updated")
    return person


@transaction.atomic
def add_event(
    case: Case,
    *,
    by: Any,
    type: str,
    country: str,
    place: str = "",
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    sector_isic: str = "",
    exploitation_type: str = "",
    methods_of_control: Iterable[str] = (),
    recruitment_method: str = "",
    relationship_to_trafficker: str = "",
) -> TraffickingEvent:
    """Add one stage of the route (recruitment, transit or exploitation)."""
    access.check("add_event", by, case)
    _not_future(start_date, "start_date", _("This stage cannot start in the future."))
    _not_future(end_date, "end_date", _("This stage cannot end in the future."))
    if start_date and end_date and end_date < start_date:
        raise ValidationError({"end_date": _("The end cannot be before the start.")})
    dob = case.person.date_of_birth
    if dob is not None and start_date is not None and start_date < dob:
        raise ValidationError({"start_date": _("This stage cannot be before the person's birth.")})
    methods = list(dict.fromkeys(methods_of_control))
    if any(m not in MethodOfControl.values for m in methods):
        raise ValidationError({"methods_of_control": _("Unknown method of control.")})
    if sector_isic and not (sector_isic[0].isalpha() and sector_isic[1:].isdigit()):
        raise ValidationError({"sector_isic": _("Give an ISIC Rev. 4 code, e.g. A, A01 or C1410.")})
    event = TraffickingEvent(
        case=case,
        type=type,
        country=country,
        place=place,
        start_date=start_date,
        end_date=end_date,
        sector_isic=sector_isic.upper(),
        exploitation_type=exploitation_type,
        methods_of_control=methods,
        recruitment_method=recruitment_method,
        relationship_to_trafficker=relationship_to_trafficker,
        recorded_by=by,
    )
    event.full_clean()
    event.save()
    forms = sorted({e for e in case.events.values_list("exploitation_type", flat=True) if e})
    case.exploitation_types = "|".join(["", *forms, ""]) if forms else ""
    case.save(update_fields=["exploitation_types", "updated_at"])
    record(by, Action.CREATE, case, fields=["trafficking_event"], note=f"event: {type}")
    return event


@transaction.atomic
def add_note(case: Case, *, by: Any, text: str) -> CaseNote:
    access.check("add_note", by, case)
    if not text.strip():
        raise ValidationError({"text": _("Write the note.")})
    note = CaseNote(case=case, text=text.strip(), author=by)
    note.full_clean()
    note.save()
    record(by, Action.CREATE, case, fields=["note"], note="note")
    return note


@transaction.atomic
def record_risk_assessment(
    case: Case,
    *,
    by: Any,
    level: str,
    assessed_on: dt.date,
    kind: str = "individual",
    risks: Iterable[str] = (),
    country: str = "",
    measures: str = "",
) -> RiskAssessment:
    access.check("record_risk_assessment", by, case)
    _not_future(assessed_on, "assessed_on", _("The assessment cannot be in the future."))
    risks = list(dict.fromkeys(risks))
    if any(r not in RiskType.values for r in risks):
        raise ValidationError({"risks": _("Unknown risk.")})
    rules = tasks.rules()
    item = RiskAssessment(
        case=case,
        kind=kind,
        level=level,
        risks=risks,
        country=country,
        assessed_on=assessed_on,
        next_review_on=deadlines.due_date(deadlines.RISK_REVIEW, start=assessed_on, rules=rules),
        measures=measures,
        recorded_by=by,
    )
    item.full_clean()
    item.save()
    tasks.open_deadline(
        case, deadlines.RISK_REVIEW, start=assessed_on, due_on=item.next_review_on, assigned_org=case.owner_org
    )
    record(by, Action.CREATE, case, fields=["risk_assessment"], note=f"risk assessment: {kind}")
    return item


@transaction.atomic
def record_support_plan(
    case: Case,
    *,
    by: Any,
    type: str,
    starts_on: dt.date,
    review_on: dt.date | None = None,
    provider: Any = None,
    goals: str = "",
    status: str = "planned",
) -> SupportPlan:
    access.check("record_support_plan", by, case)
    if review_on is not None and review_on < starts_on:
        raise ValidationError({"review_on": _("The review cannot be before the start.")})
    item = SupportPlan(
        case=case,
        type=type,
        starts_on=starts_on,
        review_on=review_on,
        provider=provider,
        goals=goals,
        status=status,
        recorded_by=by,
    )
    item.full_clean()
    item.save()
    tasks.sync_support_review(case)
    record(by, Action.CREATE, case, fields=["support_plan"], note=f"support plan: {type}")
    return item


@transaction.atomic
def record_permit(
    case: Case, *, by: Any, kind: str, issued_on: dt.date, valid_until: dt.date | None = None, number: str = ""
) -> ResidencePermit:
    access.check("record_permit", by, case)
    _not_future(issued_on, "issued_on", _("A permit cannot be issued in the future."))
    rules = tasks.rules()
    until = valid_until or deadlines.due_date(deadlines.RESIDENCE_PERMIT, start=issued_on, rules=rules)
    item = ResidencePermit(case=case, kind=kind, issued_on=issued_on, valid_until=until, number=number, recorded_by=by)
    item.full_clean()
    item.save()
    tasks.open_deadline(case, deadlines.RESIDENCE_PERMIT, start=issued_on, due_on=until, assigned_org=case.owner_org)
    record(by, Action.CREATE, case, fields=["residence_permit"], note=f"permit: {kind}")
    return item


@transaction.atomic
def assign_owner(case: Case, *, owner: Any, by: Any) -> Case:
    """Make a member of the owning or competent organisation the case owner."""
    access.check("assign_owner", by, case)
    if owner.organisation_id not in (case.owner_org_id, case.routed_to_org_id) or not owner.can(Cap.SEE_CASE_DATA):
        raise ValidationError(
            {"owner": _("The case owner must work on cases at the owning or competent organisation.")}
        )
    case.owner = owner
    case.save(update_fields=["owner", "updated_at"])
    record(by, Action.UPDATE, case, fields=["owner"], note="owner assigned")
    return case


@transaction.atomic
def set_follow_up(case: Case, *, by: Any) -> Case:
    access.check("set_follow_up", by, case)
    case.status = CaseStatus.FOLLOW_UP
    case.save(update_fields=["status", "updated_at"])
    record(by, Action.UPDATE, case, fields=["status"], note="follow-up")
    return case


@transaction.atomic
def close(case: Case, *, by: Any, reason: str) -> Case:
    """Close the case. A child is not closed as returned without the return safeguards."""
    case = Case.objects.select_for_update(of=("self",)).select_related("person").get(pk=case.pk)
    access.check("close", by, case)
    if reason not in ClosureReason.values:
        raise ValidationError({"reason": _("Choose a closure reason.")})
    if reason == ClosureReason.RETURNED:
        missing = children.return_blockers(case)
        if missing:
            raise Conflict(
                {
                    "reason": _("A child's case cannot be closed as returned without %(missing)s.")
                    % {"missing": _(" and ").join(str(m) for m in missing)}
                }
            )
    case.status = CaseStatus.CLOSED_REFERRED if reason == ClosureReason.TRANSFERRED else CaseStatus.CLOSED
    case.closure_reason = reason
    case.closed_at = timezone.now()
    case.full_clean()
    case.save(update_fields=["status", "closure_reason", "closed_at", "updated_at"])
    tasks.complete_all(case)
    record(by, Action.UPDATE, case, fields=["status", "closure_reason"], note=f"closed: {reason}")
    return case

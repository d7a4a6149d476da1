"""Field sets: what a provider may read for a service, as data, and the projection built from them.

SOP 1 M1.4 step 2: send only the information needed for the planned service; information
about risks to life or safety is always shared, so every set carries the risk level.
Health information goes only to the sets that name it, and only when the consent the
referral relies on explicitly covers health data (consent scope contains ``"health"``).

The first half of this module is pure (no database): FIELDS, FIELD_SETS, fields_for().
``project(referral)`` reads the case at the moment of reading and returns only the
fields of the set: the provider-facing pages, API and PDF render a Projection, never a Case,
so an unshared field cannot reach them by construction.

To add a field set: add an entry to FIELD_SETS (and, for a new field, to FIELDS and to
_EXTRACTORS), then test that project() returns exactly its fields (tests/referrals/test_fieldsets.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from trm.cases.models import Case, Person, RiskAssessment
    from trm.referrals.models import Referral

# What a shared field holds: JSON-ready, never a model instance.
SharedValue: TypeAlias = "str | bool | list[str] | None"

# The consent scope item that allows health information to be shared.
HEALTH_SCOPE = "health"
HEALTH_FIELDS = frozenset({"health_notes"})

# Every field a provider could ever be shown, with its label.
FIELDS: dict[str, Promise] = {
    "pseudonym": _("Pseudonym"),
    "given_name": _("Given name"),
    "family_name": _("Family name"),
    "date_of_birth": _("Date of birth"),
    "age_band": _("Age band"),
    "sex": _("Sex / gender"),
    "languages": _("Languages"),
    "citizenships": _("Citizenship"),
    "is_child": _("Child"),
    "risk_level": _("Risk level (safety)"),
    "needs": _("Needs and special needs"),
    "health_notes": _("Health information"),
    "identification_status": _("Identification status"),
    "exploitation_forms": _("Forms of exploitation"),
    "events_summary": _("Route (stages, countries, dates)"),
    "asylum_seeker": _("Applicant for international protection"),
    "residence_status": _("Residence permit"),
    "migration_status": _("Migration status"),
    "route_met": _("Met on the route (countries, kinds of place, months)"),
}


@dataclass(frozen=True)
class FieldSet:
    label: Promise
    services: frozenset[str]
    fields: tuple[str, ...]


ALL_SERVICES = frozenset(
    {"shelter", "medical", "psychological", "legal", "interpretation", "education", "employment", "financial", "asylum"}
)
_BASE = ("is_child", "risk_level", "needs")

FIELD_SETS: dict[str, FieldSet] = {
    "minimal": FieldSet(
        _("Minimal (no name): first contact about a place or a service"),
        ALL_SERVICES,
        ("pseudonym", "age_band", "sex", "languages", *_BASE),
    ),
    "shelter": FieldSet(
        _("Shelter"),
        frozenset({"shelter"}),
        ("pseudonym", "given_name", "age_band", "sex", "languages", *_BASE),
    ),
    "medical": FieldSet(
        _("Medical care (health information only with explicit consent)"),
        frozenset({"medical"}),
        ("given_name", "family_name", "date_of_birth", "sex", "languages", *_BASE, "health_notes"),
    ),
    "psychological": FieldSet(
        _("Psychological support (health information only with explicit consent)"),
        frozenset({"psychological"}),
        ("given_name", "age_band", "sex", "languages", *_BASE, "exploitation_forms", "health_notes"),
    ),
    "legal_aid": FieldSet(
        _("Legal aid (with a summary of the route)"),
        frozenset({"legal"}),
        (
            "given_name",
            "family_name",
            "date_of_birth",
            "citizenships",
            "languages",
            *_BASE,
            "identification_status",
            "exploitation_forms",
            "events_summary",
            "asylum_seeker",
            "residence_status",
        ),
    ),
    "interpretation": FieldSet(
        _("Interpretation"),
        frozenset({"interpretation"}),
        ("pseudonym", "sex", "languages", *_BASE),
    ),
    "education": FieldSet(
        _("Education and training"),
        frozenset({"education"}),
        ("given_name", "age_band", "sex", "languages", *_BASE),
    ),
    "employment": FieldSet(
        _("Employment support"),
        frozenset({"employment"}),
        ("given_name", "family_name", "age_band", "citizenships", "languages", *_BASE, "residence_status"),
    ),
    "financial": FieldSet(
        _("Financial support"),
        frozenset({"financial"}),
        ("given_name", "family_name", "date_of_birth", "citizenships", *_BASE, "identification_status"),
    ),
    # The asylum authority registers the application: identity, nationality, the route and
    # what protection the person already has; the trafficking file only as its status.
    "asylum": FieldSet(
        _("Asylum authority (identity, migration status and the route)"),
        frozenset({"asylum"}),
        (
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "citizenships",
            "languages",
            *_BASE,
            "identification_status",
            "migration_status",
            "route_met",
            "events_summary",
            "asylum_seeker",
        ),
    ),
}


class FieldSetError(ValueError):
    """A field set is unknown or does not fit the service (the message names no person)."""


def field_sets_for(service: str) -> list[str]:
    """The field sets a worker may choose for this service: the specific ones first."""
    fitting = [k for k, fs in FIELD_SETS.items() if service in fs.services]
    return sorted(fitting, key=lambda k: (len(FIELD_SETS[k].services) > 1, k))


def check(field_set: str, service: str) -> FieldSet:
    found = FIELD_SETS.get(field_set)
    if found is None:
        raise FieldSetError("unknown field set")
    if service not in found.services:
        raise FieldSetError("field set does not fit the service")
    return found


def fields_for(field_set: str, *, health_consent: bool) -> tuple[str, ...]:
    """The fields shared by a set; health fields only with explicit consent to share them."""
    found = FIELD_SETS.get(field_set)
    if found is None:
        return ()
    return tuple(f for f in found.fields if health_consent or f not in HEALTH_FIELDS)


def may_include_health(field_set: str) -> bool:
    found = FIELD_SETS.get(field_set)
    return found is not None and bool(HEALTH_FIELDS & set(found.fields))


AGE_BANDS = ((0, 8), (9, 17), (18, 20), (21, 23), (24, 26), (27, 29), (30, 38), (39, 47))


def age_band(age: int | None, *, is_child: bool) -> str:
    """CTDC's broad age bands; unknown ages of (presumed) children say so."""
    if age is None:
        return str(_("under 18 (age not established)")) if is_child else str(_("not known"))
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}–{high}"
    return "48+"


# ------------------------------------------------------------------------------------------
# Projection (reads the database)


@dataclass(frozen=True)
class SharedField:
    key: str
    label: str
    value: SharedValue


@dataclass(frozen=True)
class Projection:
    reference: str
    field_set: str
    fields: tuple[SharedField, ...]

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.fields]

    def as_dict(self) -> dict[str, Any]:
        return {f.key: f.value for f in self.fields}

    def get(self, key: str) -> SharedField | None:
        return next((f for f in self.fields if f.key == key), None)


def _latest_risk(case: Case) -> RiskAssessment | None:
    return case.risk_assessments.order_by("-assessed_on", "-id").first()


def _risk_level(referral: Referral, case: Case, person: Person) -> str:
    risk = _latest_risk(case)
    return str(risk.get_level_display()) if risk is not None else str(_("Not assessed"))


def _age_band(referral: Referral, case: Case, person: Person) -> str:
    return age_band(person.age_on(_today()), is_child=case.is_child)


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


def _events(referral: Referral, case: Case, person: Person) -> list[str]:
    out = []
    for e in case.events.all():
        when = e.start_date.strftime("%Y-%m") if e.start_date else "—"
        form = f" · {e.get_exploitation_type_display()}" if e.exploitation_type else ""
        out.append(f"{e.get_type_display()}: {e.get_country_display()} ({when}){form}")
    return out


def _exploitation(referral: Referral, case: Case, person: Person) -> list[str]:
    from trm.vocab.htcds import ExploitationType

    labels = dict(ExploitationType.choices)
    return [str(labels.get(x, x)) for x in case.exploitation_list()]


def _permit(referral: Referral, case: Case, person: Person) -> str:
    permit = case.permits.order_by("-issued_on", "-id").first()
    if permit is None:
        return str(_("None recorded"))
    return str(_("%(kind)s, valid until %(day)s") % {"kind": permit.get_kind_display(), "day": permit.valid_until})


def _languages(referral: Referral, case: Case, person: Person) -> list[str]:
    from trm.vocab.countries import language_names

    names = language_names()
    return [names.get(code, code) for code in person.languages]


def _migration_status(referral: Referral, case: Case, person: Person) -> str:
    return str(case.get_migration_status_display())


def _route_met(referral: Referral, case: Case, person: Person) -> list[str]:
    return [
        f"{m.get_country_display()} · {m.get_place_type_display()} ({m.met_on.strftime('%Y-%m')})"
        for m in case.route_encounters.all()
    ]


_EXTRACTORS: dict[str, Callable[[Referral, Case, Person], SharedValue]] = {
    "pseudonym": lambda r, c, p: str(_("Person %(ref)s") % {"ref": r.reference}),
    "given_name": lambda r, c, p: p.given_name or None,
    "family_name": lambda r, c, p: p.family_name or None,
    "date_of_birth": lambda r, c, p: p.date_of_birth.isoformat() if p.date_of_birth else None,
    "age_band": _age_band,
    "sex": lambda r, c, p: str(p.get_gender_display()),
    "languages": _languages,
    "citizenships": lambda r, c, p: list(p.citizenships),
    "is_child": lambda r, c, p: bool(c.is_child),
    "risk_level": _risk_level,
    "needs": lambda r, c, p: r.needs or None,
    "health_notes": lambda r, c, p: r.health_notes or None,
    "identification_status": lambda r, c, p: str(c.get_state_display()),
    "exploitation_forms": _exploitation,
    "events_summary": _events,
    "asylum_seeker": lambda r, c, p: bool(c.asylum_seeker),
    "residence_status": _permit,
    "migration_status": _migration_status,
    "route_met": _route_met,
}


def health_consented(referral: Referral) -> bool:
    consent = getattr(referral, "consent", None)
    return consent is not None and HEALTH_SCOPE in (consent.scope or [])


def shared_keys(referral: Referral) -> tuple[str, ...]:
    return fields_for(referral.field_set, health_consent=health_consented(referral))


def project(referral: Referral) -> Projection:
    """The fields of the referral's set, read now from the case; nothing else."""
    case = referral.case
    person = case.person
    fields = tuple(
        SharedField(key, str(FIELDS[key]), _EXTRACTORS[key](referral, case, person)) for key in shared_keys(referral)
    )
    return Projection(reference=referral.reference, field_set=referral.field_set, fields=fields)

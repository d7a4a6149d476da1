"""Synthetic cases for demos and benchmarks (Faker, seeded: the same cases every time).

``seed_cases(n, seed=...)`` builds realistic cases through the verb functions, so that every
case has its screening, decisions, deadlines, consents and audit entries, as in real use.
``bulk_cases(n, seed=...)`` writes many plain cases with bulk inserts (for benchmarks at
100,000 cases): persons with encrypted names, one route stage each, and open deadlines.
No value here belongs to a real person.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any, cast

from django.conf import settings
from django.utils import timezone
from faker import Faker

from trm.accounts.models import User
from trm.accounts.roles import Role
from trm.cases import casework, children, consent, deadlines, identification, migrants, protection, scoring, screening
from trm.cases.models import Case, Deadline, IdentificationState, Person, TraffickingEvent
from trm.demo.synthetic import FAKER_LOCALES
from trm.vocab.htcds import ExploitationType, Gender, MethodOfControl, MethodOfRecruitment, RelationshipToTrafficker

# Countries of origin seen in the region's referral mechanisms, with rough weights.
ORIGINS = [
    ("MD", 10), ("RO", 10), ("BG", 9), ("UA", 9), ("AL", 7), ("RS", 6), ("BA", 4), ("MK", 4), ("XK", 3),
    ("HU", 3), ("NG", 6), ("VN", 4), ("CN", 2), ("PK", 2), ("AF", 3), ("SY", 2), ("MA", 2), ("SE", 3),
]  # fmt: skip
LANGUAGE_OF = {
    "MD": "ro", "RO": "ro", "BG": "bg", "UA": "uk", "AL": "sq", "RS": "sr", "BA": "bs", "MK": "mk", "XK": "sq",
    "HU": "hu", "NG": "en", "VN": "vi", "CN": "zh", "PK": "ur", "AF": "ps", "SY": "ar", "MA": "ar", "SE": "sv",
}  # fmt: skip
TRANSIT = ["RO", "HU", "RS", "AT", "DE", "PL", "IT", "GR", "TR", "MK"]
FORMS = [
    (ExploitationType.SEXUAL, 35), (ExploitationType.FORCED_LABOUR, 30), (ExploitationType.FORCED_BEGGING, 8),
    (ExploitationType.CRIMINAL_ACTIVITIES, 8), (ExploitationType.SERVITUDE, 5), (ExploitationType.FORCED_MARRIAGE, 5),
    (ExploitationType.CHILD_LABOUR, 3), (ExploitationType.FORCED_ADOPTION, 2), (ExploitationType.SURROGACY, 2),
    (ExploitationType.ORGAN_REMOVAL, 1), (ExploitationType.OTHER, 1),
]  # fmt: skip
SECTORS = {
    ExploitationType.FORCED_LABOUR: ["A01", "F41", "C14", "I56", "N81"],
    ExploitationType.SEXUAL: ["S96"],
    ExploitationType.FORCED_BEGGING: ["S96"],
    ExploitationType.SERVITUDE: ["T97"],
    ExploitationType.CHILD_LABOUR: ["A01", "G47"],
}
PLACES = ["bus station", "border crossing", "farm", "construction site", "apartment", "car wash", "market",
          "hotel", "port", "restaurant", "street", "nail bar"]  # fmt: skip
# Where generated cases end up in the identification procedure.
PATHS = [("detected", 8), ("screened", 10), ("anonymous", 4), ("rg_pending", 20), ("rg_negative", 5),
         ("rg_positive", 33), ("identified", 15), ("closed", 5)]  # fmt: skip


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, int]]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


_fakers: dict[str, Faker] = {}


def _faker(country: str, seed: int) -> Faker:
    locale = FAKER_LOCALES.get(country, "en_GB")
    if locale not in _fakers:
        _fakers[locale] = Faker(locale)
    fake = _fakers[locale]
    fake.seed_instance(seed)
    return fake


def _names(rng: random.Random, country: str, gender: str) -> tuple[str, str]:
    fake = _faker(country, rng.randrange(1 << 30))
    if gender == Gender.FEMININE:
        return fake.first_name_female(), fake.last_name()
    return fake.first_name_male(), fake.last_name()


def _staff(role: Role) -> User | None:
    return User.objects.filter(groups__name=role.value, is_active=True).order_by("pk").first()


def _person_data(rng: random.Random, today: dt.date) -> dict[str, Any]:
    origin = _pick(rng, ORIGINS)
    child = rng.random() < 0.3
    gender = Gender.FEMININE if rng.random() < 0.68 else Gender.MASCULINE
    given, family = _names(rng, origin, gender)
    detected = today - dt.timedelta(days=rng.randrange(2, 45))
    age = rng.randrange(12, 18) if child else rng.randrange(18, 55)
    dob = detected - dt.timedelta(days=age * 365 + rng.randrange(0, 360))
    uncertain = child and rng.random() < 0.2
    return {
        "origin": origin,
        "given_name": given,
        "family_name": family,
        "gender": gender,
        "date_of_birth": None if uncertain else dob,
        "age_uncertain": uncertain,
        "presumed_minor": uncertain,
        "citizenships": [origin],
        "languages": [LANGUAGE_OF.get(origin, "en")],
        "detected_on": detected,
        "detection_place": rng.choice(PLACES),
    }


def seed_cases(n: int, *, seed: int = 1, country: str | None = None) -> list[Case]:
    """Create n realistic cases through the verb functions, using the node's demo staff."""
    country = country or settings.TRM_COUNTRY
    responder = _staff(Role.FIRST_RESPONDER) or _staff(Role.FOCAL_POINT)
    authority = _staff(Role.COMPETENT_AUTHORITY)
    focal = _staff(Role.FOCAL_POINT)
    guardian = _staff(Role.GUARDIAN)
    if responder is None or authority is None or authority.organisation is None or focal is None:
        raise RuntimeError(
            "seed_cases needs a first responder (or focal point), a competent authority and a focal point"
        )
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security  # nosec B311
    # A stream of its own, so that the route and care details leave the other draws as they were.
    moves = random.Random(seed + 1)  # noqa: S311 - synthetic data, not security  # nosec B311
    today = timezone.localdate()
    made = []
    for _ in range(n):
        data = _person_data(rng, today)
        origin = data.pop("origin")
        case = casework.record_detection(
            by=responder,
            detection_country=country,
            narrative="Synthetic case for demonstration.",
            **data,
        )
        form = _pick(rng, FORMS)
        recruited = case.detected_on - dt.timedelta(days=rng.randrange(60, 700))
        casework.add_event(
            case,
            by=responder,
            type="Recruitment",
            country=origin,
            start_date=max(recruited, case.person.date_of_birth or recruited),
            recruitment_method=rng.choice(MethodOfRecruitment.values),
            relationship_to_trafficker=rng.choice(RelationshipToTrafficker.values),
        )
        if origin != country and rng.random() < 0.6:
            casework.add_event(case, by=responder, type="Transit", country=rng.choice(TRANSIT))
        if origin != country:
            _on_the_move(case, rng=moves, by=responder)
        casework.add_event(
            case,
            by=responder,
            type="Exploitation",
            country=country,
            start_date=min(case.detected_on, recruited + dt.timedelta(days=rng.randrange(10, 60))),
            exploitation_type=form,
            sector_isic=rng.choice(SECTORS.get(form, [""])),
            methods_of_control=rng.sample(MethodOfControl.values[:-1], k=rng.randrange(1, 4)),
        )
        _advance(
            case,
            _pick(rng, PATHS),
            rng=rng,
            responder=responder,
            authority=authority,
            focal=focal,
            guardian=guardian,
            today=today,
        )
        made.append(case)
    return made


ROUTE_PLACES = ["border_crossing", "reception_centre", "transit_centre", "informal_camp", "transport_hub"]


def _on_the_move(case: Case, *, rng: random.Random, by: Any) -> None:
    """A migrant's status and where on the route they were met; a child's travelling status and care."""
    status = rng.choice(["irregular", "irregular", "applicant", "unknown", "other"])
    if status != case.migration_status and not case.asylum_seeker:
        migrants.set_migration_status(case, by=by, status=status, since=case.detected_on)
    if rng.random() < 0.5:
        migrants.record_route_encounter(
            case, by=by, country=rng.choice(TRANSIT), place_type=rng.choice(ROUTE_PLACES), met_on=case.detected_on
        )
    if not case.is_child:
        return
    protection.set_child_status(case, status=rng.choice(["unaccompanied", "unaccompanied", "separated"]), by=by)
    if rng.random() < 0.6:
        protection.place_child(
            case, by=by, type=rng.choice(["uasc_reception", "specialised_shelter", "foster_family"]),
            place="Synthetic placement", starts_on=case.detected_on,
        )  # fmt: skip


def _hits(rng: random.Random, case: Case, *, strong: bool) -> tuple[str, list[str]]:
    set_key = screening.default_set_for(case)
    indicator_set = scoring.get_set(set_key)
    hits: list[str] = []
    for dim in indicator_set.dimensions:
        k = 2 if strong else rng.randrange(0, 2)
        hits.extend(i.id for i in rng.sample(dim.indicators, k=min(k, len(dim.indicators))))
    return set_key, hits


def _advance(
    case: Case,
    path: str,
    *,
    rng: random.Random,
    responder: Any,
    authority: Any,
    focal: Any,
    guardian: Any,
    today: dt.date,
) -> None:
    if path == "detected":
        return
    set_key, hits = _hits(rng, case, strong=path not in ("screened", "anonymous", "rg_negative"))
    screening.record_screening(case, set_key=set_key, hits=hits, by=responder, interpreter_used=rng.random() < 0.7)
    case.refresh_from_db()
    if path == "screened":
        return
    if path == "anonymous" and not case.is_child:
        identification.notify_anonymously(case, by=responder)
        return
    org = authority.organisation
    language = case.person.languages[0] if case.person.languages else "en"
    if not case.is_child:
        consent.give(
            case,
            purpose="identification",
            language=language,
            by=responder,
            recipients=[org],
            interpreter=rng.random() < 0.7,
        )
        consent.give(case, purpose="assistance", language=language, by=responder)
    span = max(0, (today - case.detected_on).days)
    referred_on = case.detected_on + dt.timedelta(days=min(span, rng.randrange(0, 4)))
    identification.refer(case, to=org, by=responder, decided_on=referred_on)
    if path in ("rg_pending", "anonymous"):
        return
    decided_on = referred_on + dt.timedelta(days=min((today - referred_on).days, rng.randrange(1, 9)))
    event = identification.RG_NEGATIVE if path == "rg_negative" else identification.RG_POSITIVE
    identification.decide(case, event=event, by=authority, decided_on=decided_on, reasons="Synthetic reasons.")
    if case.is_child and guardian is not None and rng.random() < 0.6:
        children.appoint_guardian(case, guardian=guardian, by=focal, appointed_on=decided_on)
    if path in ("rg_positive", "rg_negative"):
        if path == "rg_positive" and rng.random() < 0.5:
            casework.record_risk_assessment(
                case,
                by=focal,
                level=rng.choice(["low", "medium", "high"]),
                assessed_on=decided_on,
                risks=["re_trafficking"],
            )
        return
    cg_on = decided_on + dt.timedelta(days=min((today - decided_on).days, rng.randrange(5, 40)))
    identification.decide(case, event=identification.CG_POSITIVE, by=authority, decided_on=cg_on)
    casework.record_support_plan(
        case, by=focal, type=rng.choice(["Health", "Legal", "SocialCare", "Livelihood"]), starts_on=cg_on
    )
    if path == "closed":
        casework.close(case, by=focal, reason="recovered")


# ------------------------------------------------------------------------------------------
# Bulk (benchmarks)


def bulk_cases(
    n: int, *, seed: int = 1, owner_org: Any, created_by: Any, routed_to_org: Any = None, batch: int = 2000
) -> int:
    """Insert n plain cases quickly (no audit, no decisions): for measuring the list at scale."""
    from trm.lib.encrypted import blind_index

    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security  # nosec B311
    today = timezone.localdate()
    now = timezone.now()
    states = [s for s, _w in PATHS if s in IdentificationState.values]
    # References cannot collide: a counter goes through a bijection of the 40-bit reference space
    # (odd multipliers and xor-shifts, each invertible mod 2**40), so one call never repeats one, and
    # each batch is checked against the references already stored by earlier calls.
    alphabet, mask = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ", (1 << 40) - 1
    mul1, mul2 = rng.randrange(1 << 39) * 2 + 1, rng.randrange(1 << 39) * 2 + 1
    counter = [rng.randrange(1 << 40)]

    def draw(prefix: str) -> str:
        x = counter[0] = (counter[0] + 1) & mask
        x = (x * mul1) & mask
        x ^= x >> 19
        x = (x * mul2) & mask
        x ^= x >> 21
        body = "".join(alphabet[(x >> (5 * i)) & 31] for i in range(8))
        return f"{prefix}-{body[:4]}-{body[4:]}"

    def fresh(model: Any, prefix: str, size: int) -> list[str]:
        refs = [draw(prefix) for _ in range(size)]
        while taken := set(model.objects.filter(reference__in=refs).values_list("reference", flat=True)):
            refs = [draw(prefix) if r in taken else r for r in refs]
        return refs

    rules = deadlines.rules_for(settings.TRM_COUNTRY)
    made = 0
    while made < n:
        size = min(batch, n - made)
        persons, cases = [], []
        person_refs, case_refs = fresh(Person, "P", size), fresh(Case, settings.TRM_COUNTRY, size)
        for i in range(size):
            data = _person_data(rng, today)
            persons.append(
                Person(
                    reference=person_refs[i],
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    date_of_birth=data["date_of_birth"],
                    age_uncertain=data["age_uncertain"],
                    gender=data["gender"],
                    citizenships=data["citizenships"],
                    languages=data["languages"],
                    name_index=blind_index(
                        f"{data['given_name']} {data['family_name']}", purpose=casework.NAME_PURPOSE
                    ),
                )
            )
        Person.objects.bulk_create(persons, batch_size=batch)
        # The stubs type pk as an int; it stays None where the backend returns no ids.
        if cast("int | None", persons[0].pk) is None:
            refs = [p.reference for p in persons]
            ids = dict(Person.objects.filter(reference__in=refs).values_list("reference", "pk"))
            for p in persons:
                p.pk = ids[p.reference]
        forms = []
        for person, case_ref in zip(persons, case_refs, strict=True):
            state = rng.choice(states)
            form = _pick(rng, FORMS)
            forms.append(form)
            detected = today - dt.timedelta(days=rng.randrange(2, 900))
            is_child = person.date_of_birth is None or (detected - person.date_of_birth).days < 18 * 365
            referred = state not in ("detected", "screened", "anonymous")
            due = None
            if state == "rg_pending":
                due = deadlines.add_working_days(detected, rules.rg_decision_working_days, rules=rules)
            elif state == "rg_positive":
                due = detected + dt.timedelta(days=rules.reflection_period_days + rng.randrange(0, 10))
            cases.append(
                Case(
                    reference=case_ref,
                    person=person,
                    owner_org=owner_org,
                    created_by=created_by,
                    routed_to_org=routed_to_org if referred else None,
                    referred_at=now if referred else None,
                    state=state,
                    status="Active" if rng.random() < 0.8 else "Closed",
                    detected_on=detected,
                    detection_country=settings.TRM_COUNTRY,
                    is_child=is_child,
                    nationality=person.citizenships[0],
                    exploitation_types=f"|{form}|",
                    next_deadline=due,
                )
            )
        Case.objects.bulk_create(cases, batch_size=batch)
        if cast("int | None", cases[0].pk) is None:
            ids = dict(Case.objects.filter(reference__in=[c.reference for c in cases]).values_list("reference", "pk"))
            for c in cases:
                c.pk = ids[c.reference]
        TraffickingEvent.objects.bulk_create(
            [
                TraffickingEvent(
                    case=c,
                    type="Exploitation",
                    country=settings.TRM_COUNTRY,
                    exploitation_type=f,
                    recorded_by=created_by,
                )
                for c, f in zip(cases, forms, strict=True)
            ],
            batch_size=batch,
        )
        Deadline.objects.bulk_create(
            [
                Deadline(
                    case=c,
                    kind=deadlines.REFLECTION_END if c.state == "rg_positive" else deadlines.RG_DECISION,
                    starts_on=c.detected_on,
                    due_on=c.next_deadline,
                    assigned_org=routed_to_org,
                )
                for c in cases
                if c.next_deadline is not None
            ],
            batch_size=batch,
        )
        made += size
    return made

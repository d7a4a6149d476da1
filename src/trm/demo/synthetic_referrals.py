"""Synthetic directory entries and a couple of referrals for a demo node (seeded: the same every time).

Runs after demo.synthetic.seed_staff, whose organisations and accounts it uses. Idempotent:
entries are created once; the demo referrals only when the node has none yet.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from faker import Faker

from trm.accounts.models import Organisation, User
from trm.cases import consent
from trm.cases.models import Case
from trm.demo.synthetic import FAKER_LOCALES, organisations_for
from trm.referrals import directory, routing
from trm.referrals.models import Provider, Referral
from trm.vocab.countries import country_name
from trm.vocab.htcds import OrganisationType as T

# Directory entries: demo organisation key (or a new organisation) → services and profile.
ENTRIES: tuple[dict[str, Any], ...] = (
    {"key": "ngo_shelter", "services": ["shelter", "psychological", "interpretation"], "capacity": 12, "free": 4,
     "children": False, "men": False, "families": True},
    {"key": "legal_aid", "services": ["legal"], "capacity": None, "free": None, "children": True, "men": True,
     "families": True},
    {"key": "social_services", "services": ["shelter", "education", "financial"], "capacity": 8, "free": 2,
     "children": True, "men": True, "families": True},
    {"name": "Health Centre for Migrants ({c})", "type": T.HEALTH, "services": ["medical", "psychological"],
     "capacity": None, "free": None, "children": True, "men": True, "families": True},
    {"name": "Men's Safe House ({c})", "type": T.NGO, "services": ["shelter", "employment"], "capacity": 6,
     "free": 0, "children": False, "men": True, "families": False},
)  # fmt: skip
REGIONS = ("Capital region", "North", "South", "East", "West", "Coast")
LANGUAGES = ("en", "ro", "bg", "uk", "ru", "sq", "ar", "vi")


def _organisation(entry: dict[str, Any], country: str, keyed: dict[str, str]) -> Organisation:
    if "key" in entry:
        return Organisation.objects.get(name=keyed[entry["key"]])
    org, _created = Organisation.objects.get_or_create(
        name=entry["name"].format(c=country_name(country)), defaults={"type": entry["type"], "country": country}
    )
    return org


@transaction.atomic
def seed_directory(country: str, *, maintainer: Any) -> list[Provider]:
    fake = Faker(FAKER_LOCALES.get(country, "en_GB"))
    fake.seed_instance(f"{country}-directory")
    keyed = {spec.key: spec.name for spec in organisations_for(country)}
    today = timezone.localdate()
    out = []
    for i, entry in enumerate(ENTRIES):
        org = _organisation(entry, country, keyed)
        existing = Provider.objects.filter(organisation=org).first()
        if existing is not None:
            out.append(existing)
            continue
        slug = org.name.split(" (")[0].lower().replace(" ", "-").replace("'", "")
        out.append(
            directory.add_provider(
                organisation=org,
                by=maintainer,
                services=entry["services"],
                regions=[REGIONS[i % len(REGIONS)], REGIONS[(i + 2) % len(REGIONS)]],
                languages=["en", LANGUAGES[(i + 1) % len(LANGUAGES)], LANGUAGES[(i + 3) % len(LANGUAGES)]],
                accepts_children=entry["children"],
                accepts_women=True,
                accepts_men=entry["men"],
                accepts_families=entry["families"],
                capacity=entry["capacity"],
                free_places=entry["free"],
                contact_name=f"{fake.first_name()} {fake.last_name()} (intake)",
                contact_email=f"intake@{slug}.example.org",
                mou_reference=f"MoU-{today.year - 1}-{i + 1:03d}",
                mou_valid_from=dt.date(today.year - 1, 1, 1),
                mou_valid_until=dt.date(today.year + 2, 12, 31) if i != 4 else dt.date(today.year + 1, 6, 30),
                description="Synthetic demo entry.",
            )
        )
    return out


@transaction.atomic
def seed_referrals(*, referrer: User, shelter_worker: User) -> list[Referral]:
    """Two of the demo cases referred to the shelter: one awaiting an answer, one accepted with a service.

    Uses the synthetic cases already on the node (demo.synthetic_cases); records the person's consent
    for assistance by the shelter first, as a worker would.
    """
    if Referral.objects.exists():
        return []
    shelter = Provider.objects.get(organisation__name__startswith="Safe House Association")
    candidates = Case.objects.open().filter(is_child=False, person__gender="Feminine").order_by("id")[:2]
    today = timezone.localdate()
    made = []
    for n, case in enumerate(candidates):
        consent.give(case, purpose="assistance", language=(case.person.languages or ["en"])[0], by=referrer,
                     recipients=[shelter.organisation], interpreter=True)  # fmt: skip
        made.append(
            routing.refer(
                case,
                to=shelter,
                service="shelter",
                field_set="shelter" if n == 0 else "minimal",
                by=referrer,
                needs="Safe accommodation tonight; needs an interpreter.",
                urgent=n == 0,
            )
        )
    if len(made) == 2:
        routing.accept(made[1], by=shelter_worker)
        routing.record_service(
            made[1], by=shelter_worker, service="shelter", delivered_on=today, description="Room and first counselling."
        )
    return made


def seed_demo(country: str) -> None:
    """Called from the demo_seed command, after the staff exist."""
    maintainer = User.objects.get(username="focal")
    seed_directory(country, maintainer=maintainer)
    seed_referrals(referrer=maintainer, shelter_worker=User.objects.get(username="shelter"))

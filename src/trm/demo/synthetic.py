"""Synthetic organisations and staff for a demo node (Faker, seeded: the same every time)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker

from trm.accounts.models import Organisation, User
from trm.demo.accounts import ACCOUNTS, DEMO_PASSWORD, totp_key
from trm.vocab.countries import country_name
from trm.vocab.htcds import OrganisationType as T

# Faker locales of the region (Faker has no Serbian, Albanian or Bosnian name provider).
FAKER_LOCALES = {
    "BG": "bg_BG",
    "RO": "ro_RO",
    "HR": "hr_HR",
    "SI": "sl_SI",
    "MK": "mk_MK",
    "GR": "el_GR",
    "SE": "sv_SE",
    "MD": "ro_RO",
    "UA": "uk_UA",
    "RS": "hr_HR",
    "BA": "hr_HR",
    "ME": "hr_HR",
    "AL": "en_GB",
    "XK": "en_GB",
    "AT": "de_AT",
    "DE": "de_DE",
    "IT": "it_IT",
    "HU": "hu_HU",
}


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    type: str


def organisations_for(country: str) -> list[OrgSpec]:
    c = country_name(country)
    return [
        OrgSpec("coordinator", f"Office of the National Anti-Trafficking Coordinator ({c})", T.CENTRAL_GOVERNMENT),
        OrgSpec("authority", f"Identification Commission ({c})", T.CENTRAL_GOVERNMENT),
        OrgSpec("police", f"Police Anti-Trafficking Unit ({c})", T.LAW_ENFORCEMENT),
        OrgSpec("prosecution", f"Public Prosecutor's Office ({c})", T.PROSECUTION),
        OrgSpec("ngo_shelter", f"Safe House Association ({c})", T.NGO),
        OrgSpec("ngo_outreach", f"Street Outreach Network ({c})", T.NGO),
        OrgSpec("legal_aid", f"Legal Aid Centre ({c})", T.LEGAL),
        OrgSpec("social_services", f"Centre for Social Work ({c})", T.SOCIAL_SERVICES),
        OrgSpec("rapporteur", f"National Rapporteur's Office ({c})", T.CENTRAL_GOVERNMENT),
    ]


@transaction.atomic
def seed_staff(country: str, *, node_id: str) -> dict[str, Organisation]:
    """Create the demo organisations and one account per role; idempotent."""
    from django.contrib.auth.hashers import make_password

    # One Argon2 hash for the shared demo password: hashing it per account is slow and adds nothing.
    password_hash = make_password(DEMO_PASSWORD)
    fake = Faker(FAKER_LOCALES.get(country, "en_GB"))
    fake.seed_instance(f"{node_id}-staff")
    orgs: dict[str, Organisation] = {}
    for spec in organisations_for(country):
        orgs[spec.key], _ = Organisation.objects.get_or_create(
            name=spec.name, defaults={"type": spec.type, "country": country}
        )
    for account in ACCOUNTS:
        first, last = fake.first_name(), fake.last_name()
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "organisation": orgs[account.org_key],
                "first_name": first,
                "last_name": last,
                "email": f"{account.username}@{node_id}.example.org",
                "is_staff": account.role == "node_admin",
            },
        )
        if created:
            user.password = password_hash
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=account.role.value))
        TOTPDevice.objects.update_or_create(
            user=user,
            name="authenticator",
            defaults={"key": totp_key(account.username), "confirmed": True, "tolerance": 1},
        )
    return orgs

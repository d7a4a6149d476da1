"""Prepare a demo node for the load benchmark: run inside the node's own environment.

    python bench/_load_node.py USERS CASES   # prints the load plan as JSON

After `trm migrate`: adds the demo organisations and accounts, bulk-inserts CASES synthetic
cases (at least 20 per account), adds USERS focal-point accounts (``load-000``...) with the demo password and
TOTP keys derived from their names (the client computes the codes the same way), a shelter
with unlimited places in the directory, and gives each account one open adult case, screened,
with consent to assistance by the shelter (so it can be screened and referred again and again).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def totp_key(username: str) -> str:
    return hashlib.sha256(f"trm-load-totp:{username}".encode()).hexdigest()[:40]


def main() -> None:
    users, extra_cases = int(sys.argv[1]), int(sys.argv[2])
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trm.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from trm.accounts.models import Organisation, User
    from trm.accounts.roles import Role
    from trm.cases.models import Case, Consent
    from trm.demo.accounts import DEMO_PASSWORD
    from trm.demo.synthetic import seed_staff
    from trm.demo.synthetic_cases import bulk_cases
    from trm.referrals import directory

    seed_staff(settings.TRM_COUNTRY, node_id=settings.TRM_NODE_ID)  # the demo organisations and accounts
    focal = User.objects.get(username="focal")
    authority = User.objects.get(username="authority").organisation
    bulk_cases(
        max(extra_cases, 20 * users + 100),
        seed=7,
        owner_org=focal.organisation,
        created_by=focal,
        routed_to_org=authority,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    group = Group.objects.get(name=Role.FOCAL_POINT.value)
    names = [f"load-{i:03d}" for i in range(users)]
    # Their own office: the case page offers every member of the case's organisations as its owner.
    office = Organisation.objects.create(
        name="Load Test Coordination Office (synthetic)",
        type=focal.organisation.type,
        country=focal.organisation.country,
    )
    accounts = User.objects.bulk_create(
        [
            User(
                username=n,
                organisation=office,
                password=focal.password,
                first_name="Load",
                last_name=n,
                email=f"{n}@load.example.org",
            )
            for n in names
        ]
    )
    accounts = list(User.objects.filter(username__in=names).order_by("username"))
    group.user_set.add(*accounts)
    TOTPDevice.objects.bulk_create(
        [TOTPDevice(user=u, name="authenticator", confirmed=True, key=totp_key(u.username)) for u in accounts]
    )
    shelter = Organisation.objects.create(
        name="Load Test Shelter (synthetic)", type="NGO", country=focal.organisation.country
    )
    provider = directory.add_provider(
        organisation=shelter,
        by=focal,
        services=["shelter"],
        regions=["Capital region"],
        languages=["en"],
        accepts_women=True,
        accepts_men=True,
        accepts_children=True,
        capacity=None,
        free_places=None,
        contact_name="Intake desk",
        contact_email="intake@load.example.org",
        mou_reference="MoU-LOAD",
        mou_valid_from=timezone.localdate() - timedelta(days=365),
        mou_valid_until=timezone.localdate() + timedelta(days=3650),
    )
    cases = list(
        Case.objects.filter(state="screened", status="Active", is_child=False)
        .order_by("pk")
        .values_list("pk", "reference")[:users]
    )
    if len(cases) < users:
        raise SystemExit(f"only {len(cases)} screened open adult cases for {users} accounts")
    given = timezone.now() - timedelta(hours=1)
    consents = Consent.objects.bulk_create(
        [
            Consent(case_id=pk, purpose="assistance", language="en", given_at=given, recorded_by=focal)
            for pk, _ref in cases
        ]
    )
    if consents[0].pk is None:
        consents = list(Consent.objects.filter(case_id__in=[pk for pk, _ in cases], purpose="assistance"))
    Consent.recipients.through.objects.bulk_create(
        [Consent.recipients.through(consent_id=c.pk, organisation_id=shelter.pk) for c in consents]
    )
    plan = {
        "password": DEMO_PASSWORD,
        "accounts": [
            {"username": u.username, "totp_key": totp_key(u.username), "case": ref}
            for u, (_pk, ref) in zip(accounts, cases, strict=True)
        ],
        "provider": provider.pk,
        "cases": Case.objects.count(),
    }
    json.dump(plan, sys.stdout)


if __name__ == "__main__":
    main()

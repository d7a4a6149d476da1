"""The demo node holds a few synthetic claims (one awarded and paid in part) and a group case, seeded once."""

from __future__ import annotations

from decimal import Decimal

from django.core.management import call_command

from trm.justice.models import Claim, Group


def test_the_demo_seeds_claims_and_a_group_once(db):
    call_command("demo_seed", verbosity=0)
    call_command("demo_seed", verbosity=0)
    assert Claim.objects.count() == 3
    awarded = Claim.objects.get(kind="offender")
    assert awarded.status == "paid_in_part" and awarded.unpaid == Decimal("6500.00")
    assert Claim.objects.get(kind="back_pay").limitation_on is not None
    (group,) = Group.objects.all()
    assert group.members.count() == 2

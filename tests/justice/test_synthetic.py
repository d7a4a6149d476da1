from __future__ import annotations

from django.core.management import call_command

from trm.accounts.models import User
from trm.justice import access
from trm.justice.models import Proceeding


def test_the_demo_seed_adds_proceedings_at_several_stages_once(db):
    call_command("demo_seed", verbosity=0)
    stages = sorted(Proceeding.objects.values_list("stage", flat=True))
    assert stages == ["investigation", "judgment", "prosecution", "trial"]
    call_command("demo_seed", verbosity=0)
    assert Proceeding.objects.count() == 4
    assert access.criminal_proceedings(User.objects.get(username="prosecutor")).count() == 4
    assert access.criminal_proceedings(User.objects.get(username="focal")).count() == 0

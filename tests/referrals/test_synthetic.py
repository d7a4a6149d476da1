from __future__ import annotations

from django.core.management import call_command

from trm.referrals.models import Provider, Referral, Status


def test_the_demo_seed_adds_a_directory_and_referrals_once(db):
    call_command("demo_seed", verbosity=0)
    assert Provider.objects.count() == 5
    assert Provider.objects.filter(free_places=0).count() == 1
    statuses = sorted(Referral.objects.values_list("status", flat=True))
    assert statuses == [Status.IN_PROGRESS, Status.OFFERED]
    call_command("demo_seed", verbosity=0)
    assert Provider.objects.count() == 5 and Referral.objects.count() == 2


def test_the_sweep_command_runs_once(world, capsys):
    from django.utils import timezone

    referral = world.refer()
    # A withdrawal recorded without the verb is ended by the sweep.
    type(referral.consent).objects.filter(pk=referral.consent_id).update(withdrawn_at=timezone.now())
    call_command("referrals_sweep")
    assert "consent_withdrawn=1" in capsys.readouterr().out
    referral.refresh_from_db()
    assert referral.status == Status.WITHDRAWN

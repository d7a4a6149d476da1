from __future__ import annotations

import re

from django.core.management import call_command

from trm.audit.models import AuditEvent
from trm.cases.access import visible_cases
from trm.cases.forms import REFERENCE_RE
from trm.cases.models import Case, Deadline, Person
from trm.demo.synthetic_cases import bulk_cases, seed_cases


def test_it_seeds_realistic_cases_through_the_verbs(world):
    cases = seed_cases(25, seed=7)
    assert len(cases) == 25
    states = set(Case.objects.values_list("state", flat=True))
    assert {"rg_positive", "rg_pending"} <= states
    assert Case.objects.filter(is_child=True).exists()
    assert Deadline.objects.filter(kind="reflection_end").exists()
    assert AuditEvent.objects.filter(action="decide").exists()
    assert visible_cases(world.focal).count() == 25


def test_it_is_the_same_every_time(world):
    first = [c.person.full_name for c in seed_cases(3, seed=11)]
    second = [c.person.full_name for c in seed_cases(3, seed=11)]
    assert first == second


def test_it_bulk_inserts_many_cases(world):
    assert bulk_cases(300, seed=3, owner_org=world.ngo, created_by=world.responder, routed_to_org=world.authority,
                      batch=100) == 300  # fmt: skip
    assert Case.objects.count() == Person.objects.count() == 300
    assert Case.objects.filter(next_deadline__isnull=False).count() == Deadline.objects.count()


def test_bulk_references_never_collide_even_when_the_same_seed_runs_again(world):
    for _ in range(2):  # the same seed draws the same references: the stored ones must be skipped
        bulk_cases(150, seed=9, owner_org=world.ngo, created_by=world.responder, batch=40)
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references)) == 300
    assert Person.objects.values("reference").distinct().count() == 300
    assert all(re.fullmatch(REFERENCE_RE, r) for r in references)


def test_the_demo_seed_adds_cases(db, settings):
    call_command("demo_seed", verbosity=0)
    assert Case.objects.count() == 40
    call_command("demo_seed", verbosity=0)
    assert Case.objects.count() == 40

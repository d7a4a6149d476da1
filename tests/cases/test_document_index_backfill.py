"""Persons recorded before the document-number index existed are found by their document number.

Migration cases/0011 gives them their index (0009 added it for new persons only).
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.cases.builders import detect
from trm.cases import casework, duplicates
from trm.cases.models import Person

BEFORE_INDEX = [("cases", "0008_guardians_as_people")]
BACKFILL = [("cases", "0011_person_document_index_backfill")]
PASSPORT = [{"type": "passport", "number": "XK 4455-66", "held_by": ""}]

backfill = importlib.import_module("trm.cases.migrations.0011_person_document_index_backfill")


def _as_before_the_index(person: Person) -> None:
    Person.objects.filter(pk=person.pk).update(document_index="")


def test_a_person_recorded_before_the_index_is_found_by_document_number_after_the_backfill(world):
    old = detect(world.responder, documents=PASSPORT)
    _as_before_the_index(old.person)
    # Another name, no date of birth: only the document number can match.
    search = {"given_name": "Someone", "family_name": "Else", "documents": [{"number": "xk445566"}]}
    assert not duplicates.find(world.responder, **search)

    backfill.backfill(apps, None)

    assert Person.objects.get(pk=old.person_id).document_index == casework.document_key(PASSPORT)
    assert duplicates.find(world.responder, **search).visible == [old]


def test_the_backfill_empties_an_erased_persons_index_and_leaves_the_others(world):
    without = detect(world.responder, given_name="Nodoc")
    erased = detect(world.responder, given_name="Erased", documents=PASSPORT)
    Person.objects.filter(pk=erased.person_id).update(documents=[])  # as erasure left it before
    current = detect(world.responder, given_name="Current", documents=[{"type": "id_card", "number": "ID 1"}])

    backfill.backfill(apps, None)

    indexes = dict(Person.objects.values_list("pk", "document_index"))
    assert indexes[without.person_id] == "" and indexes[erased.person_id] == ""
    assert indexes[current.person_id] == casework.document_key([{"number": "ID 1"}])


def test_the_migration_keys_documents_as_the_verbs_do():
    # The migration writes its normalisation out; it must stay what detection computes.
    for number in ("AB 123-456", "ab123456", " x/y.z 9 ", "", "--"):
        assert backfill.document_key([{"number": number}]) == casework.document_key([{"number": number}])
    assert backfill.document_key([{"number": ""}, {"number": "N2"}]) == casework.document_key([{"number": "N2"}])
    assert backfill.document_key([]) == "" and backfill.document_key(None) == ""


@pytest.mark.django_db(transaction=True)
def test_migrating_gives_a_person_stored_before_0009_its_index():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_INDEX)
    old = executor.loader.project_state(BEFORE_INDEX).apps.get_model("cases", "Person")
    person = old.objects.create(
        reference="P-BEFORE-0009",
        given_name="Vera",
        family_name="Earlier",
        date_of_birth=dt.date(1990, 1, 2),
        documents=PASSPORT,
    )
    executor = MigrationExecutor(connection)
    executor.migrate(BACKFILL)
    new = executor.loader.project_state(BACKFILL).apps.get_model("cases", "Person")
    assert new.objects.get(pk=person.pk).document_index == casework.document_key(PASSPORT)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from tests.network import builders
from trm.audit.models import AuditEvent
from trm.network import directory
from trm.network.models import Participant, Position, PositionKind
from trm.vocab.countries import KOSOVO_FOOTNOTE


def test_it_marks_kosovo_with_the_footnote(db):
    xk = directory.add_country(code="XK", by=None)
    assert xk.footnote == str(KOSOVO_FOOTNOTE)
    assert xk.name == "Kosovo*"
    assert directory.add_country(code="AL", by=None).footnote == ""


def test_it_refuses_an_unknown_country(db):
    with pytest.raises(ValidationError):
        directory.add_country(code="QQ", by=None)


def test_it_stores_e_mails_in_lower_case_and_refuses_duplicates(db):
    builders.person(email="Someone@Coordination.Example")
    assert Participant.objects.filter(email="someone@coordination.example").exists()
    with pytest.raises(ValidationError):
        builders.person(email="someone@coordination.example ")


def test_a_new_coordinator_ends_the_predecessors_term(db):
    old = builders.person(code="RS", start=builders.TODAY - timedelta(days=800))
    new = builders.person(code="RS", start=builders.TODAY)
    old_position = old.positions.get()
    assert old_position.end_date == builders.TODAY - timedelta(days=1)
    holders = directory.holders(builders.country("RS"), PositionKind.COORDINATOR)
    assert [h.participant for h in holders] == [new, old]


def test_it_refuses_a_position_that_ends_before_it_starts(db):
    p = builders.person()
    with pytest.raises(ValidationError):
        directory.add_position(
            p,
            kind=PositionKind.ADVISOR,
            start_date=builders.TODAY,
            end_date=builders.TODAY - timedelta(days=1),
            by=None,
        )
    assert Position.objects.filter(kind=PositionKind.ADVISOR).count() == 0


def test_it_audits_without_personal_values(db):
    builders.person(email="private@coordination.example")
    event = AuditEvent.objects.filter(object_type="network.participant").get()
    assert "private" not in str(event.fields) + event.note


def test_update_participant_refuses_unknown_fields(db):
    p = builders.person()
    with pytest.raises(TypeError):
        directory.update_participant(p, by=None, created_at=None)

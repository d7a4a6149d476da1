from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.factories import make_user
from tests.network import builders
from trm.accounts.roles import Role
from trm.network import access, directory, meetings, updates
from trm.network.models import Position


def test_anonymous_users_have_no_access(db):
    anon = AnonymousUser()
    assert not access.is_secretariat(anon)
    assert access.participant_for(anon) is None
    with pytest.raises(PermissionDenied):
        access.require_network_access(anon)
    assert not access.visible_meetings(anon).exists()


def test_inactive_linked_users_are_not_participants(db):
    user = make_user(Role.FOCAL_POINT, is_active=False)
    builders.person(user=user)
    assert access.participant_for(user) is None


def test_a_participant_without_a_current_country_position_has_no_country(db):
    user = make_user(Role.FOCAL_POINT)
    p = builders.person(user=user, start=builders.TODAY - timedelta(days=900))
    directory.end_position(Position.objects.get(participant=p), end_date=builders.TODAY - timedelta(days=800), by=None)
    assert access.coordinator_country(user) is None
    assert not access.visible_action_items(user).exists()
    m = builders.meeting()
    meetings.invite(m, participants=[p], by=None)
    updates.save_update(m, builders.country("RO"), key_activities="Draft", by=None)
    assert not access.visible_updates(user, m).exists()


def test_getters_raise_404_for_missing_or_hidden_objects(db):
    sec = make_user(Role.SECRETARIAT)
    other = make_user(Role.FIRST_RESPONDER)
    m = builders.meeting()
    with pytest.raises(Http404):
        access.get_meeting_for(sec, m.pk + 100)
    with pytest.raises(Http404):
        access.get_participant_for(sec, 999)
    with pytest.raises(Http404):
        access.get_participant_for(other, 1)
    with pytest.raises(Http404):
        access.get_country_for(sec, "QQ")
    with pytest.raises(Http404):
        access.get_country_for(other, "SI")
    with pytest.raises(Http404):
        access.get_update_for(sec, m.pk, "QQ")
    with pytest.raises(Http404):
        access.get_action_item_for(other, 1)
    assert access.get_country_for(sec, "SI").code == "SI"


def test_only_the_secretariat_edits_action_items(db):
    user = make_user(Role.FOCAL_POINT)
    builders.person(code="BG", user=user)
    item = builders.action(builders.meeting(), owner="BG")
    assert access.get_action_item_for(user, item.pk) == item
    with pytest.raises(PermissionDenied):
        access.get_action_item_for(user, item.pk, write=True)
    assert access.get_action_item_for(make_user(Role.SECRETARIAT), item.pk, write=True) == item


def test_a_coordinator_sees_submitted_updates_of_others_and_their_own_drafts(db):
    user = make_user(Role.FOCAL_POINT)
    p = builders.person(code="BG", user=user)
    m = builders.meeting()
    meetings.invite(m, participants=[p], by=None)
    updates.save_update(m, builders.country("RO"), key_activities="Draft", by=None)
    updates.save_update(m, builders.country("AL"), key_activities="Final", submit=True, by=None)
    updates.save_update(m, builders.country("BG"), key_activities="Mine", by=None)
    assert sorted(u.country.code for u in access.visible_updates(user, m)) == ["AL", "BG"]
    assert access.visible_updates(make_user(Role.SECRETARIAT), m).count() == 3

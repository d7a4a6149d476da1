from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from trm.accounts.models import User
from trm.cases import casework
from trm.referrals import access, routing


def test_each_role_sees_only_its_referrals(world):
    referral = world.refer()
    assert list(access.visible_referrals(world.ca)) == [referral]
    assert list(access.visible_referrals(world.focal)) == [referral]
    assert list(access.visible_referrals(world.shelter)) == [referral]
    for user in (world.other_provider, world.responder, world.guardian, world.police, world.dpo, world.admin):
        assert not access.visible_referrals(user).exists()
    assert not access.visible_referrals(AnonymousUser()).exists()
    assert not access.receiving_referrals(AnonymousUser()).exists()
    assert not access.receiving_referrals(world.ca).exists()


def test_a_provider_without_an_organisation_sees_nothing(world):
    world.refer()
    User.objects.filter(pk=world.shelter.pk).update(organisation=None)
    user = User.objects.get(pk=world.shelter.pk)
    assert not access.visible_referrals(user).exists()


def test_the_provider_loses_access_when_the_referral_ends_or_the_case_closes(world):
    referral = world.refer()
    routing.decline(referral, by=world.shelter, reason="no_capacity")
    with pytest.raises(Http404):
        access.get_referral_for(world.shelter, referral.reference)
    assert access.get_referral_for(world.ca, referral.reference) == referral
    second = world.refer()
    casework.close(second.case, by=world.ca, reason="recovered")
    with pytest.raises(Http404):
        access.get_referral_for(world.shelter, second.reference)


def test_who_may_refer_and_withdraw(world):
    referral = world.refer()
    assert access.may_withdraw(world.ca, referral)
    assert access.may_withdraw(world.focal, referral)
    assert not access.may_withdraw(world.shelter, referral)
    routing.withdraw(referral, by=world.ca, reason="not_needed")
    referral.refresh_from_db()
    assert not access.may_withdraw(world.ca, referral)
    casework.close(referral.case, by=world.ca, reason="recovered")
    referral.case.refresh_from_db()
    assert not access.may_refer(world.focal, referral.case)
    with pytest.raises(PermissionDenied):
        access.get_case_to_refer(world.ca, referral.case.reference)
    with pytest.raises(Http404):
        access.get_case_to_refer(world.shelter, referral.case.reference)


def test_the_directory_is_for_members_only(world):
    assert not access.visible_providers(AnonymousUser()).exists()
    assert access.get_provider_for(world.rapporteur, world.shelter_provider.pk) == world.shelter_provider
    with pytest.raises(PermissionDenied):
        access.get_provider_for(world.shelter, world.shelter_provider.pk, write=True)
    with pytest.raises(Http404):
        access.get_provider_for(world.shelter, 99999)
    assert access.may_update_capacity(world.shelter, world.shelter_provider)
    assert access.may_update_capacity(world.admin, world.shelter_provider)
    assert not access.may_update_capacity(world.other_provider, world.shelter_provider)
    assert not access.may_update_capacity(world.ca, world.shelter_provider)

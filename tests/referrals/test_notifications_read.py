"""Marking notifications read: only one's own, and only when signed in."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.factories import verified_client
from tests.problems import assert_problem
from trm.referrals import notifications
from trm.referrals.models import Notification


def test_it_refuses_to_mark_anothers_notification_read(world):
    world.refer()
    theirs = Notification.objects.filter(recipient=world.shelter).values_list("pk", flat=True)
    assert theirs
    with pytest.raises(Http404):
        notifications.mark_read(world.ca, theirs)
    with pytest.raises(PermissionDenied):
        notifications.mark_read(AnonymousUser(), theirs)
    assert not Notification.objects.filter(read_at__isnull=False).exists()
    assert notifications.mark_read(world.shelter, theirs) == len(theirs)


def test_the_api_answers_anothers_notification_with_404(world):
    world.refer()
    theirs = list(Notification.objects.filter(recipient=world.shelter).values_list("pk", flat=True))
    response = verified_client(world.ca).post(
        "/api/referrals/notifications/read", {"ids": theirs}, content_type="application/json"
    )
    assert_problem(response, 404)
    assert not Notification.objects.filter(read_at__isnull=False).exists()
    own = verified_client(world.shelter).post(
        "/api/referrals/notifications/read", {"ids": theirs}, content_type="application/json"
    )
    assert own.json() == {"marked": len(theirs)}

"""Builders for tests: plain functions with keyword-only overrides (synthetic data only)."""

from __future__ import annotations

import itertools

from django.contrib.auth.models import Group
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from trm.accounts.models import Organisation, User
from trm.accounts.roles import Role
from trm.vocab.htcds import OrganisationType

PASSWORD = "correct-horse-battery-staple-42"
_seq = itertools.count(1)


def make_org(*, name: str | None = None, type: str = OrganisationType.NGO, country: str = "SE") -> Organisation:
    return Organisation.objects.create(name=name or f"Organisation {next(_seq)}", type=type, country=country)


def make_user(
    role: Role | str | None,
    *,
    org: Organisation | None = None,
    username: str | None = None,
    with_device: bool = True,
    **extra: object,
) -> User:
    user = User.objects.create_user(
        username or f"user{next(_seq)}",
        password=PASSWORD,
        organisation=org if org is not None else make_org(),
        **extra,
    )
    if role is not None:
        user.groups.add(Group.objects.get(name=Role(role).value))
    if with_device:
        TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return User.objects.get(pk=user.pk)


def verified_client(user: User, client: Client | None = None) -> Client:
    """A client logged in as the user, with the second factor already verified."""
    client = client or Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client

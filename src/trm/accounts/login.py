"""The login decision: password and second factor checked together, one answer for any failure."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import authenticate, login, user_login_failed
from django.http import HttpRequest
from django_otp import login as otp_login

from trm.accounts import twofactor
from trm.accounts.models import User
from trm.audit import record
from trm.audit.events import Action


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    needs_enrolment: bool = False


def _record_failure(request: HttpRequest, username: str, *, reason: str) -> None:
    """Audit a failed login against the account it targeted (by id), never the typed name.

    What was typed as a user name is sometimes a password or someone's real name: it is not
    stored. An attempt on a name that is no account says so without repeating it.
    """
    target = User.objects.filter(username=username).only("pk").first() if username else None
    if target is None:
        record.record(None, Action.LOGIN_FAILED, note=f"{reason}: unknown user name", request=request)
        return
    record.record(
        None, Action.LOGIN_FAILED, object_type="accounts.user", object_ref=str(target.pk), note=reason, request=request
    )


def attempt(request: HttpRequest, *, username: str, password: str, token: str) -> LoginResult:
    """Log the user in when the password and (if enrolled) the TOTP code are right.

    Any failure gives the same empty result, so a caller cannot tell which part was
    wrong; a wrong code counts as a failed login for the lock-out like a wrong password.
    """
    user = authenticate(request, username=username, password=password)
    if user is None:
        _record_failure(request, username, reason="password")
        return LoginResult(user=None)
    assert isinstance(user, User)
    device = twofactor.confirmed_device(user)
    if device is not None and not twofactor.check_token(device, token):
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
        _record_failure(request, username, reason="second_factor")
        return LoginResult(user=None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        otp_login(request, device)
    record.record(user, Action.LOGIN, request=request)
    return LoginResult(user=user, needs_enrolment=device is None and user.requires_two_factor)

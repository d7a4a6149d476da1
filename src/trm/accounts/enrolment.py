"""One-time links: how a user gets (back) a password and a second factor without the administrator.

The node administrator administers accounts but never holds another user's credentials: it
cannot set anyone's password nor see anyone's second-factor secret. Instead it *issues* a
link, which is sent by e-mail to the address on the account and never shown to the
administrator. The user follows it and chooses a password themselves.

Two kinds of link, each signed with its own salt so that one cannot be turned into the other:

- ``PASSWORD``: a new password. If the user has a second factor, the link also asks for a
  current code from it, so a link alone (or a mailbox alone) is not enough to take over.
- ``ENROL``: a new account, or a lost authenticator: a new password, and the old second
  factor is removed; the next login enrols a new one.

A link works once (it is bound to the password hash, which it changes) and expires after
``PASSWORD_RESET_TIMEOUT``. Issuing and using a link are both written to the audit chain.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from trm.accounts import twofactor
from trm.accounts.models import User
from trm.accounts.roles import Cap
from trm.audit import record
from trm.audit.events import Action


class Kind(models.TextChoices):
    PASSWORD = "password", _("new password")
    ENROL = "enrol", _("new password and second factor")


class _Tokens(PasswordResetTokenGenerator):
    def __init__(self, kind: Kind) -> None:
        super().__init__()
        self.key_salt = f"trm.accounts.enrolment.{kind.value}"


_TOKENS = {kind: _Tokens(kind) for kind in Kind}


def may_issue(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active and actor.is_staff
                and (actor.is_superuser or actor.can(Cap.MANAGE_USERS)))  # fmt: skip


def link_path(user: User, kind: Kind) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("accounts:enrol", args=[kind.value, uid, _TOKENS[kind].make_token(user)])


@transaction.atomic
def issue(user: User, *, kind: Kind, by: Any, request: HttpRequest | None = None) -> None:
    """Send ``user`` a one-time link by e-mail. The caller (an administrator) never sees it."""
    if not may_issue(by):
        raise PermissionDenied(_("You may not manage users."))
    if not user.is_active:
        raise ValidationError(_("The account is not active."))
    if not user.email:
        raise ValidationError({"email": _("The account has no e-mail address to send the link to.")})
    url = settings.TRM_PUBLIC_URL + link_path(user, kind)
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    if kind == Kind.ENROL:
        intro = _("A link was made for you to set your password and set up two-factor login again.")
    else:
        intro = _("A link was made for you to choose a new password.")
    body = "\n\n".join(
        [
            intro,
            url,
            _("The link works once and for %(hours)d hours. If you did not expect it, tell your node administrator.")
            % {"hours": hours},
        ]
    )
    record.record(
        by, Action.ADMIN, user, fields=["password"], note=f"one-time link issued: {kind.value}", request=request
    )
    send_mail(_("Your TRM account: %(node)s") % {"node": settings.TRM_NODE_NAME}, body, None, [user.email])


def user_for(uidb64: str, kind_value: str, token: str) -> tuple[User, Kind] | None:
    """The user a link belongs to, or None if the link is malformed, used or expired."""
    if kind_value not in Kind.values:
        return None
    kind = Kind(kind_value)
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first() if 0 < pk < 2**63 else None
    if user is None or not _TOKENS[kind].check_token(user, token):
        return None
    return user, kind


def needs_code(user: User, kind: Kind) -> bool:
    """A password link for a user with a second factor also asks for a current code."""
    return kind == Kind.PASSWORD and twofactor.confirmed_device(user) is not None


def use(user: User, *, kind: Kind, password: str, code: str = "", request: HttpRequest | None = None) -> None:
    """Set the password the user chose; for an ENROL link, remove the old second factor."""
    if needs_code(user, kind):
        # Checked outside the write's transaction, so that a wrong code counts towards the
        # device's throttling instead of being rolled back with the refusal.
        device = twofactor.confirmed_device(user)
        if device is None or not twofactor.check_token(device, code):
            raise ValidationError({"code": _("That code is not right.")})
    validate_password(password, user)
    _set(user, kind=kind, password=password, request=request)


@transaction.atomic
def _set(user: User, *, kind: Kind, password: str, request: HttpRequest | None) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    changed = ["password"]
    if kind == Kind.ENROL:
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        changed.append("second_factor")
    record.record(user, Action.UPDATE, user, fields=changed, note=f"one-time link used: {kind.value}", request=request)

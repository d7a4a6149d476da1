from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    READ = "read", _("read")
    CREATE = "create", _("create")
    UPDATE = "update", _("update")
    DELETE = "delete", _("delete")
    EXPORT = "export", _("export")
    SEND = "send", _("send")
    RECEIVE = "receive", _("receive")
    DECIDE = "decide", _("decide")
    REFUSED = "refused", _("refused")
    LOGIN = "login", _("login")
    LOGIN_FAILED = "login_failed", _("failed login")
    LOGOUT = "logout", _("logout")
    TWO_FACTOR = "two_factor", _("two-factor enrolment")
    ADMIN = "admin", _("administration")

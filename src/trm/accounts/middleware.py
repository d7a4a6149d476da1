from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from trm.accounts.twofactor import confirmed_device

# Paths a logged-in user who still owes a second factor may reach.
_OPEN_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/accounts/link/", "/i18n/", "/static/")


class TwoFactorRequiredMiddleware:
    """A role that must use two-factor reaches nothing but enrolment until it is verified."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.requires_two_factor
            and not user.is_verified()
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "Two-factor verification required."}, status=401)
            if confirmed_device(user) is not None:
                # Has a device but this session never proved it: start again.
                logout(request)
                return redirect(reverse("accounts:login"))
            return redirect(reverse("accounts:two_factor_setup"))
        return self.get_response(request)


# The session key that records when the idle expiry was last pushed forward.
TOUCHED = "_trm_touched"


class SessionIdleMiddleware:
    """Moves a session's idle expiry forward at most once a minute, not on every request.

    Saving the session on every request (`SESSION_SAVE_EVERY_REQUEST`) wrote its row each time;
    here a request that changed nothing saves it only when the last save is older than
    `TRM_SESSION_TOUCH_SECONDS` (60), so the idle timeout ends within that much of its length.
    Sits just inside `SessionMiddleware`, which saves a modified session on the way out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        now = int(time.time())
        # A session saved anyway (a login, a message) records the save as a touch too.
        if session.modified or now - int(session.get(TOUCHED, 0)) >= settings.TRM_SESSION_TOUCH_SECONDS:
            session[TOUCHED] = now
        return response

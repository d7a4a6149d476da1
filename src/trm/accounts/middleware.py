from __future__ import annotations

from collections.abc import Callable

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

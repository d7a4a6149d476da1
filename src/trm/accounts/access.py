"""Who may do what, checked in one place: views and the API call these, never templates alone."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from trm.accounts.models import User
from trm.accounts.roles import Cap

V = TypeVar("V", bound=Callable[..., HttpResponse])


def require_capability(user: Any, capability: Cap) -> User:
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied
    if not user.can(capability):
        raise PermissionDenied
    return user


def capability_required(capability: Cap) -> Callable[[V], V]:
    """View decorator: logged in (with two-factor where required) and holding the capability."""

    def decorator(view: V) -> V:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            require_capability(request.user, capability)
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator

"""Who may do what, checked in one place: views and the API call these, never templates alone."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from trm.accounts.models import User, Viewer
from trm.accounts.roles import Cap

if TYPE_CHECKING:
    from typing_extensions import TypeIs

V = TypeVar("V", bound=Callable[..., HttpResponse])


class SignedInRequest(HttpRequest):
    """A request that passed login_required or capability_required: its user is a User."""

    user: User


def signed_in(user: Viewer | None) -> TypeIs[User]:
    """True for a signed-in user; to mypy, the user is then a User."""
    return bool(getattr(user, "is_authenticated", False))


def require_capability(user: Viewer | None, capability: Cap) -> User:
    if not signed_in(user):
        raise PermissionDenied
    if not user.can(capability):
        raise PermissionDenied
    return user


def capability_required(capability: Cap, *, hidden: bool = False) -> Callable[[V], V]:
    """View decorator: logged in (with two-factor where required) and holding the capability.

    ``hidden``: the view shows one object of a kind the role never sees (a case): without the
    capability it answers 404, as for any object out of reach, instead of 403.
    """

    def decorator(view: V) -> V:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if hidden and signed_in(request.user) and not request.user.can(capability):
                raise Http404
            require_capability(request.user, capability)
            return view(request, *args, **kwargs)

        return cast(V, wrapped)  # same signature: wraps() keeps the view's name and arguments

    return decorator

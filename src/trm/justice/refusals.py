"""A justice verb's refusal audited once, bad input included: proceedings, claims and groups.

``refusals_audited`` wraps a verb's call in a page or the API. When the verb refuses (a
``ValidationError`` for bad input or a state that forbids the step, ``PermissionDenied``,
``Http404``), it writes the request's one 'refused' entry (``trm.audit.refusals``: the
refusal middleware and the API's handler do not write a second) with the refused fields'
names and the first error's code, never their values, and re-raises. The entry is written
after the verb's transaction rolled back. ``audit_bad_form`` does the same for bad input a
page's form refuses before any verb runs, so that a page and the API audit the same input
alike. ``invalid`` is how a verb names bad input.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest

from trm.audit.refusals import record_refusal
from trm.lib.refusals import status_of


@contextlib.contextmanager
def refusals_audited(
    user: Any, *, what: str, obj: Any = None, object_type: str = "", request: HttpRequest | None = None
) -> Iterator[None]:
    """Run a verb; if it refuses (bad input included), audit the refusal with its code and re-raise.

    Without ``obj`` or ``object_type`` the entry names the object the URL points at.
    """
    try:
        yield
    except (ValidationError, PermissionDenied, Http404) as exc:
        _audit(exc, user=user, what=what, obj=obj, object_type=object_type, request=request)
        raise


def audit_bad_form(
    form: Any, user: Any, *, what: str, obj: Any = None, object_type: str = "", request: HttpRequest | None = None
) -> None:
    """A page's form refused bad input before any verb ran: audited as the verb's refusal would be (400)."""
    _audit(
        ValidationError(form.errors.as_data()), user=user, what=what, obj=obj, object_type=object_type, request=request
    )


def _audit(exc: Exception, *, user: Any, what: str, obj: Any, object_type: str, request: HttpRequest | None) -> None:
    fields = sorted(exc.error_dict) if isinstance(exc, ValidationError) and hasattr(exc, "error_dict") else []
    codes = [e.code for e in _errors(exc) if e.code] if isinstance(exc, ValidationError) else []
    record_refusal(
        request,
        status=status_of(exc),
        user=user,
        obj=obj,
        object_type=object_type,
        fields=fields,
        note=f"{what}: {codes[0] if codes else type(exc).__name__}",
    )


def invalid(field: str, message: Any, code: str) -> ValidationError:
    """Bad input in one field, with a stable code (the API's problem lists it)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _errors(exc: ValidationError) -> list[ValidationError]:
    if hasattr(exc, "error_dict"):
        return [e for errors in exc.error_dict.values() for e in errors]
    return list(exc.error_list)

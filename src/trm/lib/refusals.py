"""How a verb says no, and what each refusal means on a page and in the API.

Every verb (a write of domain state: `casework.add_event`, `routing.refer`, …) checks its
actor and the object's state itself and refuses with one of these, so that no view, API
endpoint, command or handler can skip a rule. Pages and the API map them the same way:

| raised                                | means                                               | HTTP |
|---------------------------------------|-----------------------------------------------------|------|
| `django.http.Http404`                 | the actor may not see the object (or it is not there)| 404  |
| `django.core.exceptions.PermissionDenied` | the actor sees the object but lacks the right   | 403  |
| `Conflict` (a `ValidationError`)      | the object's state forbids the step now             | 409  |
| `django.core.exceptions.ValidationError` | the input is wrong (field errors in `error_dict`)| 400  |

A `Conflict` is a `ValidationError`, so a form that shows a verb's validation errors shows
it too; only the status differs. Messages never carry personal data: they may be shown,
logged and audited.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

__all__ = ["Conflict", "Http404", "PermissionDenied", "ValidationError", "status_of"]


class Conflict(ValidationError):
    """The object's state forbids the step now (a closed case, an offer already answered)."""


def status_of(exc: BaseException) -> int:
    """The HTTP status of a refusal; 500 for anything that is not one."""
    if isinstance(exc, Http404):
        return 404
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, ValidationError):
        return 400
    return 500

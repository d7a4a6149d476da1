"""How a page shows a verb's refusal on its form, shared by every app's views.

A verb refuses with a `ValidationError` (400) or a `Conflict` (409, see `refusals`); the page
puts the messages on the form, on the field they name when the form has it, and answers
with the refusal's status so that scripts and tests can tell a refused POST from a shown page.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from trm.lib.refusals import status_of

BAD_REQUEST = 400


def add_errors(form: Any, exc: ValidationError) -> None:
    """Show a verb's refusal on its form; the page answers 409 for the object's state, else 400."""
    form.refusal_status = status_of(exc)
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def posted(request: HttpRequest) -> Any:
    """The POST data of a POST (even an empty one, so that it is validated), else None."""
    return request.POST if request.method == "POST" else None


def page(request: HttpRequest, template: str, context: dict[str, Any], form: Any = None) -> HttpResponse:
    """Render a page; a bound form with errors answers with its refusal's status (400 by default)."""
    status = getattr(form, "refusal_status", BAD_REQUEST) if form is not None and form.is_bound and form.errors else 200
    return render(request, template, context, status=status)

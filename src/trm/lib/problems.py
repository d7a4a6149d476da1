"""RFC 9457 problem details: the one shape of every error the JSON API answers.

A problem is a JSON object sent as ``application/problem+json``::

    {"type": "about:blank", "title": "Bad Request", "status": 400,
     "detail": "The input is not valid: service.",
     "errors": [{"field": "service", "message": "This provider does not offer it.",
                 "code": "service_not_offered"}]}

- ``type`` is always ``about:blank``: each status has one meaning across the API (see
  ``trm.lib.refusals`` and docs/api.md), so the status says what kind of problem it is and
  ``title`` is the status's standard phrase.
- ``detail`` is a sentence for people. Like every refusal message it carries no personal data.
- ``errors`` (400 only) lists every field error as ``{"field", "message", "code"}``;
  ``field`` is ``null`` for an error about the input as a whole, and a dotted path for a
  nested one (``items.0.name``).
- ``code`` (optional) is the stable machine code of a refusal with one reason, such as
  ``invalid_transition`` on a 409.
"""

from __future__ import annotations

import http
import json
from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponse
from ninja import Schema

__all__ = [
    "PROBLEM_JSON",
    "FieldError",
    "Problem",
    "ProblemSchema",
    "detail_of",
    "errors_from_django",
    "errors_from_schema",
    "first_code",
    "is_problem",
    "problem",
    "problem_response",
]

PROBLEM_JSON = "application/problem+json"


class FieldError(TypedDict):
    field: str | None
    message: str
    code: str


class Problem(TypedDict, total=False):
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError]
    code: str


class FieldErrorSchema(Schema):
    field: str | None
    message: str
    code: str


class ProblemSchema(Schema):
    """The OpenAPI description of a problem (see the module docstring)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldErrorSchema] | None = None
    code: str | None = None


# What each status means here: one meaning across the API (trm.lib.refusals, docs/api.md).
DETAILS = {
    400: "The input is not valid.",
    401: "Sign in to the node first.",
    403: "You may not do this.",
    404: "Not found, or not visible to you.",
    405: "This method is not allowed here.",
    409: "The object's state does not allow this now.",
    413: "The request body is too large.",
    429: "Too many requests: try again later.",
    500: "The node failed to answer; the error was logged.",
}


def _title(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(status: int, detail: str = "", *, errors: Iterable[FieldError] = (), code: str = "") -> Problem:
    """The problem document for ``status``; ``errors`` and ``code`` only when given."""
    title = _title(status)
    detail = detail or DETAILS.get(status, title + ".")
    body: Problem = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    found = list(errors)
    if found:
        body["errors"] = found
    if code:
        body["code"] = code
    return body


def problem_response(
    status: int,
    detail: str = "",
    *,
    errors: Iterable[FieldError] = (),
    code: str = "",
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    body = problem(status, detail, errors=errors, code=code)
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_JSON, headers=headers)
    return response


def is_problem(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith(PROBLEM_JSON)


# ------------------------------------------------------------------------------------------
# From exceptions to field errors


def errors_from_django(exc: ValidationError) -> list[FieldError]:
    """Every message of a Django ValidationError, with its field (``None`` for the whole input)."""
    found: list[FieldError] = []
    if hasattr(exc, "error_dict"):
        for name, errs in exc.error_dict.items():
            field = None if name == NON_FIELD_ERRORS else name
            for err in errs:
                found.extend({"field": field, "message": str(m), "code": err.code or "invalid"} for m in err)
        return found
    for err in exc.error_list:
        found.extend({"field": None, "message": str(m), "code": err.code or "invalid"} for m in err)
    return found


def errors_from_schema(errors: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    """The field errors of django-ninja's schema validation (pydantic's ``loc``, ``msg`` and ``type``).

    ``loc`` starts with where the value was read (body, query, path, …); for the body, the
    name of the operation's parameter follows. Neither is part of the field's name.
    """
    found: list[FieldError] = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        parts = loc[2:] if loc[:1] == ["body"] else loc[1:]
        message, code = str(err.get("msg", "")), str(err.get("type", "invalid"))
        found.append({"field": ".".join(parts) or None, "message": message, "code": code})
    return found


def first_code(exc: ValidationError) -> str:
    return next((e["code"] for e in errors_from_django(exc) if e["code"] != "invalid"), "")


def detail_of(errors: list[FieldError]) -> str:
    """One sentence for a 400: the messages about the whole input, else the fields at fault."""
    general = [e["message"] for e in errors if e["field"] is None]
    if general:
        return " ".join(general)
    fields = list(dict.fromkeys(e["field"] for e in errors if e["field"]))
    return "The input is not valid: " + ", ".join(fields) + "." if fields else "The input is not valid."


# ------------------------------------------------------------------------------------------
# Errors made outside the API's operations


API_PREFIX = "/api/"  # where trm.urls mounts the API


def _legacy_detail(response: HttpResponse) -> str | None:
    """The detail of a body that is exactly ``{"detail": "..."}`` (django-ninja's own shape), else None."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(body, dict) and set(body) == {"detail"} and isinstance(body["detail"], str):
        return body["detail"]
    return None


class ApiProblemMiddleware:
    """Answer a problem for the API's errors that its exception handlers never see.

    A URL under /api/ that matches no operation (404), a method the operation does not take
    (405), a request stopped by a middleware (401 while a second factor is owed) or a server
    error (500) would otherwise be an HTML page or ``{"detail": ...}``. Bodies in any other
    JSON shape are left alone.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> HttpResponse:
        response: HttpResponse = self.get_response(request)
        if getattr(response, "streaming", False):
            return response
        if response.status_code < 400 or not request.path_info.startswith(API_PREFIX) or is_problem(response):
            return response
        content_type = str(response.get("Content-Type", ""))
        detail = _legacy_detail(response) if content_type.startswith("application/json") else ""
        if detail is None:
            return response
        keep = {k: v for k, v in response.items() if k.lower() in ("allow", "www-authenticate", "retry-after")}
        return problem_response(response.status_code, detail, headers=keep)

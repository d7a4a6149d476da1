"""Guards at the node's edge: bad input is a clear 4xx, an unreachable database a 503.

``InputGuardMiddleware`` runs before any view reads the request. It refuses, for every
page and API operation, text that no person types (see ``trm.lib.text``); for the JSON API
it also refuses a body that is not JSON (415), that is too large (413) or that holds an
integer no database column can hold (400). Every endpoint is covered, so none can forget.

``MachineEndpointMiddleware`` sends trm/1 (``/trm/1/``), which other nodes call, past the
middleware that serves people (sessions, login and two-factor, language, CSRF, messages,
HTML security headers, htmx, lock-out): a node's request carries none of that, and each
layer cost time on every message. It keeps what guards any request: the security headers
and the 503 of the middleware above it, and ``InputGuardMiddleware`` below it.

``DatabaseUnavailableMiddleware`` turns a database that cannot be reached (or stays locked
beyond the busy timeout) into a 503 with ``Retry-After`` instead of a 500: the node is not
broken, it is waiting for its database, and the next request reconnects by itself
(``CONN_HEALTH_CHECKS``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.handlers.exception import convert_exception_to_response
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.urls import Resolver404, resolve

from trm.lib.problems import problem_response
from trm.lib.text import form_problem, json_problem

logger = logging.getLogger("trm.core")

API_PREFIX = "/api/"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)


def problem(status: int, title: str, detail: str = "") -> HttpResponse:
    """An RFC 9457 problem-details response, in the API's one shape (``trm.lib.problems``).

    ``title`` names the case for readers of this module; the response's title is the
    status's standard phrase, as for every other problem the API answers.
    """
    return problem_response(status, detail or title)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _empty_form(request: HttpRequest) -> bool:
    if request.content_type not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return False
    try:
        return not request.POST and not request.FILES
    except Exception:  # a malformed multipart body: not empty, and refused as not JSON
        return False


def error_page(status: int, template: str) -> HttpResponse:
    # Rendered without the request: no context processor, no session, no database.
    return HttpResponse(loader.get_template(template).render(), status=status)


def bad_input_page() -> HttpResponse:
    return error_page(400, "400.html")


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self._api_refusal(request) if _is_api(request) else self._page_refusal(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    def _page_refusal(self, request: HttpRequest) -> HttpResponse | None:
        if form_problem(request.GET.lists()) is not None:
            return bad_input_page()
        if request.method in _BODY_METHODS:
            try:
                problem_text = form_problem(request.POST.lists())
            except (RequestDataTooBig, TooManyFieldsSent):
                return None  # Django answers these itself with a 400 when the view reads the form
            if problem_text is not None:
                return bad_input_page()
        return None

    def _api_refusal(self, request: HttpRequest) -> HttpResponse | None:
        found = form_problem(request.GET.lists())
        if found is not None:
            return problem(400, "Bad request", found)
        if request.method not in _BODY_METHODS:
            return None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _content_length(request) > limit:
            return problem(413, "Request body too large", f"The API accepts at most {limit} bytes.")
        has_body = _content_length(request) > 0 or "HTTP_TRANSFER_ENCODING" in request.META
        if not has_body:
            return None
        try:
            # Read the raw body first: a form parsed before it (by the CSRF check, say) would
            # leave nothing for the JSON parser and crash the request.
            body = request.body
        except RequestDataTooBig:
            return problem(413, "Request body too large", f"The API accepts at most {limit} bytes.")
        content_type = request.content_type or ""
        if content_type != "application/json" and not content_type.endswith("+json"):
            if _empty_form(request):
                return None  # an empty form post is no body at all (an action with no input)
            return problem(415, "Unsupported media type", "The API accepts JSON bodies only.")
        try:
            data: Any = json.loads(body)
        except UnicodeDecodeError:
            return problem(400, "Bad request", "The body is not valid UTF-8.")
        except RecursionError:
            return problem(400, "Bad request", "The JSON body is nested too deeply.")
        except ValueError:
            return None  # not JSON at all: the API's own parser answers with its 400
        found = json_problem(data)
        if found is not None:
            return problem(400, "Bad request", found)
        return None


def unavailable(request: HttpRequest | None) -> HttpResponse:
    """The answer while the database cannot be reached: 503, try again shortly."""
    if request is not None and _is_api(request):
        response: HttpResponse = problem(
            503, "Service unavailable", "The node's database is unavailable; try again shortly."
        )
    else:
        response = error_page(503, "503.html")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that fails to reach the database answers 503 with Retry-After, not 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        # The class name and the driver's SQLSTATE code only (40P01 is a deadlock, 53100 a full
        # disk): a database message may quote the statement's parameters.
        cause = exception.__cause__
        sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "sqlite_errorname", None) or "-"
        logger.error(
            "database unavailable: %s (%s) on %s %s",
            type(exception).__name__,
            sqlstate,
            request.method,
            request.resolver_match.route if request.resolver_match else "-",
        )
        return unavailable(request)


# The node-to-node endpoints (trm/1 §3): a peer's POST of a token, the trust list's GET.
MACHINE_PREFIX = "/trm/1/"


def _machine_view(request: HttpRequest) -> HttpResponse:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return HttpResponse(status=404, content_type="text/plain")
    request.resolver_match = match
    response: HttpResponse = match.func(request, *match.args, **match.kwargs)
    return response


class MachineEndpointMiddleware:
    """Requests under ``/trm/1/`` skip the rest of the stack: ``InputGuardMiddleware``, then the view.

    Sits just after ``DatabaseUnavailableMiddleware``. Nothing under ``/trm/1/`` reads a
    session, a user, a language or a form: the inbox is CSRF-exempt and answers with a
    signed receipt, and the trust list is public. ``TRM_MACHINE_FAST_PATH=0`` sends them
    through the whole stack again (for comparison).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        view = cast(Callable[[HttpRequest], HttpResponse], convert_exception_to_response(_machine_view))
        guarded = convert_exception_to_response(InputGuardMiddleware(view))
        self.machine = cast(Callable[[HttpRequest], HttpResponse], guarded)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(MACHINE_PREFIX) and settings.TRM_MACHINE_FAST_PATH:
            return self.machine(request)
        return self.get_response(request)

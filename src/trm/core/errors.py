"""The node's error handlers (``handler400`` and ``handler500`` in ``trm.urls``).

They render without the request: a request refused for its Host header, or one that failed
because the database is down, has no session or user to put in a page, and a context
processor that reached for them would turn a 400 into a 500.
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse

from trm.core.middleware import DATABASE_ERRORS, bad_input_page, error_page, problem, unavailable


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem(400, "Bad request")
    return bad_input_page()


def server_error(request: HttpRequest) -> HttpResponse:
    # Called inside Django's exception handling, so the exception is still at hand.
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return unavailable(request)
    if request.path.startswith("/api/"):
        return problem(500, "Server error", "Something went wrong on this node. The error was logged.")
    return error_page(500, "500.html")

"""Refusals audited in one place: one 'refused' entry per refused request.

A refusal is a 403 (sees the object, lacks the right), a 404 (may not see it, or it is not
there), a 409 (its state forbids the step now) or a failed CSRF check; see trm.lib.refusals.
Three callers write them, all through record_refusal():

- RefusalAuditMiddleware, for every page that answers 403, 404 or 409 to a signed-in user
  (CSRF failures included: csrf_failure() marks the request);
- the API's exception handler (trm.api), for the same statuses;
- a verb-level wrapper that wants its reason in the entry (referrals' audited_refusals, the
  refused fields of a referral): it records first, and marks the request so that neither of
  the other two writes the same refusal again. A verb that writes its own entry (a joint
  team's item refused by its handling codes) has the page mark the request
  (mark_recorded) for the same reason.

The entry names the user, the route (route_of: a page's view name, an API operation's
path), the method, the status, and
the object the URL points at (its type from the route's app and parameter, its reference
from the URL), never request bodies or other content. It is written after the view
returned or raised, so outside (and after the rollback of) any transaction of the verb.
Refusals to anonymous visitors are not audited: the login page and the axes lockout cover
them, and a scanner's guesses would bury the entries that matter. Nor is a 404 for a URL
that matches no route (a browser's /favicon.ico): it names no object.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import ResolverMatch

from trm.audit.events import Action
from trm.audit.models import AuditEvent
from trm.audit.record import record

AUDITED_STATUSES = frozenset({403, 404, 409})
_MARK = "_trm_refusal_audited"
_REASON = "_trm_refusal_reason"

# (app, the literal path segment before the parameter or "*", parameter) -> (object type, reference format)
OBJECTS: dict[tuple[str, str, str], tuple[str, str]] = {
    ("cases", "*", "reference"): ("cases.case", "{}"),
    ("*", "*", "case_ref"): ("cases.case", "{}"),
    ("referrals", "*", "reference"): ("referrals.referral", "{}"),
    ("referrals", "directory", "pk"): ("referrals.provider", "provider-{}"),
    ("referrals", "providers", "pk"): ("referrals.provider", "provider-{}"),
    ("transnational", "*", "conversation"): ("transnational.link", "{}"),
    ("transnational", "alerts", "alert_id"): ("transnational.routealert", "{}"),
    ("justice", "proceedings", "reference"): ("justice.proceeding", "{}"),
    ("justice", "compensation", "reference"): ("justice.claim", "{}"),
    ("justice", "groups", "reference"): ("justice.group", "{}"),
    ("network", "countries", "code"): ("network.networkcountry", "{}"),
    ("network", "people", "pk"): ("network.participant", "{}"),
    ("network", "meetings", "pk"): ("network.meeting", "{}"),
    ("network", "meetings", "meeting_id"): ("network.meeting", "{}"),
    ("network", "actions", "pk"): ("network.actionitem", "{}"),
    ("network", "actions", "item_id"): ("network.actionitem", "{}"),
    ("network", "nodes", "pk"): ("network.networknode", "{}"),
}
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")
_REF_MAX = AuditEvent._meta.get_field("object_ref").max_length or 64


def object_of(match: ResolverMatch | None) -> tuple[str, str]:
    """(object type, reference) of the first object the route's parameters name; ("", "") if none.

    ``cases/<reference>/screen/`` → ("cases.case", reference); the API's routes
    (``api/referrals/providers/<pk>``) are read the same way without their ``api/`` prefix.
    """
    if match is None or not match.route:
        return "", ""
    segments = match.route.removeprefix("api/").split("/")
    app, literal = segments[0], ""
    for segment in segments:
        names = [a or b for a, b in _PARAM.findall(segment)]
        if not names:
            literal = segment
            continue
        for name in names:
            for key in ((app, literal, name), (app, "*", name), ("*", "*", name)):
                if key in OBJECTS and name in match.kwargs:
                    object_type, fmt = OBJECTS[key]
                    return object_type, fmt.format(match.kwargs[name])[:_REF_MAX]
        literal = segment
    return "", ""


def route_of(match: ResolverMatch | None) -> str:
    """A page's view name (``cases:detail``); for the API, the operation's OpenAPI path
    (``/api/cases/{reference}``), since its view name is shared by all methods of a path."""
    if match is None:
        return "-"
    if match.namespace == "api" and match.route:
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", match.route)
    return match.view_name


def already_recorded(request: HttpRequest | None) -> bool:
    return bool(request is not None and getattr(request, _MARK, False))


def mark_recorded(request: HttpRequest) -> None:
    """The request's refusal is audited already (the verb wrote its entry): no one writes another."""
    setattr(request, _MARK, True)


def mark_reason(request: HttpRequest, reason: str) -> None:
    """Name why the request is refused before the response exists (``csrf``)."""
    setattr(request, _REASON, reason)


def record_refusal(
    request: HttpRequest | None,
    *,
    status: int,
    user: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_ref: str = "",
    fields: Iterable[str] = (),
    note: str = "",
) -> AuditEvent | None:
    """Write the 'refused' entry of this request, once; None if it was written already.

    Without ``obj`` or ``object_type`` the object comes from the URL (object_of). ``note`` is
    a short non-personal reason (a verb and its refusal code); ``fields`` names refused
    fields, never their values.
    """
    if already_recorded(request):
        return None
    if request is not None:
        setattr(request, _MARK, True)
        user = request.user if user is None else user
        if obj is None and not object_type:
            object_type, object_ref = object_of(request.resolver_match)
        route = route_of(request.resolver_match)
        reason = getattr(request, _REASON, "")
        head = f"{status} {request.method} {route}"
        note = " ".join(p for p in (head, reason, note) if p)
    else:
        note = " ".join(p for p in (str(status), note) if p)
    return record(
        user,
        Action.REFUSED,
        obj,
        object_type=object_type,
        object_ref=object_ref,
        fields=fields,
        note=note,
        request=request,
    )


class RefusalAuditMiddleware:
    """Audit every 403, 404 and 409 answered to a signed-in user (the API's are audited by its handler)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code in AUDITED_STATUSES
            and request.resolver_match is not None  # a URL that names no route (a favicon) is no refusal
            and not already_recorded(request)
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            record_refusal(request, status=response.status_code)
        return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the node's 403 page; the refusal is audited as ``csrf``.

    Django's reason may quote the request's headers, so it is not recorded.
    """
    mark_reason(request, "csrf")
    return HttpResponse(render_to_string("403.html", request=request), status=403)

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from trm.accounts.access import capability_required
from trm.accounts.roles import Cap
from trm.audit.access import visible_events
from trm.audit.forms import AuditFilterForm
from trm.audit.verification import verify_chain
from trm.lib.paging import BoundedPaginator


@require_GET
@capability_required(Cap.VIEW_AUDIT_LOG)
def log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(render(request, "audit/log.html", {"form": form}).content)
    events = visible_events(request.user)
    data = form.cleaned_data
    if data["action"]:
        events = events.filter(action=data["action"])
    if data["object_type"]:
        events = events.filter(object_type=data["object_type"])
    if data["object_ref"]:
        events = events.filter(object_ref=data["object_ref"])
    if data["actor"]:
        events = events.filter(actor_label=data["actor"])
    page = BoundedPaginator(events, 50).get_page(request.GET.get("page"))
    verified = verify_chain() if request.GET.get("verify") == "1" else None
    return render(request, "audit/log.html", {"form": form, "page": page, "verified": verified})

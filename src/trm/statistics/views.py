"""The statistics pages: protected figures only, for everyone who may see statistics.

No view here reads a case: they read the newest protected snapshot (``facts.current``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trm.accounts.access import capability_required
from trm.accounts.roles import Cap
from trm.lib.refusals import Conflict, ValidationError
from trm.statistics import charts, exports, facts, regional, releases, tables
from trm.statistics.forms import FilterForm, RegionalFilterForm, RegionalForm, ReleaseForm
from trm.statistics.models import DPRelease, RegionalReport


def _filters(request: HttpRequest, years: list[str]) -> FilterForm:
    return FilterForm(request.GET, years=years)


def page_context(snapshot_figures: dict[str, Any], *, year: str | None, by: str | None) -> dict[str, Any]:
    victim = tables.victim_tables(snapshot_figures, year=year, by=by)
    flows = tables.flow_table(snapshot_figures, year=year)
    permit = tables.permit_table(snapshot_figures)
    _years, decisions = tables.decision_table(snapshot_figures)
    return {
        "charts": [(t, charts.bars(t)) for t in victim],
        "flows": (flows, charts.matrix(flows)),
        "permits": (permit, charts.bars(permit)),
        "decisions": decisions,
        "tallies": [(t, charts.bars(t), means) for t, means in tables.tally_tables(snapshot_figures, year=year)],
        "k": snapshot_figures["k"],
        "has_data": bool(snapshot_figures["years"]),
    }


@require_GET
@capability_required(Cap.VIEW_STATISTICS)
def home(request: HttpRequest) -> HttpResponse:
    snapshot = facts.current()
    form = _filters(request, snapshot.figures["years"])
    if not form.is_valid():
        return HttpResponseBadRequest(render(request, "statistics/home.html", {"form": form}).content)
    year, by = form.cleaned_data["year"] or None, form.cleaned_data["by"] or None
    context = page_context(snapshot.figures, year=year, by=by)
    query = request.GET.urlencode()
    return render(
        request,
        "statistics/home.html",
        {"form": form, "snapshot": snapshot, "query": query, "year": year, **context, **_regional_context(snapshot)},
    )


def _regional_context(snapshot: Any, form: RegionalForm | None = None) -> dict[str, Any]:
    to = regional.secretariat()
    if not to or regional.is_secretariat():
        return {}
    sent = RegionalReport.objects.filter(direction=RegionalReport.Direction.SENT).order_by("-at")[:10]
    return {
        "regional_form": form or RegionalForm(years=snapshot.figures["years"]),
        "regional_to": to,
        "regional_sent": list(sent),
    }


@require_POST
@capability_required(Cap.VIEW_STATISTICS)
def regional_send(request: HttpRequest) -> HttpResponse:
    """Send one year of this node's protected figures to the network secretariat's node."""
    snapshot = facts.current()
    form = RegionalForm(request.POST, years=snapshot.figures["years"])
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose a year from the list."))
    try:
        regional.send(by=request.user, year=int(form.cleaned_data["year"]))
    except Conflict as refusal:
        return HttpResponse(" ".join(refusal.messages), status=409, content_type="text/plain; charset=utf-8")
    except ValidationError as refusal:
        return HttpResponseBadRequest(" ".join(refusal.messages))
    messages.success(request, _("The figures were queued for the network secretariat."))
    return redirect("statistics:home")


@require_GET
@capability_required(Cap.MANAGE_NETWORK)
def regional_page(request: HttpRequest) -> HttpResponse:
    """The secretariat's view: the countries' received figures for one year, side by side."""
    years = sorted({r.year for r in regional.received()}, reverse=True)
    form = RegionalFilterForm(request.GET or {"year": str(years[0]) if years else ""}, years=years)
    if request.GET and not form.is_valid():
        return HttpResponseBadRequest(_("Choose a year from the list."))
    year = int(form.cleaned_data["year"]) if form.is_valid() and form.cleaned_data["year"] else None
    reports = regional.received(year) if year is not None else []
    context = {
        "form": form,
        "year": year,
        "reports": reports,
        "is_secretariat": regional.is_secretariat(),
        "tables": [(t, charts.bars(t)) for t in regional.side_by_side(reports)] if reports else [],
    }
    return render(request, "statistics/regional.html", context)


@require_POST
@capability_required(Cap.VIEW_STATISTICS)
def refresh(request: HttpRequest) -> HttpResponse:
    facts.refresh()
    messages.success(request, _("The figures were brought up to date."))
    return redirect("statistics:home")


@require_GET
@capability_required(Cap.VIEW_STATISTICS)
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    snapshot = facts.current()
    form = _filters(request, snapshot.figures["years"])
    if not form.is_valid() or fmt not in exports.FORMATS:
        return HttpResponseBadRequest(_("Choose a year and a breakdown from the lists."))
    return exports.respond(
        request,
        fmt=fmt,
        snapshot=snapshot,
        year=form.cleaned_data["year"] or None,
        by=form.cleaned_data["by"] or None,
    )


@require_http_methods(["GET", "POST"])
@capability_required(Cap.VIEW_STATISTICS)
def releases_page(request: HttpRequest) -> HttpResponse:
    form = ReleaseForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            releases.release(by=request.user, table=data["table"], year=data["year"], epsilon=data["epsilon"])
        except Conflict as refusal:
            form.add_error(None, refusal)
            status = 409
        except ValidationError as refusal:
            form.add_error(None, refusal)
            status = 400
        else:
            messages.success(request, _("The release was made and its privacy cost recorded."))
            return redirect("statistics:releases")
    elif request.method == "POST":
        status = 400
    done = list(DPRelease.objects.all()[:50])
    budget = sorted({r.year_from for r in done})
    rows = []
    for release in done:
        table = tables.release_table(release)
        rows.append((release, table, charts.bars(table)))
    context = {
        "form": form,
        "releases": rows,
        "budget": [(y, releases.spent(y), releases.remaining(y)) for y in budget],
    }
    return render(request, "statistics/releases.html", context, status=status)

"""Pages of the joint investigation teams: thin, every rule is in ``justice.teams``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trm.audit import refusals
from trm.justice import teams
from trm.justice.models.teams import ItemDirection, JointTeam, SharedItem
from trm.justice.teams_forms import CaseLinkForm, ForwardForm, ItemForm, MemberForm, PartyForm, TeamForm
from trm.lib.formpages import add_errors as _add_errors
from trm.lib.formpages import page as _page
from trm.lib.formpages import posted as _posted
from trm.lib.refusals import status_of
from trm.vocab.countries import country_name


def _require(request: HttpRequest) -> None:
    if not teams.may_use(request.user):
        raise Http404


def _parties(team: JointTeam, *, exclude: str = "") -> list[tuple[str, str]]:
    return [
        (p.country, f"{country_name(p.country)} ({p.authority})")
        for p in team.parties.exclude(node="").exclude(node=settings.TRM_NODE_ID)
        if p.node != exclude
    ]


@require_GET
@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    return render(request, "justice/teams/list.html", {"teams": teams.visible_teams(request.user)})


@require_http_methods(["GET", "POST"])
@login_required
def team_new(request: HttpRequest) -> HttpResponse:
    _require(request)
    form = TeamForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        ref = data.pop("operation_ref")
        try:
            team = (
                teams.join_team(request.user, operation_ref=ref, **data)
                if ref
                else teams.create_team(request.user, **data)
            )
        except ValidationError as err:
            _add_errors(form, err)
        else:
            messages.success(request, _("Team recorded. Add its parties and members."))
            return redirect("justice:team", ref=team.operation_ref)
    return _page(
        request, "justice/teams/form.html", {"form": form, "title": _("Record a joint investigation team")}, form
    )


def _detail(request: HttpRequest, team: JointTeam, **forms: Any) -> HttpResponse:
    context = {
        "team": team,
        "active": team.is_active(),
        "withheld": teams.withheld_from_export(team),
        "parties": team.parties.all(),
        "members": team.members.all(),
        "cases": team.cases.select_related("case"),
        "received": team.items.filter(direction=ItemDirection.IN),
        "sent": team.items.filter(direction=ItemDirection.OUT),
        "party_form": forms.get("party_form") or PartyForm(auto_id="party_%s"),
        "member_form": forms.get("member_form") or MemberForm(auto_id="member_%s"),
        "case_form": forms.get("case_form") or CaseLinkForm(auto_id="case_%s"),
    }
    bound = next((f for f in forms.values() if f is not None), None)
    return _page(request, "justice/teams/detail.html", context, bound)


@require_GET
@login_required
def team_detail(request: HttpRequest, ref: str) -> HttpResponse:
    return _detail(request, teams.get_team_for(request.user, ref))


def _team_step(
    request: HttpRequest, ref: str, form_class: Any, prefix: str, verb: Callable[..., Any], slot: str
) -> HttpResponse:
    """One POST on the team page: the form, the verb, back to the page or the form with its errors."""
    team = teams.get_team_for(request.user, ref)
    form = form_class(request.POST, auto_id=f"{prefix}_%s")
    if form.is_valid():
        try:
            verb(team, form.cleaned_data)
        except ValidationError as err:
            _add_errors(form, err)
        else:
            return redirect("justice:team", ref=ref)
    return _detail(request, team, **{slot: form})


@require_POST
@login_required
def team_party(request: HttpRequest, ref: str) -> HttpResponse:
    def verb(team: JointTeam, data: dict[str, Any]) -> None:
        teams.add_party(request.user, team, **data)

    return _team_step(request, ref, PartyForm, "party", verb, "party_form")


@require_POST
@login_required
def team_member(request: HttpRequest, ref: str) -> HttpResponse:
    def verb(team: JointTeam, data: dict[str, Any]) -> None:
        teams.add_member(request.user, team, **data)

    return _team_step(request, ref, MemberForm, "member", verb, "member_form")


@require_POST
@login_required
def team_case(request: HttpRequest, ref: str) -> HttpResponse:
    def verb(team: JointTeam, data: dict[str, Any]) -> None:
        teams.link_case(request.user, team, reference=data["reference"].strip().upper())

    return _team_step(request, ref, CaseLinkForm, "case", verb, "case_form")


@require_http_methods(["GET", "POST"])
@login_required
def item_new(request: HttpRequest, ref: str) -> HttpResponse:
    team = teams.get_team_for(request.user, ref)
    form = ItemForm(_posted(request), parties=_parties(team))
    if request.method == "POST" and form.is_valid():
        try:
            teams.share_item(request.user, team, **form.cleaned_data)
        except ValidationError as err:
            _add_errors(form, err)
        else:
            messages.success(request, _("The item is on its way to the parties chosen."))
            return redirect("justice:team", ref=ref)
    context = {"form": form, "team": team, "title": _("Share an item with the team")}
    return _page(request, "justice/teams/form.html", context, form)


def _item_page(request: HttpRequest, item: SharedItem, form: Any = None) -> HttpResponse:
    passed_on = not (teams.NOT_PASSED_ON & set(item.handling_codes))
    active = item.team.is_active()
    context = {
        "item": item,
        "team": item.team,
        "active": active,
        "passed_on": passed_on,
        "may_pass_on": item.direction == ItemDirection.IN and passed_on and active,
        "forward_form": form or ForwardForm(parties=_parties(item.team, exclude=item.peer)),
    }
    return _page(request, "justice/teams/item.html", context, form)


@require_GET
@login_required
def item_detail(request: HttpRequest, ref: str, pk: int) -> HttpResponse:
    return _item_page(request, teams.get_item_for(request.user, ref, pk))


def _audited_by_verb(request: HttpRequest, err: ValidationError) -> None:
    """A refusal the verb audited itself (teams.HandlingRefused) is the request's one entry."""
    if isinstance(err, teams.HandlingRefused):
        refusals.mark_recorded(request)


@require_POST
@login_required
def item_forward(request: HttpRequest, ref: str, pk: int) -> HttpResponse:
    item = teams.get_item_for(request.user, ref, pk)
    form = ForwardForm(request.POST, parties=_parties(item.team, exclude=item.peer))
    restricted = bool(teams.NOT_PASSED_ON & set(item.handling_codes)) or not item.team.is_active()
    try:
        to = form.cleaned_data["to"] if form.is_valid() else ""
        # A restricted item, or one outside the team's period, is refused (and audited) whatever was chosen.
        if to or restricted:
            teams.forward_item(request.user, item, to=to)
            messages.success(request, _("The item is on its way."))
            return redirect("justice:team_item", ref=ref, pk=pk)
    except ValidationError as err:
        _audited_by_verb(request, err)
        _add_errors(form, err)
    return _item_page(request, item, form)


@require_POST
@login_required
def item_evidence(request: HttpRequest, ref: str, pk: int) -> HttpResponse:
    item = teams.get_item_for(request.user, ref, pk)
    try:
        teams.record_as_evidence(request.user, item)
    except ValidationError as err:
        _audited_by_verb(request, err)
        messages.error(request, " ".join(err.messages))
        response = _item_page(request, item)
        response.status_code = status_of(err)
        return response
    messages.success(request, _("Recorded as evidence."))
    return redirect("justice:team_item", ref=ref, pk=pk)


@require_GET
@login_required
def team_export(request: HttpRequest, ref: str) -> HttpResponse:
    team = teams.get_team_for(request.user, ref)
    text, withheld = teams.export_csv(request.user, team)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{team.operation_ref}.csv"'
    response["Cache-Control"] = "no-store"
    response["X-TRM-Withheld"] = str(withheld)  # items whose handling codes forbid export
    return response

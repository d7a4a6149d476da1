"""Pages of group cases. Thin: fetch through ``compensation_access``, validate a form, call one verb."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trm.accounts.access import SignedInRequest, capability_required
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases.access import get_case_for
from trm.justice import compensation_access, group_cases
from trm.justice.compensation_forms import GroupForm, LinkCaseForm, SendClaimForm
from trm.justice.models.groups import Group
from trm.justice.refusals import audit_bad_form, refusals_audited
from trm.lib.formpages import add_errors as _add_errors
from trm.lib.refusals import status_of

FIELDS = ["reference", "kind", "sector", "name", "workplace", "wages_owed", "hours_owed", "inspection_ref", "members"]


@require_GET
@capability_required(Cap.SEE_CASE_DATA)
def group_list(request: SignedInRequest) -> HttpResponse:
    groups = list(compensation_access.visible_groups(request.user).order_by("-created_at")[:200])
    record(
        request.user,
        Action.READ,
        object_type="justice.group",
        object_ref="list",
        fields=["reference", "kind", "sector"],
        request=request,
    )
    context = {"groups": groups, "may_record": compensation_access.may_record_groups(request.user)}
    return render(request, "justice/groups/list.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(Cap.SEE_CASE_DATA)
def group_new(request: SignedInRequest) -> HttpResponse:
    if not compensation_access.may_record_groups(request.user):
        raise Http404
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with refusals_audited(request.user, what="record group", object_type="justice.group", request=request):
                group = group_cases.record_group(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
            return render(request, "justice/groups/new.html", {"form": form}, status=status_of(exc))
        messages.success(request, _("Group %(ref)s recorded.") % {"ref": group.reference})
        return redirect("justice:group", reference=group.reference)
    if request.method == "POST":
        audit_bad_form(form, request.user, what="record group", object_type="justice.group", request=request)
    return render(request, "justice/groups/new.html", {"form": form}, status=400 if request.method == "POST" else 200)


def _detail(
    request: SignedInRequest, group: Group, *, posted: tuple[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    may_record = compensation_access.may_record_groups(user)
    links = group_cases.shareable_links(group, user) if may_record else []
    forms: dict[str, Any] = {}
    if may_record:
        forms = {"link": LinkCaseForm(), "share": SendClaimForm(links=links) if links else None}
        if posted is not None:
            forms[posted[0]] = posted[1]
    context = {
        "group": group,
        "members": list(compensation_access.visible_members(user, group)),
        "hidden": group.members.count() - compensation_access.visible_members(user, group).count(),
        "shares": list(group.shares.all()),
        "forms": forms,
        "may_record": may_record,
    }
    record(user, Action.READ, group, fields=FIELDS, request=request)
    return render(request, "justice/groups/detail.html", context, status=status)


@require_GET
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def group_detail(request: SignedInRequest, reference: str) -> HttpResponse:
    return _detail(request, compensation_access.get_group_for(request.user, reference))


@require_POST
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def group_action(request: SignedInRequest, reference: str, action: str) -> HttpResponse:
    user = request.user
    group = compensation_access.get_group_for(user, reference, write=True)
    if action not in ("link", "unlink", "share"):
        raise Http404
    if action == "share":
        form: Any = SendClaimForm(request.POST, links=group_cases.shareable_links(group, user))
    else:
        form = LinkCaseForm(request.POST)
    if not form.is_valid():
        audit_bad_form(form, user, what=f"group {action}", obj=group, request=request)
        return _detail(request, group, posted=(action, form), status=400)
    try:
        with refusals_audited(user, what=f"group {action}", obj=group, request=request):
            if action == "share":
                group_cases.share(group, link=form.links[form.cleaned_data["link"]], by=user)
                done = _("The group's reference was sent.")
            else:
                case = get_case_for(user, form.cleaned_data["case"].strip().upper())
                if action == "link":
                    group_cases.link_case(group, case, by=user)
                    done = _("Case linked to the group.")
                else:
                    group_cases.unlink_case(group, case, by=user)
                    done = _("Case removed from the group.")
    except ValidationError as exc:
        _add_errors(form, exc)
        return _detail(request, group, posted=(action, form), status=status_of(exc))
    messages.success(request, done)
    return redirect("justice:group", reference=group.reference)

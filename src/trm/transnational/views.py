from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trm.audit.events import Action
from trm.audit.record import record
from trm.cases.access import get_case_for
from trm.dashboard.panels import Panel
from trm.transnational import access, fieldsets, timeline, workflows
from trm.transnational.forms import (
    FOLLOW_UP_TYPES,
    NOTES,
    ChooseFollowUpForm,
    DeclineForm,
    FollowUpForm,
    SendForm,
    WithdrawForm,
)
from trm.transnational.models import Direction, LinkStatus, ReportDue


def _errors(form: Any, err: ValidationError) -> None:
    for message in err.messages:
        form.add_error(None, message)


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    access.require(request.user)
    links = access.visible_links(request.user).select_related("case")
    received = timeline.latest_received()
    known = set(links.filter(conversation__in=[m["conversation"] for m in received])
                .values_list("conversation", flat=True))
    return render(request, "transnational/inbox.html", {
        "incoming": links.filter(direction=Direction.INCOMING)[:100],
        "outgoing": links.filter(direction=Direction.OUTGOING)[:100],
        "received": received,
        "known": known,
    })


@require_GET
@login_required
def detail(request: HttpRequest, conversation: Any) -> HttpResponse:
    link = access.get_link_for(request.user, conversation)
    record(request.user, Action.READ, link, fields=["messages"], request=request)
    chosen = request.GET.get("message", "")
    follow_up_form = None
    if chosen in _follow_up_types(link):
        follow_up_form = FollowUpForm(type_=chosen)
    return render(request, "transnational/detail.html", _detail_context(link, follow_up_form=follow_up_form))


def _follow_up_types(link: Any) -> list[str]:
    """The follow-up messages offered on this conversation's page (the workflow checks again)."""
    if not link.is_live:
        return []
    is_child = link.case.is_child if link.case_id else link.is_child
    asylum = bool(link.case_id and link.case.asylum_seeker)
    return [
        t for t in fieldsets.FOLLOW_UPS
        if (is_child or t not in fieldsets.CHILDREN_ONLY) and not (asylum and t == "identity_verification_request")
    ]


def _detail_context(link: Any, **forms: Any) -> dict[str, Any]:
    incoming_offer = link.direction == Direction.INCOMING and link.can("accept")
    types = _follow_up_types(link)
    follow_up_form = forms.get("follow_up_form")
    return {
        "link": link,
        "items": timeline.build(link.conversation),
        "decline_form": forms.get("decline_form") or (DeclineForm() if incoming_offer else None),
        "withdraw_form": forms.get("withdraw_form")
        or (WithdrawForm() if link.direction == Direction.OUTGOING and link.can("withdraw")
            and link.offer_message_id else None),
        "can_accept": incoming_offer,
        "choose_form": ChooseFollowUpForm(
            initial={"message": follow_up_form.fields["type"].initial if follow_up_form else None}, types=types
        ) if types else None,
        "follow_up_form": follow_up_form,
        "follow_up_label": dict(FOLLOW_UP_TYPES).get(follow_up_form.fields["type"].initial) if follow_up_form else "",
        "follow_up_note": NOTES.get(follow_up_form.fields["type"].initial, "") if follow_up_form else "",
        "reports_due": list(link.reports_due.all()),
        "today": timezone.localdate(),
    }


@require_POST
@login_required
def act(request: HttpRequest, conversation: Any, action: str) -> HttpResponse:
    link = access.get_link_for(request.user, conversation)
    form: Any = None
    try:
        if action == "accept":
            link = workflows.accept(link, by=request.user)
            messages.success(request, _("Referral accepted: case %(ref)s opened.") % {"ref": link.case.reference})
        elif action == "decline":
            form = DeclineForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose a reason."))
            workflows.decline(link, by=request.user, **form.cleaned_data)
            messages.success(request, _("Referral declined; the other country is told."))
        elif action == "withdraw":
            form = WithdrawForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose a reason."))
            workflows.withdraw(link, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("Referral withdrawn; the other country is told."))
        elif action == "follow-up":
            if request.POST.get("type") not in _follow_up_types(link):
                raise ValidationError(_("This message cannot be sent in this conversation."))
            form = FollowUpForm(request.POST, type_=request.POST["type"])
            if not form.is_valid():
                raise ValidationError(_("Complete the fields this message needs."))
            data = form.cleaned_data
            workflows.send_follow_up(link, by=request.user, type_=data["type"], data=data)
            messages.success(request, _("Message queued for %(node)s.") % {"node": link.peer})
        else:
            raise Http404
    except ValidationError as err:
        messages.error(request, " ".join(err.messages))
        bound = {"follow_up_form": form} if action == "follow-up" else {}
        context = _detail_context(link, **bound)
        return render(request, "transnational/detail.html", context, status=400)
    return redirect("transnational:detail", conversation=link.conversation)


@require_http_methods(["GET", "POST"])
@login_required
def send(request: HttpRequest, case_ref: str) -> HttpResponse:
    access.require(request.user)
    case = get_case_for(request.user, case_ref, write=True)
    peers = workflows.peers()
    form = SendForm(request.POST or None, peers=peers)
    preview = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                basis = workflows.basis_for(case)
                if "preview" in request.POST:
                    preview = _preview(case, d, basis)
                else:
                    link = workflows.send_referral(case, by=request.user, **d)
                    messages.success(request, _("Referral queued for %(node)s.") % {"node": link.peer})
                    return redirect("transnational:detail", conversation=link.conversation)
            except ValidationError as err:
                _errors(form, err)
                status = 400
        else:
            status = 400
    return render(request, "transnational/send.html",
                  {"form": form, "case": case, "preview": preview, "peers": peers}, status=status)


def _preview(case: Any, d: dict[str, Any], basis: dict[str, Any]) -> dict[str, Any]:
    """Exactly what would leave: each message's envelope members and body (nothing is stored)."""
    workflows.check_outgoing(case, offer=d["offer"], services=d["services"],
                             requested_actions=d["requested_actions"], purpose=d["purpose"])
    handling = workflows.handling_of(d["handling_codes"], d["handling_text"])
    bodies = workflows.outgoing_bodies(
        case, offer=d["offer"], services=d["services"], needs_summary=d["needs_summary"],
        share_identity=d["share_identity"], urgency=d["urgency"], requested_actions=d["requested_actions"],
    )
    refs = {k: v for k, v in basis.items() if k != "consent"}
    return {
        type_: {
            "envelope": {"purpose": d["purpose"] if type_ == "referral_offer" else "assistance", **refs,
                         "handling": " ".join(handling.codes) + (f" — {handling.text}" if handling.text else "")},
            "body": body,
        }
        for type_, body in bodies.items()
    }


def case_section(request: HttpRequest, case: Any) -> Panel | None:
    if not access.may_use(request.user):
        return None
    return Panel(
        title=gettext_lazy("Transnational referrals"),
        template="transnational/_case_section.html",
        context={"links": list(access.visible_links(request.user).filter(case=case)), "case": case},
        order=60,
    )


def dashboard_panel(request: HttpRequest) -> Panel | None:
    if not access.may_use(request.user):
        return None
    links = access.visible_links(request.user)
    answerable = [LinkStatus.OFFERED, LinkStatus.NOTIFIED]
    waiting = list(links.filter(direction=Direction.INCOMING, status__in=answerable)[:10])
    urgent = list(links.filter(urgent=True).exclude(status=LinkStatus.ERASED)[:10])
    soon = timezone.localdate() + dt.timedelta(days=14)
    reports = list(
        ReportDue.objects.open().filter(link__in=links, due_on__lte=soon).select_related("link")[:10]
    )
    if not waiting and not urgent and not reports:
        return None
    # Urgent alerts come first on the dashboard (order 1); otherwise after the case panels.
    return Panel(title=gettext_lazy("Transnational referrals"), template="transnational/_panel.html",
                 context={"waiting": waiting, "urgent": urgent, "reports": reports,
                          "today": timezone.localdate()}, order=1 if urgent else 15)

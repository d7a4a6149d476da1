from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trm.accounts.access import SignedInRequest
from trm.audit.events import Action
from trm.audit.record import record
from trm.cases.access import get_case_for
from trm.dashboard.panels import Panel
from trm.exchange.models import OutboxMessage, OutboxStatus
from trm.lib.refusals import Conflict
from trm.transnational import (
    access,
    alerts,
    evidence,
    notices,
    reconciling,
    rendering,
    reprocess,
    returns,
    roles,
    timeline,
    vocabulary,
    workflows,
)
from trm.transnational.forms import (
    AcknowledgeForm,
    ChooseFollowUpForm,
    DeclineForm,
    FollowUpForm,
    ReconcileForm,
    RoleForm,
    RouteAlertForm,
    SendForm,
    WithdrawForm,
)
from trm.transnational.kinds import FOLLOW_UPS, KINDS
from trm.transnational.models import AlertRecipient, Direction, Link, LinkStatus, ReportDue

# A received conversation in these states waits for this node's answer.
ANSWERABLE = (LinkStatus.NOTIFIED, LinkStatus.OFFERED)


def _errors(form: Any, err: ValidationError) -> None:
    """Show a verb's refusal on the form: on its field when it names one the form has."""
    if hasattr(err, "error_dict"):
        for name, errors in err.error_dict.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error.messages)
        return
    for message in err.messages:
        form.add_error(None, message)


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    access.require(request.user)
    links = access.visible_links(request.user).select_related("case")
    received = timeline.latest_received()
    known = set(
        links.filter(conversation__in=[m["conversation"] for m in received]).values_list("conversation", flat=True)
    )
    return render(
        request,
        "transnational/inbox.html",
        {
            "incoming": links.filter(direction=Direction.INCOMING)[:100],
            "outgoing": links.filter(direction=Direction.OUTGOING)[:100],
            "received": received,
            "known": known,
            "waiting": reprocess.waiting(request.user).count(),
        },
    )


@require_GET
@login_required
def detail(request: HttpRequest, conversation: Any) -> HttpResponse:
    link = access.get_link_for(request.user, conversation)
    record(request.user, Action.READ, link, fields=["messages"], request=request)
    notices.mark_read(request.user, link=link)
    chosen = request.GET.get("message", "")
    follow_up_form = None
    if chosen in workflows.follow_ups_for(link):
        follow_up_form = FollowUpForm(type_=chosen)
    return render(
        request, "transnational/detail.html", _detail_context(link, request.user, follow_up_form=follow_up_form)
    )


def _detail_context(link: Any, user: Any, **forms: Any) -> dict[str, Any]:
    incoming_offer = link.direction == Direction.INCOMING and link.can("accept")
    types = workflows.follow_ups_for(link)
    follow_up_form = forms.get("follow_up_form")
    kind = KINDS[follow_up_form.fields["type"].initial] if follow_up_form else None
    today = timezone.localdate()
    return {
        **_live_context(link, user),
        # A received referral still to be answered leads with what the decision needs.
        "brief": rendering.referral_brief(link, today=today)
        if link.direction == Direction.INCOMING and link.status in ANSWERABLE
        else None,
        "can_ask": "information_request" in types,
        "handling": [(code, vocabulary.label(vocabulary.HANDLING, code)) for code in link.handling_codes or ["H2"]],
        "decline_form": forms.get("decline_form") or (DeclineForm() if incoming_offer else None),
        "withdraw_form": forms.get("withdraw_form")
        or (
            WithdrawForm()
            if link.direction == Direction.OUTGOING and link.can("withdraw") and link.offer_message_id
            else None
        ),
        "can_accept": incoming_offer,
        "choose_form": ChooseFollowUpForm(
            initial={"message": follow_up_form.fields["type"].initial if follow_up_form else None}, types=types
        )
        if types
        else None,
        "follow_up_form": follow_up_form,
        "follow_up_label": kind.action if kind else "",
        "follow_up_note": kind.note if kind else "",
        "reports_due": list(link.reports_due.all()),
        # What other parts say about returning the person (expected to testify …); the case's node only.
        "return_warnings": returns.warnings_for(link.case) if "return_arrangements" in types else [],
        "today": today,
        "role_form": forms.get("role_form") or RoleForm(initial={"role": link.peer_role}),
        "alert": _alert_of(link),
        "acknowledge_form": forms.get("acknowledge_form") or AcknowledgeForm(),
    }


def _alert_of(link: Link) -> AlertRecipient | None:
    """The route alert this conversation carries (sent or received), if it is one."""
    return AlertRecipient.objects.filter(link=link).select_related("alert", "acknowledged_by").first()


def _live_version(link: Link) -> tuple[str, dict[str, Any]]:
    """A digest of what the live part shows, and the evidence chains it was taken from.

    It changes whenever anything shown changes (the status, the other node's case reference,
    a message, a delivery state, a receipt, a step of a message's evidence), and is computed
    without decrypting or rendering a message body, so that a poll finding nothing new answers
    204 having read only these.
    """
    chains = evidence.for_conversation(link.conversation)
    seen = [
        link.status,
        link.remote_case_ref,
        *timeline.states(link.conversation),
        *(f"{s.name}:{s.state}:{s.status}:{s.at}" for chain in chains.values() for s in chain.steps),
    ]
    return hashlib.sha256("|".join(seen).encode()).hexdigest()[:16], chains


def _live_context(link: Link, user: Any, *, version: str = "", chains: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the live part of a conversation page shows: its timeline, and whether to keep polling.

    The page polls while the conversation is open or a message it sent has not left yet
    (pending or being sent), so that a just-sent message shows "delivered" once it is.
    ``version`` and ``chains``: from ``_live_version``, when the caller already took them.
    """
    if not version:
        version, chains = _live_version(link)
    items = timeline.build(link.conversation, chains)
    unsent = OutboxMessage.objects.filter(
        conversation=link.conversation, status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]
    ).exists()
    return {
        "link": link,
        "items": items,
        "tally": evidence.tally(chains or {}),
        "polling": link.is_live or unsent,
        "raw_allowed": access.may_read_raw(user),
        "version": version,
    }


@require_GET
@login_required
def live(request: HttpRequest, conversation: Any) -> HttpResponse:
    """The conversation's status and timeline, polled by its page (htmx) while anything may change."""
    link = access.get_link_for(request.user, conversation)
    version, chains = _live_version(link)
    if request.GET.get("v") == version:
        return HttpResponse(status=204)  # nothing new: htmx keeps the page as it is and polls again
    context = _live_context(link, request.user, version=version, chains=chains)
    record(request.user, Action.READ, link, fields=["messages"], note="live", request=request)
    notices.mark_read(request.user, link=link)
    return render(request, "transnational/_live.html", {**context, "swap_status": True})


@require_POST
@login_required
def act(request: HttpRequest, conversation: Any, action: str) -> HttpResponse:
    link = access.get_link_for(request.user, conversation)
    form: Any = None
    try:
        if action == "accept":
            link = workflows.accept(link, by=request.user)
            assert link.case is not None  # accepting opened the linked case
            messages.success(request, _("Referral accepted: case %(ref)s opened.") % {"ref": link.case.reference})
        elif action == "decline":
            form = DeclineForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose the reason for declining."))
            workflows.decline(link, by=request.user, **form.cleaned_data)
            messages.success(request, _("Referral declined; the other country is told."))
        elif action == "withdraw":
            form = WithdrawForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose the reason for withdrawing."))
            workflows.withdraw(link, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("Referral withdrawn; the other country is told."))
        elif action == "follow-up":
            # The verb refuses what this conversation does not allow (a closed one: 409).
            if request.POST.get("type") not in FOLLOW_UPS:
                raise ValidationError(_("This message cannot be sent in this conversation."))
            form = FollowUpForm(request.POST, type_=request.POST["type"])
            if not form.is_valid():
                raise ValidationError(_("Complete the fields this message needs."))
            workflows.send(link, kind=form.cleaned_data["type"], data=form.cleaned_data, by=request.user)
            messages.success(request, _("Message queued for %(node)s.") % {"node": link.peer})
        elif action == "acknowledge":
            form = AcknowledgeForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose what is done about the alert."))
            alerts.acknowledge(link, by=request.user, **form.cleaned_data)
            messages.success(request, _("Alert acknowledged; the sending country is told."))
        elif action == "role":
            form = RoleForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose origin, transit or destination."))
            roles.set_role(link, role=form.cleaned_data["role"], by=request.user)
            messages.success(request, _("The other country's role is recorded."))
        else:
            raise Http404
    except ValidationError as err:
        messages.error(request, " ".join(err.messages))
        bound = {f"{action.replace('-', '_')}_form": form} if form is not None else {}
        context = _detail_context(link, request.user, **bound)
        return render(request, "transnational/detail.html", context, status=409 if isinstance(err, Conflict) else 400)
    return redirect("transnational:detail", conversation=link.conversation)


@require_http_methods(["GET", "POST"])
@login_required
def send(request: SignedInRequest, case_ref: str) -> HttpResponse:
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
                if "preview" in request.POST:
                    drafts = workflows.plan(case, kind=d["kind"], data=d, by=request.user)
                    preview = [_preview(draft) for draft in drafts]
                else:
                    link = workflows.send(case, kind=d["kind"], data=d, by=request.user)
                    messages.success(request, _("Referral queued for %(node)s.") % {"node": link.peer})
                    return redirect("transnational:detail", conversation=link.conversation)
            except ValidationError as err:
                _errors(form, err)
                status = 409 if isinstance(err, Conflict) else 400
        else:
            status = 400
    return render(
        request,
        "transnational/send.html",
        {
            "form": form,
            "case": case,
            "preview": preview,
            "peers": peers,
            "raw_allowed": access.may_read_raw(request.user),
        },
        status=status,
    )


def _preview(draft: workflows.Draft) -> dict[str, Any]:
    """A drafted message as the person sending it reads it, with its JSON beside."""
    basis = {"purpose": draft.purpose, **draft.basis}
    handling = {"codes": list(draft.handling.codes), **({"text": draft.handling.text} if draft.handling.text else {})}
    return {
        "type": draft.type,
        "label": KINDS[draft.type].label,
        "envelope": rendering.basis_rows(basis) + rendering.handling_rows(draft.handling.codes, draft.handling.text),
        "sections": rendering.render(draft.type, draft.body),
        "raw": json.dumps({**basis, "handling": handling, "body": draft.body}, indent=2, ensure_ascii=False),
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
    waiting = list(links.filter(direction=Direction.INCOMING, status__in=ANSWERABLE)[:10])
    urgent = list(links.filter(urgent=True).exclude(status=LinkStatus.ERASED)[:10])
    soon = timezone.localdate() + dt.timedelta(days=14)
    reports = list(ReportDue.objects.open().filter(link__in=links, due_on__lte=soon).select_related("link")[:10])
    if not waiting and not urgent and not reports:
        return None
    # Urgent alerts come first on the dashboard (order 1); otherwise after the case panels.
    return Panel(
        title=gettext_lazy("Transnational referrals"),
        template="transnational/_panel.html",
        context={"waiting": waiting, "urgent": urgent, "reports": reports, "today": timezone.localdate()},
        order=1 if urgent else 15,
    )


@require_http_methods(["GET", "POST"])
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """One's own notifications of conversations; each links to its conversation only while one may open it."""
    if request.method == "POST":
        notices.mark_read(request.user)
        messages.success(request, _("All notifications marked as read."))
        return redirect("transnational:notifications")
    rows = notices.rows(request.user, notices.for_user(request.user)[:100])
    return render(request, "transnational/notifications.html", {"rows": rows})


def notices_panel(request: HttpRequest) -> Panel | None:
    """Unread notifications of conversations, for whoever has some (even after their access ended)."""
    if not request.user.is_authenticated:
        return None
    unread = notices.unread_for(request.user)
    count = unread.count()
    if not count:
        return None
    return Panel(
        title=gettext_lazy("Transnational notifications"),
        template="transnational/_notices_panel.html",
        context={"rows": notices.rows(request.user, unread[:5]), "unread": count},
        order=14,
    )


@require_GET
@login_required
def failed(request: HttpRequest) -> HttpResponse:
    """Received messages whose processing failed or was set aside, with why, and a retry for each."""
    access.require(request.user)
    return _failed_page(request)


def _failed_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    waiting = list(reprocess.waiting(request.user)[:200])
    known = set(
        access.visible_links(request.user)
        .filter(conversation__in=[m.conversation for m in waiting])
        .values_list("conversation", flat=True)
    )
    rows = [
        {"m": m, "label": reprocess.label(m), "reason": reprocess.reason(m), "known": m.conversation in known}
        for m in waiting
    ]
    return render(request, "transnational/failed.html", {"rows": rows}, status=status)


@require_POST
@login_required
def retry(request: HttpRequest, message_id: Any) -> HttpResponse:
    """Run one failed or set-aside message again (``reprocess.retry`` checks who and what)."""
    try:
        status = reprocess.retry(message_id, by=request.user)
    except ValidationError as err:  # a Conflict: it no longer waits for a retry
        messages.error(request, " ".join(err.messages))
        return _failed_page(request, status=409)
    if status == "processed":
        messages.success(request, _("The message was processed."))
    else:
        messages.error(request, _("The message could not be processed again; the reason is shown."))
    return redirect("transnational:failed")


@require_GET
@login_required
def message_evidence(request: HttpRequest, conversation: Any, message_id: Any) -> HttpResponse:
    """One message's evidence chain: submitted, delivered (the signed receipt), processed, answered."""
    link = access.get_link_for(request.user, conversation)
    chain = evidence.for_message(link.conversation, message_id)
    if chain is None:
        raise Http404
    record(
        request.user, Action.READ, link, fields=["evidence"], note=f"evidence of {chain.message_id}", request=request
    )
    statement = chain.statement
    return render(
        request,
        "transnational/evidence.html",
        {
            "link": link,
            "chain": chain,
            "label": timeline.label(chain.type),
            "steps": evidence.steps(chain),
            "findings": evidence.findings(chain),
            "peer_status": evidence.label(evidence.PEER_STATUSES, statement.status) if statement else "",
            "replies": [{"r": r, "label": timeline.label(r.type)} for r in chain.replies],
        },
    )


def _reconciliation_page(
    request: HttpRequest, form: ReconcileForm, *, report: Any = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "transnational/reconciliation.html",
        {
            "form": form,
            "report": report,
            "rows": reconciling.rows(report, request.user) if report is not None else [],
            "recent": reconciling.recent(),
        },
        status=status,
    )


@require_GET
@login_required
def reconciliation(request: HttpRequest) -> HttpResponse:
    """Compare a period with another node's exchange summaries: messages one side holds and the other does not."""
    access.require(request.user)
    peers = reconciling.peers()
    if "peer" not in request.GET:
        yesterday = timezone.now().date() - dt.timedelta(days=1)
        initial = {"first_day": yesterday, "last_day": yesterday}
        return _reconciliation_page(request, ReconcileForm(initial=initial, peers=peers))
    form = ReconcileForm(request.GET, peers=peers)
    if not form.is_valid():
        return _reconciliation_page(request, form, status=400)
    d = form.cleaned_data
    try:
        start, end = reconciling.period(d["first_day"], d["last_day"])
        report = reconciling.compare(d["peer"], start, end, by=request.user)
    except ValidationError as err:
        _errors(form, err)
        return _reconciliation_page(request, form, status=400)
    return _reconciliation_page(request, form, report=report)


@require_POST
@login_required
def reconciliation_ask(request: HttpRequest) -> HttpResponse:
    """Send this node's summary of the period to the other node, asking for its own."""
    access.require(request.user)
    form = ReconcileForm(request.POST, peers=reconciling.peers())
    if not form.is_valid():
        return _reconciliation_page(request, form, status=400)
    d = form.cleaned_data
    try:
        start, end = reconciling.period(d["first_day"], d["last_day"])
        reconciling.ask(d["peer"], start, end, by=request.user)
    except ValidationError as err:
        _errors(form, err)
        return _reconciliation_page(request, form, status=409 if isinstance(err, Conflict) else 400)
    messages.success(
        request,
        _("This node's summary is queued for %(node)s, asking for its own. Compare again once it has answered.")
        % {"node": d["peer"]},
    )
    query = f"?peer={d['peer']}&first_day={d['first_day'].isoformat()}&last_day={d['last_day'].isoformat()}"
    return redirect(reverse("transnational:reconciliation") + query)


# --- alerts along the route ---------------------------------------------------------------------------


def _alert_countries() -> list[tuple[str, str]]:
    """The countries of the other nodes on the trust list, by name."""
    from trm.vocab.countries import country_name

    codes = sorted({node.country for node in workflows.peers()} - {settings.TRM_COUNTRY})
    return [(code, country_name(code)) for code in codes]


@require_GET
@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    """Alerts along the route sent from this node, with their progress, and those received."""
    access.require(request.user)
    visible = access.visible_alerts(request.user).prefetch_related("recipients")
    return render(
        request,
        "transnational/alerts.html",
        {
            "sent": list(visible.filter(direction=Direction.OUTGOING).select_related("case")[:100]),
            "received": list(visible.filter(direction=Direction.INCOMING)[:100]),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def alert_new(request: SignedInRequest, case_ref: str) -> HttpResponse:
    """The alert form, started from a case (and from its record of the person going missing, if any)."""
    access.require(request.user)
    case = get_case_for(request.user, case_ref, write=True)
    countries = _alert_countries()
    form = RouteAlertForm(request.POST or None, countries=countries, initial=alerts.prefill(case))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                alert = alerts.send(case, by=request.user, **form.cleaned_data)
            except ValidationError as err:
                _errors(form, err)
                status = 409 if isinstance(err, Conflict) else 400
            else:
                messages.success(request, _("Alert sent to %(n)d nodes.") % {"n": alert.recipients.count()})
                return redirect("transnational:alert", alert_id=alert.alert_id)
        else:
            status = 400
    route = [c for c in roles.route_countries(case) if c != settings.TRM_COUNTRY]
    reachable = {code for code, _name in countries}
    return render(
        request,
        "transnational/alert_new.html",
        {
            "form": form,
            "case": case,
            "route": route,
            "unreachable": [c for c in route if c not in reachable],
            "asylum": roles.applied_for_protection(case),
            "origin": sorted(roles.origin_countries(case)),
        },
        status=status,
    )


@require_GET
@login_required
def alert_detail(request: HttpRequest, alert_id: Any) -> HttpResponse:
    """Per country alerted: sent, delivered, acknowledged (when, and what is done there)."""
    alert = access.get_alert_for(request.user, alert_id)
    record(request.user, Action.READ, alert, fields=["recipients"], request=request)
    return render(
        request,
        "transnational/alert.html",
        {"alert": alert, "rows": alerts.rows(alert), "source": alerts.source_label(alert.source_ref)},
    )

"""Pages of criminal proceedings. Thin: fetch through access.py, validate with a form, call one verb.

A proceeding's page (its content, the person's evidence among it) is the criminal track's:
anyone else gets a 404, which the refusal middleware audits. A verb's refusal, bad input
included, is audited by ``justice.refusals.refusals_audited``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trm.accounts.access import SignedInRequest, capability_required
from trm.accounts.roles import Cap
from trm.audit.events import Action
from trm.audit.record import record
from trm.justice import access, disclosures, notices, perpetrators, proceedings, stages
from trm.justice.forms import (
    CancelHearingForm,
    ContentForm,
    HearingForm,
    NotifyForm,
    OpenProceedingForm,
    PerpetratorForm,
    PerpetratorStatusForm,
    StepForm,
)
from trm.justice.models import Proceeding, ProtectionMeasure
from trm.justice.refusals import audit_bad_form, refusals_audited
from trm.lib.formpages import add_errors as _add_errors
from trm.lib.refusals import status_of

# What the proceeding page shows: all content, read by the criminal track only.
DETAIL_FIELDS = (
    "stage", "person_role", "court", "file_reference", "court_reference", "evidence", "assessed_on",
    "protection_needs", "measures", "representative", "legal_aid", "non_punishment", "non_punishment_offence",
    "testimony_expected", "charged_on", "judgment_on", "outcome", "last_step", "stage_changed_on", "hearings",
    "perpetrators", "notices",
)  # fmt: skip


@require_GET
@capability_required(Cap.CRIMINAL_TRACK)
def proceeding_list(request: SignedInRequest) -> HttpResponse:
    rows = list(access.criminal_proceedings(request.user).select_related("case").order_by("-opened_on", "-id")[:200])
    today = timezone.localdate()
    record(
        request.user,
        Action.READ,
        object_type="justice.proceeding",
        object_ref="list",
        fields=["reference", "case", "stage", "hearings"],
        note=f"{len(rows)} rows",
        request=request,
    )
    items = [{"p": p, "next_hearing": p.next_hearing(today)} for p in rows]
    return render(request, "justice/proceedings/list.html", {"items": items})


@require_http_methods(["GET", "POST"])
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def proceeding_new(request: SignedInRequest, case_ref: str) -> HttpResponse:
    case = access.get_case_for_proceedings(request.user, case_ref)
    if not access.may_open(request.user, case):
        raise PermissionDenied
    form = OpenProceedingForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if not form.is_valid():
            audit_bad_form(form, request.user, what="open proceeding", obj=case, request=request)
        else:
            data = form.cleaned_data
            try:
                with refusals_audited(request.user, what="open proceeding", obj=case, request=request):
                    proceeding = proceedings.open_proceeding(
                        case,
                        by=request.user,
                        person_role=data["person_role"],
                        opened_on=data.get("opened_on"),
                        organisation=data.get("organisation"),
                    )
            except ValidationError as exc:
                _add_errors(form, exc)
                status = status_of(exc)
            else:
                messages.success(request, _("Proceedings recorded."))
                if access.reads_content(request.user, proceeding):
                    return redirect("justice:proceeding", reference=proceeding.reference)
                return redirect("cases:detail", reference=case.reference)
    return render(request, "justice/proceedings/new.html", {"case": case, "form": form}, status=status)


@dataclass(frozen=True)
class Step:
    form: type[forms.Form]
    verb: Callable[[Proceeding, Any, dict[str, Any]], Any]
    done: Any


def _content(p: Proceeding, by: Any, d: dict[str, Any]) -> Any:
    return proceedings.record_content(p, by=by, **{k: v for k, v in d.items() if v is not None})


ACTIONS: dict[str, Step] = {
    "content": Step(ContentForm, _content, gettext_lazy("Saved.")),
    "step": Step(
        StepForm,
        lambda p, by, d: proceedings.advance(p, by=by, event=d["event"], on=d.get("on"), outcome=d.get("outcome", "")),
        gettext_lazy("The stage was changed."),
    ),
    "hearing": Step(
        HearingForm,
        lambda p, by, d: proceedings.add_hearing(p, by=by, held_on=d["held_on"], kind=d["kind"], place=d["place"]),
        gettext_lazy("Hearing recorded."),
    ),
    "perpetrator": Step(
        PerpetratorForm,
        lambda p, by, d: perpetrators.add(
            p, by=by, role=d["role"], name=d["name"], nationality=d["nationality"], status=d["status"]
        ),
        gettext_lazy("Perpetrator recorded."),
    ),
    "perpetrator_status": Step(
        PerpetratorStatusForm,
        lambda p, by, d: perpetrators.set_status(
            access.get_perpetrator_of(p, d["perpetrator"]), by=by, status=d["status"]
        ),
        gettext_lazy("The perpetrator's status was changed."),
    ),
    "cancel_hearing": Step(
        CancelHearingForm,
        lambda p, by, d: proceedings.cancel_hearing(access.get_hearing_of(p, d["hearing"]), by=by),
        gettext_lazy("The hearing was cancelled."),
    ),
    "notify": Step(
        NotifyForm,
        lambda p, by, d: notices.notify(p, by=by, channel=d["channel"], country=d.get("country", "")),
        gettext_lazy("The outcome was told to the person."),
    ),
}


def _forms(proceeding: Proceeding, bound: dict[str, forms.Form]) -> dict[str, forms.Form]:
    if not proceeding.is_open:
        return {
            "cancel_hearing": CancelHearingForm.of(proceeding, bound.get("cancel_hearing")),
            "notify": bound.get("notify") or NotifyForm(),
        }
    return {
        "content": bound.get("content") or ContentForm(initial=ContentForm.initial_of(proceeding)),
        "step": bound.get("step") or StepForm(stage=proceeding.stage),
        "hearing": bound.get("hearing") or HearingForm(),
        "cancel_hearing": CancelHearingForm.of(proceeding, bound.get("cancel_hearing")),
        "perpetrator": bound.get("perpetrator") or PerpetratorForm(),
        "perpetrator_status": PerpetratorStatusForm.of(proceeding, bound.get("perpetrator_status")),
        "notify": bound.get("notify") or NotifyForm(),
    }


def _detail(
    request: SignedInRequest, proceeding: Proceeding, *, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    record(request.user, Action.READ, proceeding, fields=DETAIL_FIELDS, request=request)
    today = timezone.localdate()
    context = {
        "p": proceeding,
        "case": proceeding.case,
        "hearings": proceeding.hearings.all(),
        "next_hearing": proceeding.next_hearing(today),
        "perpetrators": proceeding.perpetrators.all(),
        "notices": proceeding.notices.all(),
        "events": stages.events_from(proceeding.stage),
        "last_step": stages.EVENTS.get(proceeding.last_step, ""),
        "forms": _forms(proceeding, bound or {}),
        "failed": next(iter(bound)) if bound else "",
        "measure_choices": ProtectionMeasure.choices,
        "today": today,
    }
    return render(request, "justice/proceedings/detail.html", context, status=status)


@require_GET
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def proceeding_detail(request: SignedInRequest, reference: str) -> HttpResponse:
    # A caseworker (no criminal track) gets the same 404 as for a reference that does not exist.
    return _detail(request, access.get_proceeding_for(request.user, reference))


@require_POST
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def proceeding_action(request: SignedInRequest, reference: str, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    proceeding = access.get_proceeding_for(request.user, reference)
    form = spec.form(request.POST, stage=proceeding.stage) if spec.form is StepForm else spec.form(request.POST)
    if not form.is_valid():
        audit_bad_form(form, request.user, what=f"proceeding {action}", obj=proceeding, request=request)
        return _detail(request, proceeding, bound={action: form}, status=400)
    try:
        with refusals_audited(request.user, what=f"proceeding {action}", obj=proceeding, request=request):
            spec.verb(proceeding, request.user, form.cleaned_data)
    except ValidationError as exc:
        _add_errors(form, exc)
        proceeding.refresh_from_db()
        return _detail(request, proceeding, bound={action: form}, status=status_of(exc))
    messages.success(request, str(spec.done))
    return redirect("justice:proceeding", reference=proceeding.reference)


@require_POST
@capability_required(Cap.SEE_CASE_DATA, hidden=True)
def disclosure(request: SignedInRequest, case_ref: str, action: str) -> HttpResponse:
    """Open (``grant``) or close (``end``) the case's support data to the criminal track."""
    verbs = {"grant": disclosures.grant, "end": disclosures.end}
    if action not in verbs:
        raise Http404
    case = access.get_case_for_proceedings(request.user, case_ref)
    try:
        verbs[action](case, by=request.user)
    except ValidationError as exc:
        context = {"case": case, "reasons": exc.messages}
        return render(request, "justice/proceedings/refused.html", context, status=status_of(exc))
    messages.success(request, _("Saved."))
    return redirect("cases:detail", reference=case.reference)

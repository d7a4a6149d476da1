"""Pages of the network module. Thin: access checks, a form, one verb, a redirect."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trm.accounts.access import SignedInRequest
from trm.audit.events import Action
from trm.audit.record import record
from trm.lib.formpages import add_errors as _add_errors
from trm.lib.formpages import page as _page
from trm.lib.formpages import posted as _posted
from trm.lib.refusals import status_of
from trm.network import access, actions, directory, imports, meetings, nodes, reports, updates
from trm.network import calendar as ics
from trm.network.forms import (
    ActionItemForm,
    ActionStatusForm,
    AttendanceForm,
    ConclusionForm,
    CountryEditForm,
    CountryForm,
    CountryUpdateForm,
    ImportForm,
    InviteForm,
    MeetingForm,
    MinutesForm,
    NodeForm,
    OrganisationForm,
    ParticipantForm,
    PositionForm,
    SessionForm,
)
from trm.network.models import (
    Attendance,
    AttendanceStatus,
    CountryUpdate,
    Meeting,
    NetworkCountry,
    NetworkNode,
    Participant,
    PartnerOrganisation,
)
from trm.vocab.countries import country_name

BAD_REQUEST = 400


def _attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- overview --------------------------------------------------------------------------


@require_GET
@login_required
def home(request: SignedInRequest) -> HttpResponse:
    access.require_network_access(request.user)
    today = timezone.localdate()
    visible = access.visible_meetings(request.user)
    context: dict[str, Any] = {
        "upcoming": visible.upcoming(today)[:5],
        "past": visible.filter(end_date__lt=today).order_by("-start_date")[:5],
        "is_secretariat": access.is_secretariat(request.user),
        "own_country": access.coordinator_country(request.user),
        "open_items": access.visible_action_items(request.user).open().order_by("due_date")[:10],
        "today": today,
    }
    if context["is_secretariat"]:
        context["suggestion"] = meetings.suggestion(today=today)
        context["suggested_host"] = country_name(context["suggestion"].host or "")
    return render(request, "network/home.html", context)


# --- directory ----------------------------------------------------------------------------


@require_GET
@login_required
def country_list(request: SignedInRequest) -> HttpResponse:
    access.require_secretariat(request.user)
    today = timezone.localdate()
    countries = NetworkCountry.objects.prefetch_related("positions__participant", "nodes")
    rows = []
    for country in countries:
        current = [p for p in country.positions.all() if p.is_current(today)]
        rows.append({"country": country, "current": sorted(current, key=lambda p: p.kind)})
    return render(request, "network/country_list.html", {"rows": rows, "today": today})


@require_http_methods(["GET", "POST"])
@login_required
def country_add(request: SignedInRequest) -> HttpResponse:
    access.require_secretariat(request.user)
    form = CountryForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["footnote"] = data["footnote"] or None
        directory.add_country(by=request.user, **data)
        messages.success(request, _("Country added."))
        return redirect("network:countries")
    return _page(request, "network/form.html", {"form": form, "title": _("Add a country")}, form=form)


@require_http_methods(["GET", "POST"])
@login_required
def country_edit(request: SignedInRequest, code: str) -> HttpResponse:
    country = access.get_country_for(request.user, code)
    form = CountryEditForm(_posted(request), instance=NetworkCountry.objects.get(pk=country.pk))
    if request.method == "POST" and form.is_valid():
        directory.update_country(country, by=request.user, **form.cleaned_data)
        messages.success(request, _("Country saved."))
        return redirect("network:countries")
    history = {kind: directory.holders(country, kind) for kind in ("coordinator", "rapporteur")}
    return _page(
        request, "network/country_edit.html", {"form": form, "country": country, "history": history}, form=form
    )


@require_GET
@login_required
def organisation_list(request: SignedInRequest) -> HttpResponse:
    access.require_secretariat(request.user)
    return render(request, "network/organisation_list.html", {"organisations": PartnerOrganisation.objects.all()})


@require_http_methods(["GET", "POST"])
@login_required
def organisation_add(request: SignedInRequest) -> HttpResponse:
    access.require_secretariat(request.user)
    form = OrganisationForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        directory.add_organisation(by=request.user, **form.cleaned_data)
        messages.success(request, _("Organisation added."))
        return redirect("network:organisations")
    return _page(request, "network/form.html", {"form": form, "title": _("Add a partner organisation")}, form=form)


@require_GET
@login_required
def participant_list(request: SignedInRequest) -> HttpResponse:
    access.require_secretariat(request.user)
    today = timezone.localdate()
    people = Participant.objects.select_related("country", "organisation").prefetch_related("positions")
    country = request.GET.get("country", "")
    if country:
        people = people.filter(country__code=country)
    rows = [{"p": p, "current": p.current_positions(today)} for p in people]
    return render(
        request,
        "network/participant_list.html",
        {
            "rows": rows,
            "countries": NetworkCountry.objects.all(),
            "country": country,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def participant_add(request: SignedInRequest) -> HttpResponse:
    access.require_secretariat(request.user)
    form = ParticipantForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        person = directory.add_participant(by=request.user, **form.cleaned_data)
        messages.success(request, _("Person added. Now record their position."))
        return redirect("network:participant", pk=person.pk)
    return _page(request, "network/form.html", {"form": form, "title": _("Add a person")}, form=form)


@require_http_methods(["GET", "POST"])
@login_required
def participant_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    person = access.get_participant_for(request.user, pk)
    form = PositionForm(
        _posted(request),
        initial={"country": person.country, "organisation": person.organisation, "start_date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            directory.add_position(person, by=request.user, **form.cleaned_data)
        except ValidationError as err:
            _add_errors(form, err)
        else:
            messages.success(request, _("Position recorded."))
            return redirect("network:participant", pk=person.pk)
    context = {
        "person": person,
        "form": form,
        "positions": person.positions.select_related("country", "organisation"),
        "attendances": person.attendances.select_related("meeting").order_by("-meeting__start_date"),
    }
    return _page(request, "network/participant_detail.html", context, form=form)


@require_http_methods(["GET", "POST"])
@login_required
def participant_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    person = access.get_participant_for(request.user, pk)
    form = ParticipantForm(_posted(request), instance=Participant.objects.get(pk=person.pk))
    if request.method == "POST" and form.is_valid():
        directory.update_participant(person, by=request.user, **form.cleaned_data)
        messages.success(request, _("Person saved."))
        return redirect("network:participant", pk=person.pk)
    return _page(request, "network/form.html", {"form": form, "title": _("Edit a person")}, form=form)


@require_http_methods(["GET", "POST"])
@login_required
def participant_import(request: SignedInRequest) -> HttpResponse:
    access.require_secretariat(request.user)
    files = request.FILES if request.method == "POST" else None
    form = ImportForm(_posted(request), files, initial={"meeting": request.GET.get("meeting")})
    problems: list[imports.RowError] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        meeting = form.cleaned_data["meeting"]
        try:
            result = imports.import_participants(
                upload.read(imports.MAX_BYTES + 1),
                filename=upload.name,
                by=request.user,
                register_for=meeting,
                today=timezone.localdate(),
            )
        except imports.ImportRefused as refused:
            problems = refused.errors
        except ValidationError as err:
            _add_errors(form, err)
        else:
            messages.success(
                request,
                _("Imported: %(c)d new, %(u)d updated, %(r)d registered.")
                % {"c": result.created, "u": result.updated, "r": result.registered},
            )
            for note in result.notes:
                messages.info(request, str(note))
            if meeting is not None:
                return redirect("network:meeting", pk=meeting.pk)
            return redirect("network:participants")
    status = BAD_REQUEST if problems else getattr(form, "refusal_status", BAD_REQUEST) if form.errors else 200
    return render(request, "network/import.html", {"form": form, "problems": problems}, status=status)


@require_GET
@login_required
def participant_export(request: SignedInRequest, fmt: str) -> HttpResponse:
    access.require_secretariat(request.user)
    people = Participant.objects.select_related("country", "organisation").prefetch_related("positions")
    rows = imports.export_rows(people, today=timezone.localdate())
    record(request.user, Action.EXPORT, object_type="network.participant", object_ref="all", note=fmt)
    return _export(rows, "network-directory", fmt)


def _export(rows: list[list[str]], name: str, fmt: str) -> HttpResponse:
    if fmt == "csv":
        return _attachment(imports.to_csv(rows), f"{name}.csv", "text/csv; charset=utf-8")
    if fmt == "xlsx":
        return _attachment(
            imports.to_xlsx(rows, title=_("Participants")),
            f"{name}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    raise Http404


# --- meetings ------------------------------------------------------------------------------


@require_GET
@login_required
def meeting_list(request: SignedInRequest) -> HttpResponse:
    access.require_network_access(request.user)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "meetings": access.visible_meetings(request.user),
        "today": today,
        "is_secretariat": access.is_secretariat(request.user),
    }
    if context["is_secretariat"]:
        context["suggestion"] = meetings.suggestion(today=today)
        context["suggested_host"] = country_name(context["suggestion"].host or "")
    return render(request, "network/meeting_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def meeting_add(request: SignedInRequest) -> HttpResponse:
    access.require_secretariat(request.user)
    suggestion = meetings.suggestion(today=timezone.localdate())
    host = NetworkCountry.objects.filter(code=suggestion.host).first() if suggestion.host else None
    form = MeetingForm(
        _posted(request),
        initial={
            "start_date": suggestion.start_date,
            "end_date": suggestion.end_date,
            "host_country": host,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        meeting = meetings.plan_meeting(by=request.user, **data)
        messages.success(request, _("Meeting planned."))
        return redirect("network:meeting", pk=meeting.pk)
    return _page(request, "network/form.html", {"form": form, "title": _("Plan a meeting")}, form=form)


@require_http_methods(["GET", "POST"])
@login_required
def meeting_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    meeting = access.get_meeting_for(request.user, pk, write=True)
    form = MeetingForm(_posted(request), instance=Meeting.objects.get(pk=meeting.pk))
    if request.method == "POST" and form.is_valid():
        try:
            meetings.update_meeting(meeting, by=request.user, **form.cleaned_data)
        except ValidationError as err:
            _add_errors(form, err)
        else:
            messages.success(request, _("Meeting saved."))
            return redirect("network:meeting", pk=meeting.pk)
    return _page(request, "network/form.html", {"form": form, "title": _("Edit the meeting")}, form=form)


@require_GET
@login_required
def meeting_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    meeting = access.get_meeting_for(request.user, pk)
    secretariat = access.is_secretariat(request.user)
    own = access.coordinator_country(request.user)
    carried = access.visible_action_items(request.user).carried_to(meeting).order_by("meeting__start_date", "due_date")
    context = {
        "meeting": meeting,
        "is_secretariat": secretariat,
        "own_country": own,
        # The forms the verbs would accept now (none on a cancelled meeting).
        "may_record_minutes": access.may("record_minutes", request.user, meeting),
        "may_add_session": access.may("add_session", request.user, meeting),
        "may_conclude": access.may("add_conclusion", request.user, meeting),
        "may_write_own_update": own is not None and access.may("save_update", request.user, (meeting, own)),
        "sessions": meeting.sessions.all(),
        "attendances": meeting.attendances.select_related("participant__country", "participant__organisation")
        if secretariat
        else Attendance.objects.none(),
        "updates": access.visible_updates(request.user, meeting),
        "conclusions": meeting.conclusions.prefetch_related("action_items"),
        "agreed": access.visible_action_items(request.user).filter(meeting=meeting),
        "carried": carried,
        "countries": NetworkCountry.objects.all(),
        "session_form": SessionForm(prefix="session"),
        "conclusion_form": ConclusionForm(prefix="conclusion"),
        "action_form": ActionItemForm(meeting=meeting, prefix="action"),
        "attendance_statuses": AttendanceStatus.choices,
        "today": timezone.localdate(),
    }
    return render(request, "network/meeting_detail.html", context)


@require_POST
@login_required
def session_add(request: SignedInRequest, pk: int) -> HttpResponse:
    meeting = access.get_meeting_for(request.user, pk, write=True)
    form = SessionForm(request.POST, prefix="session")
    if form.is_valid():
        try:
            meetings.add_session(meeting, by=request.user, **form.cleaned_data)
        except ValidationError as err:
            _add_errors(form, err)
        else:
            messages.success(request, _("Session added to the agenda."))
            return redirect(reverse("network:meeting", args=[meeting.pk]) + "#agenda")
    return _page(
        request, "network/form.html", {"form": form, "title": _("Add a session"), "meeting": meeting}, form=form
    )


@require_http_methods(["GET", "POST"])
@login_required
def meeting_invite(request: SignedInRequest, pk: int) -> HttpResponse:
    meeting = access.get_meeting_for(request.user, pk, write=True)
    form = InviteForm(_posted(request), meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            count = meetings.invite(meeting, participants=form.cleaned_data["participants"], by=request.user)
        except ValidationError as err:
            _add_errors(form, err)
        else:
            messages.success(request, _("%(n)d invited.") % {"n": count})
            return redirect("network:meeting", pk=meeting.pk)
    return _page(request, "network/invite.html", {"form": form, "meeting": meeting}, form=form)


@require_POST
@login_required
def attendance_update(request: SignedInRequest, pk: int, attendance_pk: int) -> HttpResponse:
    meeting = access.get_meeting_for(request.user, pk, write=True)
    attendance = meeting.attendances.filter(pk=attendance_pk).first()
    if attendance is None:
        raise Http404
    form = AttendanceForm(request.POST, instance=Attendance.objects.get(pk=attendance.pk))
    if not form.is_valid():
        return HttpResponse(_("Choose a valid status."), status=BAD_REQUEST, content_type="text/plain")
    try:
        meetings.set_attendance(attendance, status=form.cleaned_data["status"], by=request.user)
    except ValidationError as err:
        return HttpResponse(" ".join(err.messages), status=status_of(err), content_type="text/plain")
    messages.success(request, _("Attendance updated."))
    return redirect(reverse("network:meeting", args=[meeting.pk]) + "#participants")


@require_GET
@login_required
def participants_print(request: SignedInRequest, pk: int) -> HttpResponse:
    meeting = access.get_meeting_for(request.user, pk, write=True)
    data = reports.collect(meeting, today=timezone.localdate())
    return render(request, "network/participants_print.html", {"meeting": meeting, "r": data})


@require_GET
@login_required
def participants_export(request: SignedInRequest, pk: int, fmt: str) -> HttpResponse:
    meeting = access.get_meeting_for(request.user, pk, write=True)
    rows = imports.export_rows(meetings.participants_list(meeting), today=timezone.localdate())
    record(request.user, Action.EXPORT, meeting, note=f"participants.{fmt}")
    return _export(rows, f"participants-{slugify(meeting.title)[:50]}", fmt)


@require_http_methods(["GET", "POST"])
@login_required
def meeting_minutes(request: SignedInRequest, pk: int) -> HttpResponse:
    meeting = access.get_meeting_for(request.user, pk, write=True)
    form = MinutesForm(_posted(request), instance=Meeting.objects.get(pk=meeting.pk))
    if request.method == "POST" and form.is_valid():
        try:
            meetings.record_minutes(meeting, minutes=form.cleaned_data["minutes"], by=request.user)
        except ValidationError as err:
            _add_errors(form, err)
        else:
            messages.success(request, _("Minutes saved."))
            return redirect("network:meeting", pk=meeting.pk)
    return _page(request, "network/form.html", {"form": form, "title": _("Minutes"), "meeting": meeting}, form=form)


@require_POST
@login_required
def conclusion_add(request: SignedInRequest, pk: int) -> HttpResponse:
    meeting = access.get_meeting_for(request.user, pk, write=True)
    form = ConclusionForm(request.POST, prefix="conclusion")
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                conclusion = actions.add_conclusion(meeting, text=data["text"], by=request.user)
                if data.get("description"):
                    actions.add_action_item(
                        meeting,
                        description=data["description"],
                        owner_country=data["owner_country"],
                        owner_organisation=data["owner_organisation"],
                        due_date=data["due_date"],
                        conclusion=conclusion,
                        by=request.user,
                    )
        except ValidationError as err:
            _add_errors(form, err)
        else:
            messages.success(request, _("Conclusion recorded."))
            return redirect(reverse("network:meeting", args=[meeting.pk]) + "#conclusions")
    return _page(
        request, "network/form.html", {"form": form, "title": _("Record a conclusion"), "meeting": meeting}, form=form
    )


@require_POST
@login_required
def action_add(request: SignedInRequest, pk: int) -> HttpResponse:
    meeting = access.get_meeting_for(request.user, pk, write=True)
    form = ActionItemForm(request.POST, meeting=meeting, prefix="action")
    if form.is_valid():
        try:
            actions.add_action_item(meeting, by=request.user, **form.cleaned_data)
        except ValidationError as err:
            _add_errors(form, err)
        else:
            messages.success(request, _("Action item recorded."))
            return redirect(reverse("network:meeting", args=[meeting.pk]) + "#conclusions")
    return _page(
        request, "network/form.html", {"form": form, "title": _("Record an action item"), "meeting": meeting}, form=form
    )


@require_http_methods(["GET", "POST"])
@login_required
def country_update(request: SignedInRequest, pk: int, code: str) -> HttpResponse:
    meeting, country = access.get_update_for(request.user, pk, code, write=True)
    existing = CountryUpdate.objects.filter(meeting=meeting, country=country).first()
    form = CountryUpdateForm(_posted(request), instance=existing)
    if request.method == "POST" and form.is_valid():
        try:
            updates.save_update(meeting, country, by=request.user, **form.cleaned_data)
        except ValidationError as err:
            _add_errors(form, err)
        else:
            messages.success(request, _("Country update saved."))
            return redirect("network:meeting", pk=meeting.pk)
    context = {
        "form": form,
        "meeting": meeting,
        "country": country,
        "update": existing,
        "statistics_available": updates.statistics_provider() is not None,
    }
    return _page(request, "network/country_update.html", context, form=form)


@require_POST
@login_required
def country_update_statistics(request: SignedInRequest, pk: int, code: str) -> HttpResponse:
    """Attach the country's latest protected figures to its update and pre-fill its trends."""
    meeting, country = access.get_update_for(request.user, pk, code, write=True)
    try:
        with transaction.atomic():
            update = CountryUpdate.objects.filter(meeting=meeting, country=country).first()
            update = update or updates.save_update(meeting, country, by=request.user)
            found = updates.attach_node_statistics(
                update, period_start=updates.statistics_period_start(meeting), by=request.user
            )
    except ValidationError as err:
        return HttpResponse(" ".join(err.messages), status=status_of(err), content_type="text/plain")
    if found is None:
        messages.warning(request, _("No figures of this country were received for the period."))
    else:
        messages.success(request, _("The country's latest figures were attached; edit the update as needed."))
    return redirect("network:country_update", pk=meeting.pk, code=country.code)


@require_GET
@login_required
def meeting_report(request: SignedInRequest, pk: int, fmt: str) -> HttpResponse:
    meeting = access.get_meeting_for(request.user, pk, write=True)
    data = reports.collect(meeting, today=timezone.localdate())
    name = f"report-{meeting.start_date.isoformat()}-{slugify(meeting.title)[:50]}"
    record(request.user, Action.EXPORT, meeting, note=f"report.{fmt}")
    if fmt == "pdf":
        return _attachment(reports.pdf(data), f"{name}.pdf", "application/pdf")
    if fmt == "md":
        return _attachment(reports.markdown(data).encode(), f"{name}.md", "text/markdown; charset=utf-8")
    raise Http404


@require_GET
@login_required
def meeting_ics(request: SignedInRequest, pk: int) -> HttpResponse:
    meeting = access.get_meeting_for(request.user, pk)
    body = ics.calendar(
        [meeting],
        node_id=settings.TRM_NODE_ID,
        now=timezone.now(),
        name=reports.network_name(),
        url_for=lambda m: request.build_absolute_uri(reverse("network:meeting", args=[m.pk])),
    )
    return _attachment(body, f"meeting-{meeting.pk}.ics", "text/calendar; charset=utf-8")


@require_GET
@login_required
def calendar_ics(request: SignedInRequest) -> HttpResponse:
    access.require_network_access(request.user)
    visible = access.visible_meetings(request.user).order_by("start_date")
    body = ics.calendar(
        visible,
        node_id=settings.TRM_NODE_ID,
        now=timezone.now(),
        name=reports.network_name(),
        url_for=lambda m: request.build_absolute_uri(reverse("network:meeting", args=[m.pk])),
    )
    return _attachment(body, "network-meetings.ics", "text/calendar; charset=utf-8")


# --- action items -------------------------------------------------------------------------


@require_GET
@login_required
def commitments(request: SignedInRequest) -> HttpResponse:
    access.require_network_access(request.user)
    items = access.visible_action_items(request.user)
    grouped = actions.open_commitments_by_country(items)
    organisations = items.open().filter(owner_organisation__isnull=False).order_by("due_date")
    return render(
        request,
        "network/commitments.html",
        {
            "grouped": grouped,
            "organisations": organisations,
            "today": timezone.localdate(),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def action_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    item = access.get_action_item_for(request.user, pk)
    form = ActionStatusForm(
        _posted(request),
        status=item.status,
        meetings=access.visible_meetings(request.user).filter(start_date__gte=item.meeting.start_date),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                if data["event"]:
                    actions.change_status(
                        item, event=data["event"], note=data["note"], at_meeting=data["meeting"], by=request.user
                    )
                else:
                    actions.report_progress(item, text=data["note"], at_meeting=data["meeting"], by=request.user)
        except ValidationError as err:
            _add_errors(form, err)
        else:
            messages.success(request, _("Action item updated."))
            return redirect("network:action", pk=item.pk)
    context = {"item": item, "form": form, "notes": item.notes.select_related("meeting"), "today": timezone.localdate()}
    return _page(request, "network/action_detail.html", context, form=form)


# --- nodes --------------------------------------------------------------------------------


@require_GET
@login_required
def node_list(request: SignedInRequest) -> HttpResponse:
    access.require_secretariat(request.user)
    return render(request, "network/node_list.html", {"nodes": NetworkNode.objects.select_related("country")})


@require_http_methods(["GET", "POST"])
@login_required
def node_add(request: SignedInRequest) -> HttpResponse:
    access.require_secretariat(request.user)
    form = NodeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            nodes.register_node(by=request.user, **form.cleaned_data)
        except ValidationError as err:
            _add_errors(form, err)
        else:
            messages.success(request, _("Node registered."))
            return redirect("network:nodes")
    return _page(request, "network/form.html", {"form": form, "title": _("Register a node")}, form=form)


@require_http_methods(["GET", "POST"])
@login_required
def node_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    access.require_secretariat(request.user)
    node = NetworkNode.objects.filter(pk=pk).first()
    if node is None:
        raise Http404
    form = NodeForm(_posted(request), instance=NetworkNode.objects.get(pk=node.pk))
    if request.method == "POST" and form.is_valid():
        try:
            nodes.update_node(node, by=request.user, **form.cleaned_data)
        except ValidationError as err:
            _add_errors(form, err)
        else:
            messages.success(request, _("Node saved."))
            return redirect("network:nodes")
    return _page(request, "network/form.html", {"form": form, "title": _("Edit a node")}, form=form)


@require_GET
@login_required
def trust_list_entries(request: SignedInRequest) -> HttpResponse:
    """The nodes in the trust list format (unsigned; the authority signs it offline)."""
    access.require_secretariat(request.user)
    import json

    doc = nodes.trust_list_document(
        NetworkNode.objects.all(),
        network=reports.network_name()[:200],
        sequence=int(timezone.now().timestamp()),
        now=timezone.now(),
    )
    record(request.user, Action.EXPORT, object_type="network.networknode", object_ref="trust-list")
    return _attachment(
        json.dumps(doc, indent=2, ensure_ascii=False).encode(), "trust-list-unsigned.json", "application/json"
    )

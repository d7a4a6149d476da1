"""Meeting reports: the same content as Markdown and as a printable PDF (HTML through WeasyPrint).

A report has a title page (network, meeting, place and dates, host, framework project), then
objectives, agenda and session outcomes, the tour de table, conclusions with the action items
agreed, the follow-up of earlier commitments, the minutes, and the list of participants as an
annex. Page numbers come from CSS ``@page`` counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.translation import gettext as _

from trm.network import meetings as meeting_verbs
from trm.network.models import ActionItem, Attendance, Conclusion, CountryUpdate, Meeting, NetworkCountry, UpdateStatus

DEFAULT_NETWORK_NAME = "Network of National Anti-Trafficking Coordinators in South-Eastern Europe"


def network_name() -> str:
    return str(getattr(settings, "TRM_NETWORK_NAME", DEFAULT_NETWORK_NAME))


@dataclass(frozen=True)
class ReportData:
    network: str
    meeting: Meeting
    sessions: list[Any]
    updates: list[CountryUpdate]
    conclusions: list[Conclusion]
    agreed: list[ActionItem]
    unattached: list[ActionItem]
    carried: list[ActionItem]
    participants: list[Attendance]
    countries: list[NetworkCountry]
    footnotes: list[NetworkCountry]
    today: date

    @property
    def dates(self) -> str:
        return date_range(self.meeting.start_date, self.meeting.end_date)


def date_range(start: date, end: date) -> str:
    if start == end:
        return formats.date_format(start, "j F Y")
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{formats.date_format(end, 'j F Y')}"
    if start.year == end.year:
        return f"{formats.date_format(start, 'j F')} – {formats.date_format(end, 'j F Y')}"
    return f"{formats.date_format(start, 'j F Y')} – {formats.date_format(end, 'j F Y')}"


def collect(meeting: Meeting, *, today: date) -> ReportData:
    participants = meeting_verbs.participants_list(meeting)
    conclusions = list(
        meeting.conclusions.prefetch_related("action_items__owner_country", "action_items__owner_organisation")
    )
    agreed = list(meeting.action_items.select_related("owner_country", "owner_organisation", "conclusion"))
    carried = list(
        ActionItem.objects.carried_to(meeting)
        .select_related("meeting", "owner_country", "owner_organisation")
        .order_by("meeting__start_date", "due_date", "pk")
    )
    updates = list(meeting.country_updates.filter(status=UpdateStatus.SUBMITTED).select_related("country"))
    countries = sorted(
        {a.participant.country.code: a.participant.country for a in participants if a.participant.country}.values(),
        key=lambda c: c.name,
    )
    shown = {c.code: c for c in countries} | {u.country.code: u.country for u in updates}
    shown[meeting.host_country.code] = meeting.host_country
    for item in agreed + carried:
        if item.owner_country:
            shown[item.owner_country.code] = item.owner_country
    footnotes = sorted((c for c in shown.values() if c.footnote), key=lambda c: c.name)
    return ReportData(
        network=network_name(),
        meeting=meeting,
        sessions=list(meeting.sessions.all()),
        updates=updates,
        conclusions=conclusions,
        agreed=agreed,
        unattached=[i for i in agreed if i.conclusion_id is None],
        carried=carried,
        participants=participants,
        countries=countries,
        footnotes=footnotes,
        today=today,
    )


# --- Markdown ------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    return str(value or "").replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ").strip()


def _due(item: ActionItem) -> str:
    return formats.date_format(item.due_date, "j M Y") if item.due_date else "—"


def markdown(data: ReportData) -> str:
    m = data.meeting
    out = [
        f"# {m.title}",
        "",
        f"**{data.network}**",
        "",
        f"- **{_('Place')}:** {', '.join(p for p in (m.venue, m.city, m.host_country.name) if p)}",
        f"- **{_('Dates')}:** {data.dates}",
        f"- **{_('Host')}:** {m.host_country.name}",
    ]
    if m.organisers:
        out.append(f"- **{_('Organisers')}:** {m.organisers}")
    if m.framework_project:
        out.append(f"- **{_('Framework project')}:** {m.framework_project}")
    out.append(f"- **{_('Participants')}:** {len(data.participants)} ({len(data.countries)} {_('countries')})")
    out += ["", f"## 1. {_('Objectives')}", "", m.objectives or _("None recorded."), ""]
    out += [f"## 2. {_('Agenda and sessions')}", ""]
    for s in data.sessions:
        out.append(f"### 2.{s.order} {s.title}")
        if s.chair:
            out.append(f"*{_('Chair')}: {s.chair}*")
        out += ["", s.description, ""] if s.description else [""]
        if s.outcome:
            out += [f"**{_('Outcome')}:** {s.outcome}", ""]
    out += [f"## 3. {_('Tour de table: country updates')}", ""]
    for u in data.updates:
        out += [f"### {u.country.name}", ""]
        for label, text in (
            (_("Key activities"), u.key_activities),
            (_("Good practices"), u.good_practices),
            (_("Trends and challenges"), u.trends),
        ):
            if text:
                out += [f"**{label}.** {text}", ""]
    if not data.updates:
        out += [_("No country updates were submitted."), ""]
    out += [f"## 4. {_('Conclusions and agreed actions')}", ""]
    for c in data.conclusions:
        out += [f"{c.order}. {c.text}"]
        for item in c.action_items.all():
            out.append(f"    - {_('Action')}: {item.description} — {item.owner} · {_('due')} {_due(item)}")
    out.append("")
    if data.agreed:
        out += [f"| {_('Action')} | {_('Owner')} | {_('Due')} | {_('Status')} |", "|---|---|---|---|"]
        for item in data.agreed:
            out.append(
                f"| {_cell(item.description)} | {_cell(item.owner)} | {_due(item)} | "
                f"{_cell(item.get_status_display())} |"
            )
        out.append("")
    out += [f"## 5. {_('Follow-up of earlier commitments')}", ""]
    if data.carried:
        out += [
            f"| {_('Action')} | {_('Owner')} | {_('Agreed at')} | {_('Due')} | {_('Status')} |",
            "|---|---|---|---|---|",
        ]
        for item in data.carried:
            out.append(
                f"| {_cell(item.description)} | {_cell(item.owner)} | {_cell(item.meeting.title)} | "
                f"{_due(item)} | {_cell(item.get_status_display())} |"
            )
    else:
        out.append(_("No open commitments from earlier meetings."))
    out += ["", f"## 6. {_('Minutes')}", "", m.minutes or _("None recorded."), ""]
    out += [
        f"## {_('Annex: list of participants')}",
        "",
        f"| # | {_('Country / organisation')} | {_('Name')} | {_('Position')} | {_('Institution')} |",
        "|---|---|---|---|---|",
    ]
    for n, a in enumerate(data.participants, start=1):
        p = a.participant
        out.append(
            f"| {n} | {_cell(p.affiliation)} | {_cell(f'{p.last_name}, {p.first_name}')} | "
            f"{_cell(a.position)} | {_cell(a.institution)} |"
        )
    if data.footnotes:
        out.append("")
        for footnoted in data.footnotes:
            out.append(f"\\* {footnoted.footnote}")
    return "\n".join(out).rstrip() + "\n"


# --- HTML and PDF ----------------------------------------------------------------------------


def html(data: ReportData) -> str:
    return render_to_string("network/report/meeting_report.html", {"r": data, "m": data.meeting})


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    """WeasyPrint must not fetch anything: the report is self-contained."""
    raise ValueError("external resources are not loaded in reports")


def pdf(data: ReportData) -> bytes:
    from weasyprint import HTML

    document = HTML(string=html(data), base_url=None, url_fetcher=_no_fetch)
    return bytes(document.write_pdf())

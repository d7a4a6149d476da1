"""What the proceedings part shows elsewhere: the case page's section, the dashboard's hearings, the return's warning.

Each reads through ``access``: a caseworker sees that proceedings exist, their stage and the
next hearing; only the criminal track gets the link to their content.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trm.audit.events import Action
from trm.audit.record import record
from trm.dashboard.panels import Panel
from trm.justice import access
from trm.justice.models import Hearing, Proceeding

if TYPE_CHECKING:
    from trm.cases.models import Case

HEARINGS_SHOWN = 10


def summary_rows(user: Any, proceedings: list[Proceeding]) -> list[dict[str, Any]]:
    """Stage and next hearing of each proceeding; its reference only where the user reads its content."""
    today = timezone.localdate()
    content = set(
        access.criminal_proceedings(user).filter(pk__in=[p.pk for p in proceedings]).values_list("pk", flat=True)
    )
    return [
        {
            "stage": p.get_stage_display(),
            "opened_on": p.opened_on,
            "next_hearing": p.next_hearing(today),
            "reference": p.reference if p.pk in content else "",
        }
        for p in proceedings
    ]


def case_proceedings(request: HttpRequest, case: Case) -> Panel | None:
    user = request.user
    found = list(access.known_proceedings(user).filter(case=case).order_by("-opened_on", "-id"))
    may_open = access.may_open(user, case)
    may_disclose = access.may_disclose(user, case)
    disclosure = access.disclosed_to_criminal_track(case)
    if access.on_criminal_track(user) and disclosure is not None:
        # The exception to the firewall is used: every page read under it is on the record.
        record(user, Action.READ, case, fields=["support_data"], note="support data under consent", request=request)
    if not found and not may_open and not may_disclose:
        return None
    return Panel(
        title=gettext_lazy("Criminal proceedings"),
        template="justice/proceedings/_case_section.html",
        context={
            "case": case,
            "rows": summary_rows(user, found),
            # The form (with its list of offices) is on its own page, opened from the link.
            "may_open": may_open,
            "may_disclose": may_disclose,
            "disclosure": disclosure,
        },
        order=60,
    )


def upcoming_hearings(user: Any, *, limit: int = HEARINGS_SHOWN) -> list[Hearing]:
    known = access.known_proceedings(user).open().values("pk")
    today = timezone.localdate()
    return list(
        Hearing.objects.filter(proceeding__in=known, held_on__gte=today, cancelled=False)
        .select_related("proceeding__case")
        .order_by("held_on", "id")[:limit]
    )


def hearings_panel(request: HttpRequest) -> Panel | None:
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    hearings = upcoming_hearings(user)
    if not hearings:
        return None
    content = (
        set(access.criminal_proceedings(user).values_list("pk", flat=True)) if access.on_criminal_track(user) else set()
    )
    return Panel(
        title=gettext_lazy("Hearings"),
        template="justice/proceedings/_panel_hearings.html",
        context={"hearings": hearings, "content": content, "today": timezone.localdate()},
        order=15,
    )


def testimony_warning(case: Any) -> list[str]:
    """For the return workflow: the person is expected to testify (stage and next hearing only)."""
    today = timezone.localdate()
    out = []
    for p in Proceeding.objects.open().filter(case=case, testimony_expected=True):
        hearing = p.next_hearing(today)
        if hearing is not None:
            out.append(
                _("The person is expected to testify in criminal proceedings (%(stage)s; next hearing %(day)s).")
                % {"stage": p.get_stage_display(), "day": hearing.held_on.isoformat()}
            )
        else:
            out.append(
                _("The person is expected to testify in criminal proceedings (%(stage)s).")
                % {"stage": p.get_stage_display()}
            )
    return out

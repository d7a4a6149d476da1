"""The other country's role in a conversation: origin, transit or destination of the person.

Each link records the role of the other country for this person (``Link.peer_role``). When
this node starts a conversation the role is proposed from the case: a country of the
person's nationality or citizenship is the **origin**, a country of a transit stage of the
recorded route is a **transit** country, any other the **destination**. A received
conversation proposes it from what the sender shared (the nationality, the route), and none
when the sender shared neither. A focal point may correct it (``set_role``, audited). Rules read it where it matters:

- an applicant for protection's identity never goes to the country of origin
  (``protection.check``: the recorded role counts as well as the nationality);
- a return is never arranged with a transit country (``kinds._after_risk_assessment``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from trm.audit.events import Action
from trm.audit.record import record
from trm.lib.refusals import ValidationError
from trm.transnational import access
from trm.transnational.models import CountryRole, Link

UNKNOWN = {"", "XX"}


def origin_countries(case: Any) -> set[str]:
    """The person's countries of origin: the case's nationality and the person's citizenships."""
    found = {case.nationality, *case.person.citizenships}
    return {c for c in found if c not in UNKNOWN}


def applied_for_protection(case: Any) -> bool:
    """Whether the person applied for international protection (asylum) in this country."""
    return bool(case is not None and case.asylum_seeker)


def route_countries(case: Any) -> list[str]:
    """The countries of the case's recorded route stages, in order, each once."""
    seen: list[str] = []
    for event in case.events.all():
        if event.country and event.country not in seen:
            seen.append(event.country)
    return seen


def propose(case: Any, country: str) -> str:
    """The role of ``country`` for the person of ``case`` (a case held here)."""
    if country in origin_countries(case):
        return CountryRole.ORIGIN
    from trm.vocab.htcds import TraffickingEventType

    if case.events.filter(type=TraffickingEventType.TRANSIT, country=country).exists():
        return CountryRole.TRANSIT
    return CountryRole.DESTINATION


def propose_received(body: Mapping[str, Any], country: str) -> str:
    """The role of the sending country ``country`` from what it shared (a notification or an alert).

    A message that shares neither the person's nationality nor the route (a route alert
    without identity) proposes no role ("") rather than a guess: the sender of an alert may
    as well be a transit country as the destination.
    """
    nationality = body.get("nationality") or body.get("identity", {}).get("claimed_nationality")
    stages = body.get("route") or []
    if not nationality and not stages:
        return ""
    if body.get("nationality") == country or body.get("identity", {}).get("claimed_nationality") == country:
        return CountryRole.ORIGIN
    if any(s.get("stage") == "transit" and s.get("country") == country for s in stages if isinstance(s, Mapping)):
        return CountryRole.TRANSIT
    return CountryRole.DESTINATION


def is_origin(case: Any, country: str, role: str = "") -> bool:
    """Whether ``country`` is the person's country of origin, by the case or by the link's recorded role."""
    return role == CountryRole.ORIGIN or (case is not None and country in origin_countries(case))


@transaction.atomic
def set_role(link: Link, *, role: str, by: Any) -> Link:
    """Record the other country's role in the conversation (a focal point's correction), audited."""
    access.require(by)
    locked = access.visible_links(by).select_for_update().filter(pk=link.pk).first()
    if locked is None:
        from django.http import Http404

        raise Http404
    if role not in CountryRole.values:
        raise ValidationError({"role": [_("Choose origin, transit or destination.")]})
    old = locked.peer_role
    locked.peer_role = role
    locked.full_clean()
    locked.save(update_fields=["peer_role", "updated_at"])
    record(by, Action.UPDATE, locked, fields=["peer_role"], note=f"role {old or '-'} -> {role}")
    return locked

"""What acceptance keeps: the case opened here from a received referral, with everything the sender shared.

``open_case`` runs inside ``workflows.accept`` (one transaction with the answer): it reads
the conversation's case notification and offer and writes, through the cases app's verbs,

- the person and the case (``casework.record_detection``), detected when and where the
  sending country says, with the languages it gave;
- the sending office as the case's **counterpart** (``abroad.add_counterpart``): the node,
  its case reference and the office on the trust list;
- the **route** (``casework.add_event``: stage, country, period, form of exploitation), so
  that the case's forms of exploitation are those the sender recorded;
- the sending country's **identification decision** as that country's decision
  (``abroad.record_foreign_decision``), never a step of this node's procedure;
- the **consent** the person gave there, with its scope (``consent.carry``): a carried
  consent, which no user here recorded;
- what the sender asked for — the summary, needs, services and cooperation requested,
  and the permits the person holds there — in the case's circumstances (encrypted, erased
  with the rest if the consent is withdrawn): another country's permit gives no right of
  residence here and must open no deadline of this node, so it is no ``ResidencePermit``.

Anything that cannot be kept refuses the acceptance with a clear message; the caller's
transaction then stores nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from trm.cases import abroad, casework, consent
from trm.cases.models import Case, PermitKind
from trm.exchange import keys
from trm.transnational import fieldsets, history
from trm.transnational.forms import REQUESTED_ACTIONS, SERVICES
from trm.transnational.models import Link
from trm.vocab.countries import country_name, language_names
from trm.vocab.htcds import ExploitationType


def _date(value: Any, what: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(
            _("The referral received carries an impossible date (%(what)s): ask the sending country to correct it.")
            % {"what": what}
        ) from None


def office_of(node_id: str) -> str:
    """The sending office as the trust list names it (the node id when the list is not at hand)."""
    now = timezone.now()
    try:
        return str(keys.current_trust_list(now=now).node(node_id, at=now).organisation)
    except Exception:  # the case still opens; the node id names the office
        return node_id


def _names(codes: list[str], choices: list[tuple[str, Any]]) -> str:
    labels = dict(choices)
    return ", ".join(str(labels.get(c, c)) for c in codes)


def circumstances(link: Link, notification: Mapping[str, Any], offer: Mapping[str, Any]) -> str:
    """The case's circumstances as received: where from, what was asked for, permits held there."""
    country = country_name(link.peer_country)
    lines = [
        _("Received from %(office)s (%(country)s), node %(node)s, their case %(ref)s, over trm/1.")
        % {"office": office_of(link.peer), "country": country, "node": link.peer, "ref": link.remote_case_ref}
    ]
    if notification.get("summary"):
        lines.append(_("Summary from %(country)s: %(text)s") % {"country": country, "text": notification["summary"]})
    if offer.get("needs_summary"):
        lines.append(_("Needs: %(text)s") % {"text": offer["needs_summary"]})
    if offer.get("services"):
        lines.append(_("Services requested: %(names)s") % {"names": _names(offer["services"], SERVICES)})
    if notification.get("requested_actions"):
        lines.append(
            _("Cooperation requested: %(names)s")
            % {"names": _names(notification["requested_actions"], REQUESTED_ACTIONS)}
        )
    held = []
    for permit in notification.get("permits", []):
        kind = str(dict(PermitKind.choices).get(permit["kind"], permit["kind"]))
        until = _date(permit["valid_until"], "permit")
        assert until is not None  # required by the schema
        held.append(_("%(kind)s, valid until %(day)s") % {"kind": kind, "day": date_format(until, "j M Y")})
    if held:
        lines.append(
            _("Residence permits in %(country)s: %(permits)s") % {"country": country, "permits": "; ".join(held)}
        )
    return "\n".join(lines)


def _form(wire: str, *, child: bool) -> str:
    if wire == "labour" and child:
        return ExploitationType.CHILD_LABOUR
    return fieldsets.EXPLOITATION_IN.get(wire, ExploitationType.OTHER)


def _route(case: Case, notification: Mapping[str, Any], *, by: Any) -> None:
    """The route's stages, then an exploitation stage for each form named without one (no period known)."""
    covered = set()
    for number, stage in enumerate(notification.get("route", []), start=1):
        form = _form(stage["exploitation_type"], child=case.is_child) if stage.get("exploitation_type") else ""
        try:
            casework.add_event(
                case,
                by=by,
                type=fieldsets.STAGE_IN[stage["stage"]],
                country=stage["country"],
                start_date=_date(stage.get("start_date"), "route"),
                end_date=_date(stage.get("end_date"), "route"),
                exploitation_type=form,
            )
        except ValidationError as err:
            raise ValidationError(
                _("Stage %(n)s of the route received cannot be kept (%(why)s): ask the sending country to correct it.")
                % {"n": number, "why": " ".join(err.messages)}
            ) from None
        covered.add(stage.get("exploitation_type"))
    for wire in notification.get("exploitation_types", []):
        if wire in covered or wire == "other":
            continue
        casework.add_event(
            case,
            by=by,
            type="Exploitation",
            country=case.detection_country,
            exploitation_type=_form(wire, child=case.is_child),
        )


def open_case(link: Link, *, by: Any) -> Case:
    """Open the case of an accepted referral with everything the sender shared (see the module)."""
    row = history.first(link, "case_notification")
    notification: dict[str, Any] = dict(row.envelope.get("body", {})) if row is not None else {}
    offer = history.first_body(link, "referral_offer")
    ident = notification.get("identity", {})
    nationality = ident.get("claimed_nationality") or notification.get("nationality", "")
    today = timezone.localdate()
    received_on = timezone.localdate(row.received_at) if row is not None else today
    # A day ahead is the two countries' clocks, not a future detection.
    detected_on = min(_date(notification.get("detected_on"), "detection") or received_on, today)
    known = language_names()
    case = casework.record_detection(
        by=by,
        detected_on=detected_on,
        detection_country=notification.get("detection_country") or link.peer_country,
        given_name="" if ident.get("given_names") in (None, "-") else ident["given_names"],
        family_name="" if ident.get("family_name") in (None, "-") else ident["family_name"],
        date_of_birth=_date(ident.get("date_of_birth"), "date of birth"),
        age_uncertain=not ident.get("date_of_birth"),
        presumed_minor=bool(notification.get("is_child")) and not ident.get("date_of_birth"),
        gender=fieldsets.GENDER_IN.get(notification.get("gender", ""), "NonSpecifiedUnknown"),
        citizenships=[nationality] if nationality and nationality != "XX" else [],
        languages=[code for code in notification.get("languages", []) if code in known],
        narrative=circumstances(link, notification, offer),
    )
    counterpart = abroad.add_counterpart(
        case,
        by=by,
        country=link.peer_country,
        organisation=office_of(link.peer),
        node=link.peer,
        case_ref=link.remote_case_ref,
        opened_case=True,
    )
    _route(case, notification, by=by)
    decision = notification.get("identification")
    if decision:
        abroad.record_foreign_decision(
            case,
            by=by,
            reported_by=counterpart,
            status=decision["status"],
            decided_on=_date(decision.get("decided_on"), "identification"),
            authority=decision.get("authority", ""),
        )
    scope = notification.get("consent")
    if scope and row is not None:
        given_on = _date(scope["given_on"], "consent")
        assert given_on is not None  # required by the schema
        consent.carry(
            case,
            by=by,
            origin_country=link.peer_country,
            origin_node=link.peer,
            origin_ref=str(row.envelope.get("consent_ref", "")),
            given_on=given_on,
            purposes=scope["purposes"],
            recipient_countries=scope["recipient_countries"],
            recipient_kinds=[fieldsets.ORGANISATION_KIND_IN[k] for k in scope.get("recipient_kinds", [])],
            expires_on=_date(scope.get("expires_on"), "consent"),
            given_by=scope.get("given_by", "person"),
            language=scope["language"] if scope.get("language") in known else "",
            interpreter=bool(scope.get("interpreter")),
        )
    return case

"""Directory of the network: countries, partner organisations, people and who held which role when."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction

from trm.accounts.models import User
from trm.audit.events import Action
from trm.audit.record import record
from trm.lib.changes import apply_changes
from trm.network import access
from trm.network.models import (
    Membership,
    NetworkCountry,
    Participant,
    PartnerOrganisation,
    Position,
    PositionKind,
)
from trm.vocab.countries import KOSOVO, KOSOVO_FOOTNOTE

# One holder at a time: a new holder of these roles ends the predecessor's term.
SINGLE_HOLDER_KINDS = frozenset({PositionKind.COORDINATOR, PositionKind.RAPPORTEUR})

PARTICIPANT_FIELDS = ("first_name", "last_name", "email", "phone", "country", "organisation", "user")
COUNTRY_FIELDS = ("membership", "footnote", "rotation_order", "joined_on")


def normalise_email(value: str) -> str:
    return value.strip().lower()


@transaction.atomic
def add_country(
    *,
    code: str,
    by: User,
    membership: str = Membership.MEMBER,
    footnote: str | None = None,
    rotation_order: int | None = None,
    joined_on: date | None = None,
) -> NetworkCountry:
    """Add a country; Kosovo* gets the network's footnote unless another one is given."""
    access.check("add_country", by)
    if footnote is None:
        footnote = str(KOSOVO_FOOTNOTE) if code == KOSOVO else ""
    country = NetworkCountry(
        code=code, membership=membership, footnote=footnote, rotation_order=rotation_order, joined_on=joined_on
    )
    country.full_clean()
    country.save(force_insert=True)
    record(by, Action.CREATE, country, fields=["code", "membership", "footnote", "rotation_order"])
    return country


@transaction.atomic
def update_country(country: NetworkCountry, *, by: User, **changes: Any) -> NetworkCountry:
    access.check("update_country", by, country)
    changed = apply_changes(country, changes, COUNTRY_FIELDS)
    if changed:
        country.full_clean()
        country.save(update_fields=changed)
        record(by, Action.UPDATE, country, fields=changed)
    return country


@transaction.atomic
def add_organisation(*, name: str, kind: str, by: User, short_name: str = "", website: str = "") -> PartnerOrganisation:
    access.check("add_organisation", by)
    org = PartnerOrganisation(name=name, kind=kind, short_name=short_name, website=website)
    org.full_clean()
    org.save(force_insert=True)
    record(by, Action.CREATE, org, fields=["name", "kind", "short_name", "website"])
    return org


@transaction.atomic
def add_participant(
    *,
    first_name: str,
    last_name: str,
    email: str,
    by: User,
    phone: str = "",
    country: NetworkCountry | None = None,
    organisation: PartnerOrganisation | None = None,
    user: User | None = None,
) -> Participant:
    access.check("add_participant", by)
    participant = Participant(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=normalise_email(email),
        phone=phone.strip(),
        country=country,
        organisation=organisation,
        user=user,
    )
    participant.full_clean()
    participant.save(force_insert=True)
    record(by, Action.CREATE, participant, fields=[f for f in PARTICIPANT_FIELDS if getattr(participant, f)])
    return participant


@transaction.atomic
def update_participant(participant: Participant, *, by: User, **changes: Any) -> Participant:
    access.check("update_participant", by, participant)
    if "email" in changes:
        changes["email"] = normalise_email(changes["email"])
    changed = apply_changes(participant, changes, PARTICIPANT_FIELDS)
    if changed:
        participant.full_clean()
        participant.save(update_fields=changed)
        record(by, Action.UPDATE, participant, fields=changed)
    return participant


@transaction.atomic
def add_position(
    participant: Participant,
    *,
    kind: str,
    start_date: date,
    by: User,
    title: str = "",
    institution: str = "",
    country: NetworkCountry | None = None,
    organisation: PartnerOrganisation | None = None,
    end_date: date | None = None,
) -> Position:
    """Record a role; for a single-holder role the predecessor's open term ends the day before."""
    access.check("add_position", by, participant)
    position = Position(
        participant=participant,
        kind=kind,
        title=title,
        institution=institution,
        country=country or participant.country,
        organisation=organisation or participant.organisation,
        start_date=start_date,
        end_date=end_date,
    )
    position.full_clean()
    if kind in SINGLE_HOLDER_KINDS and position.country is not None:
        predecessors = Position.objects.filter(
            kind=kind, country=position.country, end_date__isnull=True, start_date__lt=start_date
        ).exclude(participant=participant)
        for previous in predecessors:
            end_position(previous, end_date=start_date - timedelta(days=1), by=by)
    position.save(force_insert=True)
    record(by, Action.CREATE, position, fields=["kind", "title", "institution", "country", "start_date", "end_date"])
    return position


@transaction.atomic
def end_position(position: Position, *, end_date: date, by: User) -> Position:
    """End a current term; ending one that has already ended is refused (Conflict)."""
    access.check("end_position", by, position)
    position.end_date = end_date
    position.full_clean()
    position.save(update_fields=["end_date"])
    record(by, Action.UPDATE, position, fields=["end_date"])
    return position


def holders(country: NetworkCountry, kind: str) -> list[Position]:
    """Everyone who held ``kind`` for ``country``, newest first (the directory's history)."""
    return list(Position.objects.filter(country=country, kind=kind).select_related("participant"))

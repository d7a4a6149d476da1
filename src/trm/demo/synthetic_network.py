"""A realistic, entirely synthetic network for demos: the SEE countries and Sweden, invented people.

Names come from Faker (seeded, so every run gives the same people); addresses use the
reserved ``example`` domains. Organisations and the framework project are invented. Dates
are relative to ``today``: two past meetings with conclusions and action items (some done,
some still open), and one planned meeting whose follow-up list shows the open ones.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from django.db import transaction
from faker import Faker

from trm.demo.network import NODES
from trm.network import actions, directory, meetings, nodes, updates
from trm.network.models import (
    AttendanceStatus,
    Meeting,
    MeetingStatus,
    Membership,
    NetworkCountry,
    OrganisationKind,
    Participant,
    PartnerOrganisation,
    PositionKind,
)

# (code, membership, rotation order, capital used as venue city, Faker locale)
COUNTRIES = (
    ("AL", Membership.MEMBER, 1, "Tirana", "en_GB"),
    ("BA", Membership.MEMBER, 2, "Sarajevo", "hr_HR"),
    ("BG", Membership.MEMBER, 3, "Sofia", "bg_BG"),
    ("HR", Membership.MEMBER, 4, "Zagreb", "hr_HR"),
    ("XK", Membership.MEMBER, 5, "Pristina", "en_GB"),
    ("MD", Membership.MEMBER, 6, "Chișinău", "ro_RO"),
    ("ME", Membership.MEMBER, 7, "Podgorica", "hr_HR"),
    ("MK", Membership.MEMBER, 8, "Skopje", "mk_MK"),
    ("RO", Membership.MEMBER, 9, "Bucharest", "ro_RO"),
    ("RS", Membership.MEMBER, 10, "Belgrade", "hr_HR"),
    ("SI", Membership.MEMBER, 11, "Ljubljana", "sl_SI"),
    ("SE", Membership.PARTNER, None, "Stockholm", "sv_SE"),
)
CITY = {code: city for code, _m, _r, city, _l in COUNTRIES}
ORGANISATIONS = (
    ("Regional Centre for Migration Policy", "RCMP", OrganisationKind.SECRETARIAT),
    ("International Agency for Migration and Mobility", "IAMM", OrganisationKind.INTERNATIONAL),
    ("Forum for Security Cooperation in Europe", "FSCE", OrganisationKind.INTERNATIONAL),
    ("Coalition of Anti-Trafficking Shelters", "CATS", OrganisationKind.CIVIL_SOCIETY),
)
PROJECT = "Regional Partnership against Trafficking in Human Beings (synthetic project), phase II"


def _email(fake: Faker, first: str, last: str, domain: str) -> str:
    local = fake.unique.user_name()
    return f"{local}@{domain}"


@transaction.atomic
def seed_network(*, today: date, by: Any = None, link_user: Any = None, node_country: str = "") -> bool:
    """Fill the directory, meetings and follow-up with synthetic data; False if already there."""
    if NetworkCountry.objects.exists():
        return False
    countries = {
        code: directory.add_country(
            code=code,
            membership=m,
            rotation_order=r,
            by=by,
            joined_on=date(2010, 10, 1) if m == Membership.MEMBER else date(2014, 3, 1),
        )
        for code, m, r, _city, _locale in COUNTRIES
    }
    orgs = {
        short: directory.add_organisation(name=name, short_name=short, kind=kind, by=by)
        for name, short, kind in ORGANISATIONS
    }
    people: dict[str, list[Participant]] = {}
    for code, _m, _r, _city, locale in COUNTRIES:
        fake = Faker(locale)
        fake.seed_instance(f"trm-network-{code}")
        domain = f"coordination.{code.lower()}.example"
        staff = []
        for kind, title, start in (
            (PositionKind.COORDINATOR, "National Anti-Trafficking Coordinator", today - timedelta(days=900)),
            (PositionKind.DEPUTY, "Deputy National Coordinator", today - timedelta(days=1500)),
            (PositionKind.ADVISOR, "Senior Advisor", today - timedelta(days=700)),
            (
                PositionKind.RAPPORTEUR,
                "National Rapporteur on Trafficking in Human Beings",
                today - timedelta(days=1200),
            ),
        ):
            first, last = fake.first_name(), fake.last_name()
            person = directory.add_participant(
                first_name=first,
                last_name=last,
                email=_email(fake, first, last, domain),
                phone=f"+{fake.numerify('3## ## ### ###')}",
                country=countries[code],
                by=by,
            )
            institution = (
                "Office of the National Rapporteur"
                if kind == PositionKind.RAPPORTEUR
                else "Office of the National Anti-Trafficking Coordinator"
            )
            directory.add_position(person, kind=kind, title=title, institution=institution, start_date=start, by=by)
            staff.append(person)
        # The predecessor of the current coordinator: history of who held the role when.
        first, last = fake.first_name(), fake.last_name()
        former = directory.add_participant(
            first_name=first, last_name=last, email=_email(fake, first, last, domain), country=countries[code], by=by
        )
        directory.add_position(
            former,
            kind=PositionKind.COORDINATOR,
            title="National Anti-Trafficking Coordinator",
            institution="Ministry of the Interior",
            start_date=today - timedelta(days=2600),
            end_date=today - timedelta(days=901),
            by=by,
        )
        people[code] = staff
    fake = Faker("en_GB")
    fake.seed_instance("trm-network-partners")
    partners = []
    for short, org in orgs.items():
        first, last = fake.first_name(), fake.last_name()
        person = directory.add_participant(
            first_name=first,
            last_name=last,
            email=_email(fake, first, last, f"{short.lower()}.example"),
            organisation=org,
            by=by,
        )
        kind = PositionKind.SECRETARIAT if org.kind == OrganisationKind.SECRETARIAT else PositionKind.PARTNER
        directory.add_position(
            person,
            kind=kind,
            title="Programme Manager",
            institution=org.name,
            start_date=today - timedelta(days=1000),
            by=by,
        )
        partners.append(person)

    if link_user is not None and node_country in people:
        directory.update_participant(people[node_country][0], user=link_user, by=by)

    past1 = _meeting(
        countries["ME"],
        today - timedelta(days=400),
        "Regular meeting of the national coordinators",
        status=MeetingStatus.HELD,
        by=by,
    )
    past2 = _meeting(
        countries["MK"],
        today - timedelta(days=215),
        "Regular meeting of the national coordinators",
        status=MeetingStatus.HELD,
        by=by,
    )
    planned = _meeting(
        countries["RO"],
        today + timedelta(days=60),
        "Regular meeting of the national coordinators",
        status=MeetingStatus.PLANNED,
        by=by,
    )
    everyone = [p for staff in people.values() for p in staff[:2]] + partners
    for meeting in (past1, past2):
        for person in everyone:
            attendance = meetings.register(meeting, participant=person, by=by)
            meetings.set_attendance(attendance, status=AttendanceStatus.ATTENDED, by=by)
    meetings.invite(planned, participants=everyone, by=by)
    _content(past1, countries, orgs, by=by, later=past2)
    _content(past2, countries, orgs, by=by, later=None)
    return True


def _meeting(host: NetworkCountry, start: date, title: str, *, status: str, by: Any) -> Meeting:
    start = start - timedelta(days=(start.weekday() - 1) % 7)  # a Tuesday
    meeting = meetings.plan_meeting(
        title=f"{title}, {CITY[host.code]} {start.year}",
        start_date=start,
        end_date=start + timedelta(days=1),
        host_country=host,
        city=CITY[host.code],
        venue="Hotel Central, Conference Hall A",
        organisers=f"Office of the National Anti-Trafficking Coordinator of {host.name} and the network secretariat",
        framework_project=PROJECT,
        status=status,
        registration_deadline=start - timedelta(days=14),
        objectives=(
            "Exchange information on national developments and trends in trafficking in human beings.\n"
            "Review the implementation of the transnational referral mechanism between the participating countries.\n"
            "Agree joint actions for the coming six months."
        ),
        by=by,
    )
    for order, (hour, title_, chair) in enumerate(
        (
            (9, "Opening and adoption of the agenda", f"National Coordinator of {host.name}"),
            (10, "Tour de table: national developments", "Network secretariat"),
            (13, "Transnational referral of identified victims: cases and bottlenecks", "Network secretariat"),
            (15, "Conclusions and next steps", f"National Coordinator of {host.name}"),
        ),
        start=1,
    ):
        meetings.add_session(
            meeting,
            title=title_,
            order=order,
            day=start + timedelta(days=order // 3),
            starts_at=time(hour),
            ends_at=time(hour + 1, 30),
            chair=chair,
            by=by,
        )
    return meeting


def _content(
    meeting: Meeting,
    countries: dict[str, NetworkCountry],
    orgs: dict[str, PartnerOrganisation],
    *,
    by: Any,
    later: Meeting | None,
) -> None:
    for code in ("AL", "BG", "MD", "RS", "SE"):
        updates.save_update(
            meeting,
            countries[code],
            by=by,
            submit=True,
            key_activities="Adopted the annual action plan; trained 120 first-line officers in identification.",
            good_practices="Joint mobile teams of social workers and labour inspectors in seasonal agriculture.",
            trends="More recruitment through online job advertisements; more cases of forced criminality.",
        )
    session = meeting.sessions.get(order=3)
    meetings.update_session(
        session,
        outcome="The participants agreed to test the referral forms in two pilot cases before the next meeting.",
        by=by,
    )
    c1 = actions.add_conclusion(
        meeting,
        text="The network reaffirms its commitment to the transnational referral "
        "mechanism and to meeting twice a year.",
        by=by,
    )
    c2 = actions.add_conclusion(
        meeting,
        text="Countries will share updated contact points of their national referral mechanisms with the secretariat.",
        by=by,
    )
    c3 = actions.add_conclusion(
        meeting,
        text="The network will prepare a joint statement on child trafficking for the ministerial meeting.",
        by=by,
    )
    due = meeting.start_date + timedelta(days=120)
    done = actions.add_action_item(
        meeting,
        description="Circulate the updated list of NRM contact points.",
        owner_organisation=orgs["RCMP"],
        due_date=due,
        conclusion=c2,
        by=by,
    )
    open1 = actions.add_action_item(
        meeting,
        description="Nominate a contact point for the pilot referral cases.",
        owner_country=countries["BA"],
        due_date=due,
        conclusion=c2,
        by=by,
    )
    actions.add_action_item(
        meeting,
        description="Draft the joint statement on child trafficking.",
        owner_country=countries["SI"],
        due_date=due + timedelta(days=30),
        conclusion=c3,
        by=by,
    )
    actions.add_action_item(
        meeting,
        description="Share the national guidelines on online recruitment.",
        owner_country=countries["XK"],
        due_date=due,
        conclusion=c1,
        by=by,
    )
    if later is not None:
        actions.change_status(
            done, event="complete", note="List circulated to all coordinators.", at_meeting=later, by=by
        )
        actions.change_status(open1, event="start", note="Nomination under way.", at_meeting=later, by=by)
    meetings.record_minutes(
        meeting,
        minutes=(
            "The meeting was opened by the host's national coordinator, who welcomed the participants.\n"
            "The secretariat presented the follow-up of the previous meeting's action items.\n"
            "Each delegation presented its national developments (see the tour de table)."
        ),
        by=by,
    )


def demo_nodes(*, today: date, by: Any = None) -> None:
    """The demo's three nodes (see trm.demo.network), without keys: they publish them on start."""
    for node in NODES:
        country = NetworkCountry.objects.filter(code=node.country).first()
        if country is None or country.nodes.filter(node_id=node.node_id).exists():
            continue
        nodes.register_node(
            country=country,
            node_id=node.node_id,
            organisation=node.name,
            endpoint=node.url(),
            since=today - timedelta(days=30),
            status="active",
            by=by,
        )


def seed_demo(node_country: str) -> None:
    """Seed the network on a demo node (every demo node: its ``secretariat`` account manages it).

    No demo account is linked to a coordinator, so the other demo accounts keep their own
    dashboards; link one on a person's page to try the coordinator's view.
    """
    from django.utils import timezone

    today = timezone.localdate()
    if seed_network(today=today, node_country=node_country):
        demo_nodes(today=today)

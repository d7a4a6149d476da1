"""Sweden refers an adult woman exploited in begging to Bulgaria; Bulgaria accepts and can act on what it received.

Both countries run in this one test database: the node is Sweden's while it sends (its
country setting SE), then Bulgaria's while it receives (BG). What Sweden queued is sealed
as Sweden's node (se.nrm, on the test trust list) and handed to the inbox, as the worker
would; Bulgaria's focal point then accepts it with the ``workflows`` verbs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.cases.builders import authority, days_ago, detect, referred
from tests.exchange.shell_support import key_doc, peer_entry, seeded, signed, trust_list_doc
from tests.factories import make_org, make_user, verified_client
from tests.referrals.builders import add_provider
from trm.accounts.roles import Role
from trm.audit.models import AuditEvent
from trm.cases import casework, consent, identification
from trm.cases.models import Case, Consent, ForeignDecision, IdentificationState
from trm.exchange import inbox, jose, keys, protocol
from trm.exchange.models import OutboxMessage
from trm.referrals import routing
from trm.referrals.models import Referral
from trm.transnational import workflows
from trm.transnational.models import Link, LinkStatus
from trm.vocab.htcds import OrganisationType

SE_NODE, BG_NODE = "se.nrm", "bg.nrm"
SE_SIG, SE_ENC = seeded("se.sig", "sig"), seeded("se.enc", "enc")
BG_SIG, BG_ENC = seeded("bg.sig", "sig"), seeded("bg.enc", "enc")
AUTHORITY = seeded("authority", "sig")


@dataclass
class Scenario:
    trust_list: Any
    settings: Any

    def as_sweden(self) -> None:
        self.settings.TRM_COUNTRY = "SE"

    def as_bulgaria(self) -> None:
        self.settings.TRM_COUNTRY = "BG"

    def deliver(self, rows: list[OutboxMessage], conversation: uuid.UUID | None = None) -> uuid.UUID:
        """What Sweden queued arrives at this node as Bulgaria's, in a conversation of its own here."""
        conversation = conversation or uuid.uuid4()
        for row in rows:
            env = row.envelope
            message = protocol.build(
                row.type,
                sender=SE_NODE,
                recipient=self.settings.TRM_NODE_ID,
                body=env["body"],
                message_id=uuid.uuid4(),
                conversation=conversation,
                now=timezone.now(),
                purpose=env["purpose"],
                legal_basis=env["legal_basis"],
                consent_ref=env.get("consent_ref"),
                best_interests_ref=env.get("best_interests_ref"),
            )
            key = self.trust_list.encryption_key(self.settings.TRM_NODE_ID, timezone.now())
            token = protocol.seal(message, sender_key=SE_SIG, recipient_key=key, now=timezone.now())
            assert inbox.receive(token.encode()).status == 200
        inbox.process_received()
        return conversation


@pytest.fixture
def scenario(db, settings):
    now = timezone.now()
    keys.init(now=now - dt.timedelta(days=1))
    keys.pin_authority(jose.public_jwk(AUTHORITY))
    doc = trust_list_doc(now)
    month_ago = now - dt.timedelta(days=30)
    doc["nodes"].append(peer_entry(SE_NODE, "SE", [key_doc(SE_SIG, month_ago), key_doc(SE_ENC, month_ago)]))
    doc["nodes"].append(peer_entry(BG_NODE, "BG", [key_doc(BG_SIG, month_ago), key_doc(BG_ENC, month_ago)]))
    return Scenario(trust_list=keys.import_trust_list(signed(doc), now=now), settings=settings)


def swedish_case(*, kinds: tuple[str, ...] = (OrganisationType.NGO,), expires_on: dt.date | None = None) -> Any:
    """The Swedish case: detected, route recorded, formally identified, a permit, consent to go to Bulgaria."""
    office = make_org(name="Swedish NRM Office", type=OrganisationType.CENTRAL_GOVERNMENT)
    focal = make_user(Role.FOCAL_POINT, org=office)
    board = authority("Swedish Migration Agency")
    decider = make_user(Role.COMPETENT_AUTHORITY, org=board)
    case = detect(
        focal, detected_on=days_ago(40), gender="Feminine", date_of_birth=dt.date(1990, 5, 1), citizenships=["BG"]
    )
    casework.add_event(
        case,
        by=focal,
        type="Recruitment",
        country="BG",
        place="Pleven",
        start_date=days_ago(400),
        end_date=days_ago(390),
    )
    casework.add_event(case, by=focal, type="Transit", country="RO", start_date=days_ago(390), end_date=days_ago(389))
    casework.add_event(
        case,
        by=focal,
        type="Exploitation",
        country="SE",
        place="Central station",
        start_date=days_ago(389),
        end_date=days_ago(41),
        exploitation_type="ForcedBegging",
    )
    case = referred(case, focal, board)
    identification.decide(case, event=identification.RG_POSITIVE, by=decider, decided_on=days_ago(30))
    identification.decide(case, event=identification.CG_POSITIVE, by=decider, decided_on=days_ago(10))
    casework.record_permit(case, by=focal, kind="reflection", issued_on=days_ago(30), number="SE-PERMIT-1")
    given = consent.give(
        case,
        purpose="transnational_referral",
        language="bg",
        interpreter=True,
        by=focal,
        purposes=["assistance", "identification"],
        recipient_countries=["BG", "RO"],
        recipient_kinds=list(kinds),
        expires_on=expires_on or days_ago(-365),
        given_at=timezone.now() - dt.timedelta(days=2),
    )
    case.refresh_from_db()
    return case, focal, given


def sent_from_sweden(scenario: Scenario, **case_options: Any) -> tuple[Any, Any, list[OutboxMessage]]:
    scenario.as_sweden()
    case, focal, given = swedish_case(**case_options)
    workflows.send_referral(
        case, by=focal, to_node=BG_NODE, services=["shelter", "psychological"], needs_summary="A safe place to stay."
    )
    return case, given, list(OutboxMessage.objects.filter(recipient=BG_NODE).order_by("created", "id"))


def bulgarian_focal() -> Any:
    return make_user(Role.FOCAL_POINT, org=make_org(name="Bulgarian NRM Office", country="BG"))


def received_in_bulgaria(scenario: Scenario, **case_options: Any) -> tuple[Any, Any, Link, Any]:
    se_case, given, rows = sent_from_sweden(scenario, **case_options)
    scenario.as_bulgaria()
    conversation = scenario.deliver(rows)
    return se_case, given, Link.objects.get(conversation=conversation), bulgarian_focal()


def test_sweden_sends_the_route_its_decision_the_permits_and_the_consents_scope(scenario):
    _case, given, rows = sent_from_sweden(scenario)
    body = rows[0].envelope["body"]
    assert rows[0].type == "case_notification"
    assert body["detected_on"] == days_ago(40).isoformat() and body["detection_country"] == "SE"
    assert body["route"] == [
        {"stage": "recruitment", "country": "BG", "start_date": days_ago(400).isoformat(),
         "end_date": days_ago(390).isoformat()},
        {"stage": "transit", "country": "RO", "start_date": days_ago(390).isoformat(),
         "end_date": days_ago(389).isoformat()},
        {"stage": "exploitation", "country": "SE", "start_date": days_ago(389).isoformat(),
         "end_date": days_ago(41).isoformat(), "exploitation_type": "forced_begging"},
    ]  # fmt: skip
    assert body["identification"] == {
        "status": "identified",
        "decided_on": days_ago(10).isoformat(),
        "authority": "Swedish Migration Agency",
    }
    assert body["permits"] == [
        {"kind": "reflection", "issued_on": days_ago(30).isoformat(), "valid_until": body["permits"][0]["valid_until"]}
    ]
    assert body["consent"] == {
        "given_on": timezone.localdate(given.given_at).isoformat(),
        "given_by": "person",
        "language": "bg",
        "interpreter": True,
        "purposes": ["assistance", "identification"],
        "recipient_countries": ["BG"],  # Romania, also named, is no business of Bulgaria
        "recipient_kinds": ["ngo"],
        "expires_on": given.expires_on.isoformat(),
    }
    assert rows[0].envelope["consent_ref"] == f"CONSENT-{given.pk}"
    text = str(body)
    for place in ("Pleven", "Central station", "SE-PERMIT-1"):
        assert place not in text  # never place names, never permit numbers


def test_bulgaria_accepts_and_the_case_keeps_what_sweden_shared(scenario):
    se_case, given, link, focal = received_in_bulgaria(scenario)
    assert link.status == LinkStatus.OFFERED and link.peer_country == "SE"
    link = workflows.accept(link, by=focal)
    case = Case.objects.get(pk=link.case_id)
    assert case.reference.startswith("BG-")
    # The same forms of exploitation and route (no places).
    assert case.exploitation_list() == se_case.exploitation_list() == ["ForcedBegging"]
    route = [(e.type, e.country, e.start_date, e.end_date, e.exploitation_type, e.place) for e in case.events.all()]
    assert route == [
        ("Recruitment", "BG", days_ago(400), days_ago(390), "", ""),
        ("Transit", "RO", days_ago(390), days_ago(389), "", ""),
        ("Exploitation", "SE", days_ago(389), days_ago(41), "ForcedBegging", ""),
    ]
    # Detected when and where Sweden says, not "today here".
    assert (case.detected_on, case.detection_country) == (days_ago(40), "SE")
    # Sweden's decision, kept as Sweden's: Bulgaria's own procedure has not moved.
    (decision,) = ForeignDecision.objects.filter(case=case)
    assert (decision.country, decision.status, decision.decided_on, decision.authority) == (
        "SE",
        "identified",
        days_ago(10),
        "Swedish Migration Agency",
    )
    assert case.state == IdentificationState.DETECTED and not case.decisions.exists()
    # The counterpart: whom to contact in Sweden.
    (counterpart,) = case.counterparts.all()
    assert (counterpart.country, counterpart.node, counterpart.case_ref, counterpart.opened_case) == (
        "SE",
        SE_NODE,
        se_case.reference,
        True,
    )
    assert counterpart.organisation == f"Test coordinator {SE_NODE}" and decision.reported_by == counterpart
    # The consent given in Sweden, carried: nobody here recorded it.
    (carried,) = case.consents.all()
    assert carried.is_carried and carried.recorded_by is None
    assert (carried.origin_country, carried.origin_node, carried.origin_ref) == ("SE", SE_NODE, f"CONSENT-{given.pk}")
    assert timezone.localdate(carried.given_at) == timezone.localdate(given.given_at)
    assert (carried.language, carried.interpreter, carried.given_by) == ("bg", True, "person")
    assert (carried.purposes, carried.recipient_countries, carried.recipient_kinds) == (
        ["assistance", "identification"],
        ["BG"],
        ["NGO"],
    )
    assert carried.expires_on == given.expires_on
    # Needs, services and Sweden's permit are on the case, as received.
    assert "A safe place to stay." in case.narrative and "Shelter, Psychological support" in case.narrative
    assert "Reflection-period permit" in case.narrative and not case.permits.exists()
    assert case.person.gender == "Feminine" and case.nationality == "BG"
    # Bulgaria answers with its own case reference.
    (answer,) = OutboxMessage.objects.filter(type="referral_accept")
    assert answer.envelope["body"]["receiver_case_ref"] == case.reference
    assert answer.envelope["body"]["case_ref"] == se_case.reference


def test_the_bulgarian_case_page_shows_where_it_came_from(scenario):
    _se_case, _given, link, focal = received_in_bulgaria(scenario)
    link = workflows.accept(link, by=focal)
    page = verified_client(focal).get(reverse("cases:detail", args=[link.case.reference])).content.decode()
    day = days_ago(10).strftime("%-d %b %Y")
    assert f"Identified by Swedish Migration Agency, Sweden, on {day}" in page
    assert "Test coordinator se.nrm, Sweden" in page and "their case SE-" in page
    assert "given in Sweden on" in page and "with interpreter" in page and "carried with the referral" in page
    assert "Assistance and support services, Referral for identification" in page
    timeline = verified_client(focal).get(reverse("cases:timeline", args=[link.case.reference])).content.decode()
    assert "Received from Sweden" in timeline and "Detected in Sweden" in timeline  # the timeline, on demand
    assert "Case opened from the referral" in timeline


def test_a_national_referral_in_bulgaria_goes_on_the_carried_consent(scenario):
    _se_case, _given, link, focal = received_in_bulgaria(scenario)
    case = workflows.accept(link, by=focal).case
    shelter = add_provider(make_org(name="Safe House Sofia", country="BG"), by=focal)
    referral = routing.refer(case, to=shelter, service="shelter", field_set="shelter", by=focal)
    carried = case.consents.get()
    assert referral.consent == carried and referral.basis == "consent"
    assert case.consents.count() == 1  # no consent was recorded here


def test_a_referral_outside_the_carried_consents_scope_is_refused_and_says_why(scenario):
    _se_case, _given, link, focal = received_in_bulgaria(scenario)
    case = workflows.accept(link, by=focal).case
    lawyers = add_provider(
        make_org(name="Legal Aid Sofia", type=OrganisationType.LEGAL, country="BG"),
        by=focal,
        services=["legal"],
        capacity=None,
        free_places=None,
    )
    response = verified_client(focal).post(
        reverse("referrals:new", args=[case.reference]),
        {"provider": lawyers.pk, "service": "legal", "field_set": "legal_aid"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "The consent the person gave in Sweden does not cover this" in page
    assert "these kinds of organisation: Non-governmental organisation; not Legal service" in page
    assert not Referral.objects.exists()
    assert AuditEvent.objects.filter(
        action="refused", note="400 POST referrals:new refer: outside_carried_consent"
    ).exists()


def test_sweden_withdrawing_consent_ends_the_carried_consent_and_the_referral_on_it(scenario):
    _se_case, given, link, focal = received_in_bulgaria(scenario)
    case = workflows.accept(link, by=focal).case
    shelter = add_provider(make_org(name="Safe House Sofia", country="BG"), by=focal)
    referral = routing.refer(case, to=shelter, service="shelter", field_set="shelter", by=focal)
    # Sweden records the withdrawal; its node asks Bulgaria to erase.
    scenario.as_sweden()
    consent.withdraw(given, by=make_user(Role.FOCAL_POINT, org=make_org(name="Swedish office 2")))
    (erase,) = OutboxMessage.objects.filter(type="consent_withdrawn", recipient=BG_NODE)
    scenario.as_bulgaria()
    scenario.deliver([erase], conversation=link.conversation)
    link.refresh_from_db()
    carried = Consent.objects.get(case=case)
    referral.refresh_from_db()
    assert link.status == LinkStatus.ERASED
    assert carried.withdrawn_at is not None and carried.withdrawn_recorded_by is None
    assert referral.status == "withdrawn" and referral.end_reason == "consent_withdrawn"
    with pytest.raises(Exception, match="withdrawn on"):
        routing.refer(case, to=shelter, service="shelter", field_set="shelter", by=focal)

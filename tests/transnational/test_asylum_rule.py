"""An applicant for protection's identity never goes to the authorities of the country of origin, in any type.

For every message type (``KINDS``): the members of its schema that identify a person are
declared by its ``Kind``, and a body carrying any of them about an applicant for protection is
refused to the country of origin, whoever drafts it; a body carrying none goes. Through the
real verbs, an identity-bearing message to the origin is refused, nothing is queued, and the
refusal is audited.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
from django.utils import timezone

from tests.exchange.shell_support import PEER
from trm.audit.models import AuditEvent
from trm.cases import casework
from trm.exchange import schemas
from trm.exchange.models import OutboxMessage
from trm.lib.refusals import ValidationError
from trm.transnational import protection, workflows
from trm.transnational.kinds import KINDS
from trm.transnational.models import CountryRole, Direction, Link, LinkStatus

from .test_rendering import FULL

# Members that name a person or hold their documents, whatever the type.
IDENTIFYING = frozenset({"identity", "documents", "document_copies", "family_members"})
# Types whose free text exists to describe the person (an alert): identifying as well.
DESCRIBING = {"urgent_alert": "description", "route_alert": "description"}


class Case:
    """What the rule reads of a case."""

    def __init__(self, *, asylum: bool, nationality: str = "XK") -> None:
        self.asylum_seeker = asylum
        self.nationality = nationality
        self.person = type("P", (), {"citizenships": [nationality]})()


@pytest.mark.parametrize("type_", sorted(KINDS))
def test_every_identifying_member_of_every_type_is_declared(type_: str) -> None:
    kind = KINDS[type_]
    allowed = set(schemas.BODY_SCHEMAS[type_]["properties"])
    expected = (allowed & IDENTIFYING) | ({DESCRIBING[type_]} if type_ in DESCRIBING else set())
    assert set(kind.identity) == expected
    assert set(kind.identity) <= allowed


@pytest.mark.parametrize("type_", sorted(KINDS))
def test_every_type_is_refused_to_the_origin_exactly_when_it_identifies_an_applicant(type_: str) -> None:
    kind = KINDS[type_]
    body = copy.deepcopy(FULL[type_])
    applicant, other = Case(asylum=True), Case(asylum=False)
    if kind.identity:
        with pytest.raises(protection.IdentityRefused):
            protection.check(kind, case=applicant, country="XK", body=body)
        # The recorded role counts as well as the nationality.
        with pytest.raises(protection.IdentityRefused):
            protection.check(kind, case=Case(asylum=True, nationality="MD"), country="XK", role="origin", body=body)
        # Without the identifying members, the same message goes.
        bare = {k: v for k, v in body.items() if k not in kind.identity}
        assert protection.check(kind, case=applicant, country="XK", body=bare) is False
    else:
        assert not set(body) & IDENTIFYING
        assert protection.check(kind, case=applicant, country="XK", body=body) is False
    # Another country, or a person who did not apply for protection: the rule does not apply.
    assert protection.check(kind, case=applicant, country="RS", body=body) is False
    assert protection.check(kind, case=other, country="XK", body=body) is False
    # A recorded reason lets only a route alert through.
    if kind.identity and kind.origin_override:
        assert protection.check(kind, case=applicant, country="XK", body=body, safe_reason="Reason.") is True
    elif kind.identity:
        with pytest.raises(protection.IdentityRefused):
            protection.check(kind, case=applicant, country="XK", body=body, safe_reason="Reason.")


def applicant_link(two: Any, *, nationality: str = "XK", role: str = "") -> tuple[Any, Link]:
    """A child's case of an applicant for protection, in a conversation with xk (its origin by nationality)."""
    today = timezone.localdate()
    case = two.case(asylum_seeker=True, citizenships=[nationality], date_of_birth=today.replace(year=today.year - 15))
    from tests.transnational.conftest import casework_bi

    casework_bi(case, two.focal)
    link = Link.objects.create(
        conversation=uuid.uuid4(),
        direction=Direction.OUTGOING,
        peer=PEER,
        peer_country="XK",
        case=case,
        status=LinkStatus.NOTIFIED,
        is_child=True,
        peer_role=role,
    )
    return case, link


FOLLOW_UP_DATA = {
    "family_tracing_request": {"relationship": "mother", "family_name": "Testova", "given_names": "Ana"},
    "urgent_alert": {"alert_kind": "missing_child", "contact_point": "Duty desk", "remarks": "Green jacket."},
}


@pytest.mark.parametrize("type_", sorted(FOLLOW_UP_DATA))
def test_an_identity_bearing_follow_up_to_the_origin_is_refused_nothing_sent_and_audited(two, type_):
    from trm.cases import guardians

    case, link = applicant_link(two)
    guardians.appoint(case, by=two.focal, name="Test Guardian", appointed_on=case.detected_on)
    with pytest.raises(protection.IdentityRefused):
        workflows.send(link, kind=type_, data=FOLLOW_UP_DATA[type_], by=two.focal)
    assert not OutboxMessage.objects.exists()
    entry = AuditEvent.objects.get(action="refused", object_ref=str(link.conversation))
    assert entry.fields == [type_] and "Testova" not in entry.note


def test_the_same_follow_up_goes_without_identity_or_to_another_country(two):
    _case, link = applicant_link(two)
    workflows.send(link, kind="urgent_alert", data={"alert_kind": "missing_child", "contact_point": "D"}, by=two.focal)
    assert OutboxMessage.objects.filter(type="urgent_alert").count() == 1
    _other_case, other = applicant_link(two, nationality="AL")
    workflows.send(other, kind="urgent_alert", data={**FOLLOW_UP_DATA["urgent_alert"]}, by=two.focal)
    assert OutboxMessage.objects.filter(type="urgent_alert").count() == 2


def test_a_recorded_origin_role_counts_like_the_nationality(two):
    _case, link = applicant_link(two, nationality="AL", role=CountryRole.ORIGIN)
    with pytest.raises(protection.IdentityRefused):
        workflows.send(link, kind="urgent_alert", data={**FOLLOW_UP_DATA["urgent_alert"]}, by=two.focal)
    assert not OutboxMessage.objects.exists()


def test_a_notification_sharing_identity_with_the_origin_is_refused(two):
    case = two.case(asylum_seeker=True, citizenships=["XK"])
    casework.add_event(case, by=two.focal, type="Transit", country="RS")
    with pytest.raises(ValidationError):
        workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"], share_identity=True)
    assert not OutboxMessage.objects.exists() and not Link.objects.exists()
    assert AuditEvent.objects.filter(action="refused", object_ref=case.reference).exists()
    # Without the identity, the notification goes (it names no one).
    workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])
    assert "identity" not in OutboxMessage.objects.get(type="case_notification").envelope["body"]

"""Telling the person the outcome: in person, or through the node of her country (trm/1 proceeding_outcome)."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from tests.exchange.shell_support import PEER
from tests.factories import make_org, make_user, verified_client
from tests.justice.conftest import days_ago
from tests.transnational.conftest import two  # noqa: F401 - the fixture
from tests.transnational.test_workflows import offer_from_peer
from trm.accounts.roles import Role
from trm.exchange.models import InboxMessage
from trm.justice import notices, proceedings
from trm.justice.models import OutcomeNotice
from trm.lib.refusals import Conflict
from trm.transnational import workflows
from trm.vocab.htcds import OrganisationType


@pytest.fixture
def police(two):  # noqa: F811 - the fixture above
    office = make_org(name="Investigation Unit", type=OrganisationType.LAW_ENFORCEMENT)
    return make_user(Role.LAW_ENFORCEMENT, org=office)


def _accepted(two):  # noqa: F811
    """A case of ours, referred to the peer's country (XK) and accepted there: the person went home."""
    case = two.case(citizenships=["XK"])
    link = workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"], purpose="return")
    two.receive(
        "referral_accept",
        {"case_ref": case.reference, "accepted_services": ["shelter"], "reception_organisation": "Synthetic NGO"},
        conversation=link.conversation,
        in_reply_to=link.offer_message_id,
    )
    link.refresh_from_db()
    return case, link


def test_the_outcome_goes_to_the_node_of_her_country_with_codes_and_dates_only(two, police):  # noqa: F811
    case, link = _accepted(two)
    p = proceedings.open_proceeding(case, by=two.focal, person_role="injured_party", opened_on=days_ago(20),
                                    organisation=police.organisation)  # fmt: skip
    proceedings.record_content(p, by=police, file_reference="K-2026-114", court="District Court")
    proceedings.advance(p, by=police, event="charge", on=days_ago(4))
    proceedings.add_hearing(p, by=police, held_on=days_ago(-30), kind="testimony")
    notice = notices.notify(p, by=police, channel="trm")
    assert (notice.outcome, notice.country, notice.channel) == ("charged", "XK", "trm")
    (sent,) = two.sent("proceeding_outcome")
    assert sent.recipient == PEER and sent.conversation == link.conversation
    envelope = sent.envelope
    assert envelope["purpose"] == "case_management"
    assert envelope["body"] == {
        "case_ref": case.reference,
        "proceeding_ref": p.reference,
        "stage": "prosecution",
        "outcome": "charged",
        "decided_on": days_ago(4).isoformat(),
        "person_role": "injured_party",
        "testimony_expected": True,
        "next_hearing_on": days_ago(-30).isoformat(),
    }
    assert "K-2026-114" not in str(envelope) and "District Court" not in str(envelope)


def test_without_a_live_conversation_with_her_country_nothing_is_sent_or_stored(two, police):  # noqa: F811
    case = two.case(citizenships=["XK"])
    p = proceedings.open_proceeding(case, by=two.focal, person_role="witness", organisation=police.organisation)
    with pytest.raises(Conflict):
        notices.notify(p, by=police, channel="trm")
    assert not OutcomeNotice.objects.exists() and two.sent("proceeding_outcome") == []
    response = verified_client(police).post(
        f"/api/justice/proceedings/{p.reference}/notices", {"channel": "trm"}, content_type="application/json"
    )
    assert response.status_code == 409
    # Told in person: recorded, nothing sent.
    assert notices.notify(p, by=police, channel="in_person").outcome == "investigation_opened"
    assert two.sent("proceeding_outcome") == []
    # A caseworker may not tell it (the content is the criminal track's).
    from django.http import Http404

    with pytest.raises(Http404):
        notices.notify(p, by=two.focal, channel="in_person")


def test_the_return_is_flagged_on_the_conversation_page_while_she_is_to_testify(two, police):  # noqa: F811
    case, link = _accepted(two)
    page = verified_client(two.focal).get(reverse("transnational:detail", args=[link.conversation]))
    assert "Before arranging a return" not in page.content.decode()
    p = proceedings.open_proceeding(case, by=two.focal, person_role="witness", organisation=police.organisation)
    proceedings.add_hearing(p, by=police, held_on=days_ago(-10), kind="testimony")
    text = verified_client(two.focal).get(reverse("transnational:detail", args=[link.conversation])).content.decode()
    assert "Before arranging a return" in text and "expected to testify" in text


def test_a_received_outcome_shows_in_the_conversation_for_the_office_to_tell_her(two):  # noqa: F811
    conversation = uuid.uuid4()
    offer_from_peer(two, conversation)
    from trm.transnational.models import Link

    link = workflows.accept(Link.objects.get(conversation=conversation), by=two.focal)
    two.receive(
        "proceeding_outcome",
        {
            "case_ref": "XK-REF-1",
            "proceeding_ref": "PR-TEST-0001",
            "stage": "judgment",
            "outcome": "convicted",
            "decided_on": days_ago(1).isoformat(),
            "testimony_expected": False,
        },
        conversation=conversation,
        purpose="case_management",
    )
    row = InboxMessage.objects.get(type="proceeding_outcome")
    assert row.status == "processed"
    text = verified_client(two.focal).get(reverse("transnational:detail", args=[link.conversation])).content.decode()
    assert "Outcome of criminal proceedings" in text and "Conviction" in text

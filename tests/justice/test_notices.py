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


def _told(two, proceeding, police):  # noqa: F811
    """Tell the current outcome over trm/1; the body of the message sent."""
    before = len(two.sent("proceeding_outcome"))
    notices.notify(proceeding, by=police, channel="trm")
    sent = two.sent("proceeding_outcome")
    assert len(sent) == before + 1
    return sent[-1].envelope["body"]


def test_the_outcome_is_dated_on_the_day_of_its_step_and_a_later_edit_does_not_move_it(two, police):  # noqa: F811
    import datetime as dt

    import time_machine
    from django.utils import timezone

    case, _link = _accepted(two)
    p = proceedings.open_proceeding(case, by=two.focal, person_role="witness", opened_on=days_ago(20),
                                    organisation=police.organisation)  # fmt: skip
    proceedings.advance(p, by=police, event="charge", on=days_ago(10))
    proceedings.advance(p, by=police, event="open_trial", on=days_ago(3))
    body = _told(two, p, police)
    assert (body["stage"], body["outcome"], body["decided_on"]) == ("trial", "trial_opened", days_ago(3).isoformat())
    # Two days later the content is edited and she is told again: the trial still opened that day.
    trial_opened = days_ago(3).isoformat()
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        proceedings.record_content(p, by=police, court="District Court", testimony_expected=True)
        body = _told(two, p, police)
    assert (body["outcome"], body["decided_on"]) == ("trial_opened", trial_opened)
    p.refresh_from_db()
    assert (p.last_step, p.stage_changed_on.isoformat()) == ("open_trial", trial_opened)


def test_an_appeal_lodged_and_decided_is_told_as_such_on_its_day(two, police):  # noqa: F811
    case, _link = _accepted(two)
    p = proceedings.open_proceeding(case, by=two.focal, person_role="injured_party", opened_on=days_ago(40),
                                    organisation=police.organisation)  # fmt: skip
    proceedings.advance(p, by=police, event="charge", on=days_ago(30))
    proceedings.advance(p, by=police, event="open_trial", on=days_ago(20))
    proceedings.advance(p, by=police, event="judge", on=days_ago(12), outcome="convicted")
    body = _told(two, p, police)
    assert (body["stage"], body["outcome"], body["decided_on"]) == ("judgment", "convicted", days_ago(12).isoformat())
    proceedings.advance(p, by=police, event="appeal", on=days_ago(8))
    body = _told(two, p, police)
    assert (body["stage"], body["outcome"], body["decided_on"]) == ("appeal", "appeal_lodged", days_ago(8).isoformat())
    proceedings.advance(p, by=police, event="decide_appeal", on=days_ago(2), outcome="acquitted")
    body = _told(two, p, police)
    assert (body["stage"], body["outcome"], body["decided_on"]) == (
        "judgment",
        "appeal_decided",
        days_ago(2).isoformat(),
    )
    assert OutcomeNotice.objects.filter(proceeding=p).values_list("outcome", flat=True)[0] == "appeal_decided"
    proceedings.advance(p, by=police, event="close", on=days_ago(1))
    body = _told(two, p, police)
    assert (body["stage"], body["outcome"], body["decided_on"]) == ("closed", "closed", days_ago(1).isoformat())


def test_a_discontinued_investigation_is_told_on_the_day_it_was_discontinued(two, police):  # noqa: F811
    case, _link = _accepted(two)
    p = proceedings.open_proceeding(case, by=two.focal, person_role="witness", opened_on=days_ago(15),
                                    organisation=police.organisation)  # fmt: skip
    proceedings.advance(p, by=police, event="discontinue", on=days_ago(6))
    body = _told(two, p, police)
    assert (body["stage"], body["outcome"], body["decided_on"]) == (
        "closed",
        "investigation_discontinued",
        days_ago(6).isoformat(),
    )


def test_every_step_has_an_outcome_code_of_the_protocol() -> None:
    from trm.exchange import schemas
    from trm.justice import stages

    codes = set(schemas.BODY_SCHEMAS["proceeding_outcome"]["properties"]["outcome"]["enum"])
    assert set(stages.OUTCOME_CODES) | {"judge"} == set(stages.EVENTS)
    assert set(stages.OUTCOME_CODES.values()) | {"investigation_opened", "convicted", "acquitted"} == codes

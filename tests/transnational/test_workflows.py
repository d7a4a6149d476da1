from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.exchange.shell_support import PEER
from tests.factories import verified_client
from trm.cases import consent
from trm.cases.models import Case
from trm.exchange import schemas
from trm.exchange.models import InboxMessage
from trm.transnational import workflows
from trm.transnational.models import Direction, Link, LinkStatus


def test_it_sends_a_notification_and_an_offer_in_one_conversation(two):
    case = two.case()
    link = workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter", "reintegration"])
    notification, offer = two.sent()
    assert (notification.type, offer.type) == ("case_notification", "referral_offer")
    assert notification.conversation == offer.conversation == link.conversation
    assert link.direction == Direction.OUTGOING and link.status == LinkStatus.OFFERED
    assert link.peer_country == "XK" and link.offer_message_id == offer.message_id
    body = notification.envelope["body"]
    assert body["case_ref"] == case.reference and body["nationality"] == "MD"
    assert "identity" not in body  # not asked for
    assert notification.envelope["legal_basis"] == "consent"


def test_only_the_field_set_of_each_type_leaves(two):
    case = two.case()
    workflows.send_referral(
        case,
        by=two.focal,
        to_node=PEER,
        services=["shelter"],
        share_identity=True,
        needs_summary="Needs a safe place on arrival.",
    )
    for row in two.sent():
        allowed = set(schemas.BODY_SCHEMAS[row.type]["properties"])
        assert set(row.envelope["body"]) <= allowed
    identity = two.sent("case_notification")[0].envelope["body"]["identity"]
    assert identity["family_name"] == "Testova" and identity["date_of_birth"] == "1995-04-02"


def test_it_refuses_without_consent_and_stores_nothing(two):
    case = two.case(consented=False)
    with pytest.raises(ValidationError, match="not consented"):
        workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])
    assert two.sent() == [] and not Link.objects.exists()


def test_a_withdrawn_consent_is_no_basis(two):
    case = two.case()
    consent.withdraw(case.consents.get(), by=two.focal)
    with pytest.raises(ValidationError, match="not consented"):
        workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])


def test_a_child_needs_a_best_interests_record(two):
    case = two.child_case(with_best_interests=False)
    with pytest.raises(ValidationError, match="best-interests"):
        workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])
    case = two.child_case()
    link = workflows.send_referral(case, by=two.focal, to_node=PEER, services=["family_reunification"])
    assert link.is_child
    assert two.sent("referral_offer")[0].envelope["legal_basis"] == "best_interests"


def test_only_the_focal_point_sends(two):
    case = two.case()
    with pytest.raises(PermissionDenied):
        workflows.send_referral(case, by=two.responder, to_node=PEER, services=["shelter"])
    assert two.sent() == []


def test_an_unknown_node_is_refused(two):
    with pytest.raises(ValidationError, match="trust list"):
        workflows.send_referral(two.case(), by=two.focal, to_node="zz.nowhere", services=["shelter"])


def offer_from_peer(two, conversation, *, identity=True):
    body = {
        "case_ref": "XK-REF-1",
        "nationality": "MD",
        "is_child": False,
        "age_band": "25-34",
        "gender": "female",
        "exploitation_types": ["labour"],
        "urgency": "routine",
        "languages": ["ro"],
    }
    if identity:
        body.update(
            identity={
                "family_name": "Synthetica",
                "given_names": "Maria",
                "date_of_birth": "1996-02-03",
                "sex": "female",
            },
            identity_consent=True,
        )
    two.receive("case_notification", body, conversation=conversation)
    two.receive(
        "referral_offer", {"case_ref": "XK-REF-1", "services": ["shelter", "medical"]}, conversation=conversation
    )
    return Link.objects.get(conversation=conversation)


def test_a_received_offer_waits_and_acceptance_opens_one_linked_case(two):
    conversation = uuid.uuid4()
    link = offer_from_peer(two, conversation)
    assert link.direction == Direction.INCOMING and link.status == LinkStatus.OFFERED
    assert link.services == ["shelter", "medical"] and link.remote_case_ref == "XK-REF-1"
    link = workflows.accept(link, by=two.focal)
    assert link.status == LinkStatus.ACCEPTED
    case = Case.objects.get(pk=link.case_id)
    assert case.person.family_name == "Synthetica" and case.nationality == "MD"
    (answer,) = two.sent("referral_accept")
    assert answer.recipient == PEER and answer.conversation == conversation
    assert answer.envelope["body"]["case_ref"] == "XK-REF-1"
    with pytest.raises(ValidationError):
        workflows.accept(link, by=two.focal)  # accepted once only
    assert Case.objects.filter(pk=case.pk).count() == 1 and len(two.sent("referral_accept")) == 1


def test_the_same_offer_delivered_twice_makes_one_link(two):
    conversation = uuid.uuid4()
    offer_from_peer(two, conversation)
    two.receive("referral_offer", {"case_ref": "XK-REF-1", "services": ["shelter"]}, conversation=conversation)
    assert Link.objects.filter(conversation=conversation).count() == 1


def test_declining_answers_with_the_reason(two):
    link = offer_from_peer(two, uuid.uuid4())
    workflows.decline(link, by=two.focal, reason="no_capacity")
    link.refresh_from_db()
    assert link.status == LinkStatus.DECLINED and link.case_id is None
    assert two.sent("referral_decline")[0].envelope["body"]["reason"] == "no_capacity"


def test_answers_from_the_peer_update_the_sent_referral(two):
    link = workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])
    two.receive(
        "referral_accept",
        {
            "case_ref": link.case.reference,
            "accepted_services": ["shelter"],
            "reception_organisation": "Synthetic Reception NGO",
        },
        conversation=link.conversation,
        in_reply_to=link.offer_message_id,
    )
    link.refresh_from_db()
    assert link.status == LinkStatus.ACCEPTED


def test_withdrawing_tells_the_peer(two):
    link = workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])
    workflows.withdraw(link, by=two.focal, reason="person_declined")
    link.refresh_from_db()
    assert link.status == LinkStatus.WITHDRAWN
    assert two.sent("referral_withdraw")[0].envelope["body"]["offer_id"] == str(link.offer_message_id)


def test_withdrawing_consent_asks_the_peer_to_erase(two):
    case = two.case()
    link = workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])
    consent.withdraw(case.consents.get(), by=two.focal)
    (erase,) = two.sent("consent_withdrawn")
    assert erase.envelope["body"]["instruction"] == "erase" and erase.conversation == link.conversation
    link.refresh_from_db()
    assert link.status == LinkStatus.ERASED and link.status_label == "Consent withdrawn: erasure requested"


def test_the_receiver_erases_the_shared_data_when_consent_is_withdrawn(two):
    conversation = uuid.uuid4()
    link = workflows.accept(offer_from_peer(two, conversation), by=two.focal)
    case_pk = link.case_id
    two.receive(
        "consent_withdrawn",
        {"case_ref": "XK-REF-1", "withdrawn_on": "2026-11-20", "instruction": "erase", "scope": "conversation"},
        conversation=conversation,
        purpose="case_management",
    )
    link.refresh_from_db()
    assert link.status == LinkStatus.ERASED
    person = Case.objects.get(pk=case_pk).person
    assert person.family_name == "" and person.given_name == "" and person.date_of_birth is None
    assert person.name_index == "" and person.document_index == ""
    for row in InboxMessage.objects.filter(conversation=conversation):
        assert row.envelope["body"] in (
            {"erased": True},
            {"case_ref": "XK-REF-1", "withdrawn_on": "2026-11-20", "instruction": "erase", "scope": "conversation"},
        )
    # Decrypted, nothing of the person is left in any stored message of the conversation.
    assert all("Synthetica" not in str(row.envelope) for row in InboxMessage.objects.all())


def test_the_demo_referral_command_runs_only_in_demo_mode(two, settings):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="TRM_MODE=demo"):
        call_command("transnational_demo_send", to=PEER)
    settings.DEMO = True
    two.focal.username = "focal"
    two.focal.save(update_fields=["username"])
    two.case()
    call_command("transnational_demo_send", to=PEER)
    call_command("transnational_demo_send", to=PEER)  # once only
    assert Link.objects.filter(direction=Direction.OUTGOING).count() == 1


def test_erasure_also_drops_what_this_node_sent_once_it_left_and_keeps_the_trail(two):
    import random

    from tests.exchange.shell_support import PeerInbox
    from trm.exchange import outbox
    from trm.exchange.models import OutboxMessage

    conversation = uuid.uuid4()
    link = workflows.accept(offer_from_peer(two, conversation), by=two.focal)
    workflows.send(
        link,
        by=two.focal,
        kind="post_return_report",
        data={
            "months_after_return": 3,
            "reintegration_status": "progressing",
            "re_trafficking_alert": False,
            "remarks": "Synthetic remark on Maria.",
        },
    )
    with PeerInbox(two.net).client() as client:
        outbox.deliver_due(client=client, rng=random.Random(1))
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"delivered"}
    two.receive(
        "consent_withdrawn",
        {"case_ref": "XK-REF-1", "withdrawn_on": "2026-11-20", "instruction": "erase", "scope": "conversation"},
        conversation=conversation,
        purpose="case_management",
    )
    for row in OutboxMessage.objects.filter(conversation=conversation):
        assert row.envelope["body"] == {"erased": True} and row.token == ""
        assert row.status == "delivered" and row.receipt  # the trail stays
    assert InboxMessage.objects.filter(conversation=conversation).count() == 3
    person = Case.objects.get(pk=link.case_id).person
    assert person.citizenships == [] and person.languages == []
    page = verified_client(two.focal).get(reverse("transnational:detail", args=[conversation])).content.decode()
    assert "Consent withdrawn: shared data erased" in page and "Synthetica" not in page and "Maria" not in page


def test_a_withdrawal_from_the_sender_closes_the_received_offer(two):
    conversation = uuid.uuid4()
    link = offer_from_peer(two, conversation)
    two.receive(
        "referral_withdraw",
        {"case_ref": "XK-REF-1", "offer_id": str(link.offer_message_id), "reason": "person_declined"},
        conversation=conversation,
    )
    link.refresh_from_db()
    assert link.status == LinkStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        workflows.accept(link, by=two.focal)
    assert link.case_id is None and two.sent() == []


def test_an_answer_in_a_conversation_unknown_here_is_set_aside_and_changes_nothing(two):
    conversation = uuid.uuid4()
    two.receive(
        "referral_accept",
        {"case_ref": "SE-NONE", "accepted_services": ["shelter"], "reception_organisation": "Synthetic Reception NGO"},
        conversation=conversation,
        in_reply_to=str(uuid.uuid4()),
    )
    assert not Link.objects.exists()
    row = InboxMessage.objects.get(conversation=conversation)
    assert (row.status, row.last_error) == ("unhandled", "unknown_conversation")


def test_a_withdrawn_referral_can_still_be_erased_on_consent_withdrawal(two):
    case = two.case()
    link = workflows.send_referral(case, by=two.focal, to_node=PEER, services=["shelter"])
    workflows.withdraw(link, by=two.focal, reason="duplicate")
    consent.withdraw(case.consents.get(), by=two.focal)
    link.refresh_from_db()
    assert link.status == LinkStatus.ERASED and len(two.sent("consent_withdrawn")) == 1


def test_every_verb_checks_its_actor_and_the_conversations_state(two):
    from django.http import Http404

    from trm.lib.refusals import Conflict

    received = offer_from_peer(two, uuid.uuid4())
    sent = workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])
    before = len(two.sent())
    for verb in (
        lambda by: workflows.accept(received, by=by),
        lambda by: workflows.decline(received, by=by, reason="safety"),
        lambda by: workflows.withdraw(sent, by=by),
        lambda by: workflows.send(sent, kind="case_closure", data={"closure_reason": "other"}, by=by),
    ):
        with pytest.raises(PermissionDenied):
            verb(two.responder)
    gone = Link(pk=10**9, conversation=uuid.uuid4(), status=LinkStatus.OFFERED)
    with pytest.raises(Http404):
        workflows.accept(gone, by=two.focal)
    with pytest.raises(Http404):
        workflows.send_referral(Case(reference="SE-NONE"), by=two.focal, to_node=PEER, services=["shelter"])
    workflows.decline(received, by=two.focal, reason="safety")
    with pytest.raises(Conflict):
        workflows.accept(received, by=two.focal)
    with pytest.raises(Conflict):
        workflows.send(received, kind="case_closure", data={"closure_reason": "other"}, by=two.focal)
    assert len(two.sent()) == before + 1  # the decline only


def test_the_preview_plans_exactly_what_send_queues(two):
    case = two.case()
    data = {
        "to_node": PEER,
        "services": ["shelter"],
        "purpose": "return",
        "handling_codes": ["H1"],
        "needs_summary": "Safe accommodation.",
    }
    drafts = workflows.plan(case, kind="referral_offer", data=data, by=two.focal)
    assert two.sent() == []
    workflows.send(case, kind="referral_offer", data=data, by=two.focal)
    rows = two.sent()
    assert [d.type for d in drafts] == [r.type for r in rows]
    for draft, row in zip(drafts, rows, strict=True):
        assert draft.body == row.envelope["body"] and draft.purpose == row.envelope["purpose"]
        assert draft.basis["consent_ref"] == row.envelope["consent_ref"]
        assert list(draft.handling.codes) == row.envelope["handling"]["codes"]

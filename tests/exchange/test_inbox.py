"""POST /trm/1/inbox: store once, answer with a signed receipt, refuse everything else."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError, connection
from django.test import Client
from django.utils import timezone

from tests.exchange.shell_support import (
    KEY_REVOKED_NODE,
    ME_SIG,
    OTHER_AUTHORITY,
    PEER,
    PEER_OLD_SIG,
    PEER_SIG,
    REVOKED_NODE,
    RS_NEW_SIG,
    RS_SIG,
    STRANGER_ENC,
    STRANGER_SIG,
    Net,
    setup_network,
    signed,
    trust_list_doc,
)
from trm.audit.events import Action
from trm.audit.models import AuditEvent
from trm.audit.record import record
from trm.exchange import inbox, jose, keys, protocol
from trm.exchange.models import InboxMessage, InboxStatus, TrustListState
from trm.exchange.trustlist import canonical_json
from trm.exchange.vectors import craft, tamper

URL = "/trm/1/inbox"
CT = "application/trm1+jwe"


@pytest.fixture
def net(db) -> Net:
    return setup_network()


def post(body: str | bytes, *, content_type: str = CT):
    return Client().post(URL, data=body, content_type=content_type)


def receipt_of(response) -> dict:
    assert response["Content-Type"] == "application/trm1-receipt+jws"
    _header, payload = jose.jws_parts(response.content.decode())
    return json.loads(payload)


def verified(net: Net, response, token: str):
    return protocol.verify_receipt(
        response.content, sent_token=token, receiver=net.us, trust_list=net.trust_list, now=timezone.now()
    )


def test_it_stores_a_message_and_answers_a_signed_accepted_receipt(net: Net) -> None:
    message = net.message("case_notification")
    token = net.seal(message)
    response = post(token)
    assert response.status_code == 200
    receipt = verified(net, response, token)
    assert (receipt.status, receipt.message_id) == ("accepted", message.id)
    row = InboxMessage.objects.get()
    assert (str(row.message_id), row.sender, row.type, row.status) == (message.id, PEER, message.type, "received")
    assert row.envelope["body"]["case_ref"] == message.body["case_ref"]
    assert row.receipt == response.content.decode()
    event = AuditEvent.objects.get(action="receive")
    assert event.object_ref == message.id
    assert message.body["case_ref"] not in event.note


def test_it_keeps_the_envelope_encrypted_at_rest(net: Net) -> None:
    message = net.message("identity_verification_request")
    assert post(net.seal(message)).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT envelope FROM exchange_inboxmessage")
        (raw,) = cursor.fetchone()
    assert "Testova" not in raw and message.body["case_ref"] not in raw


def test_it_answers_a_byte_identical_retry_as_duplicate(net: Net) -> None:
    # trm/1 §3.4: every token whose (sender, id) was already accepted gets "duplicate".
    message = net.message()
    token = net.seal(message)
    assert verified(net, post(token), token).status == "accepted"
    second = post(token)
    assert second.status_code == 200
    receipt = verified(net, second, token)
    assert (receipt.status, receipt.message_id, receipt.code) == ("duplicate", message.id, None)
    assert InboxMessage.objects.count() == 1


def test_it_accepts_the_same_id_from_another_sender(net: Net) -> None:
    first = net.message()
    assert post(net.seal(first)).status_code == 200
    other = net.message(sender=KEY_REVOKED_NODE, message_id=first.id)
    token = net.seal(other, signer=RS_NEW_SIG)
    response = post(token)
    assert verified(net, response, token).status == "accepted"
    assert InboxMessage.objects.filter(message_id=first.id).count() == 2


def test_it_answers_another_token_with_a_known_id_as_duplicate(net: Net) -> None:
    message = net.message()
    assert post(net.seal(message)).status_code == 200
    again = net.seal(message)  # same envelope, fresh JWE
    response = post(again)
    assert response.status_code == 200
    assert verified(net, response, again).status == "duplicate"
    assert InboxMessage.objects.count() == 1


def test_a_message_stored_before_a_lost_answer_is_not_stored_twice(net: Net) -> None:
    token = net.token()
    stored = inbox.receive(token.encode())  # the receiver stored it, then "crashed" before answering
    response = post(token)  # the sender retries the same token
    assert response.status_code == 200
    assert verified(net, stored_receipt := response, token).status == "duplicate"
    assert stored_receipt.content.decode() != stored.receipt
    assert InboxMessage.objects.count() == 1


def test_it_accepts_a_message_signed_with_the_peers_previous_key_during_the_overlap(net: Net) -> None:
    token = net.seal(net.message(), signer=PEER_OLD_SIG)
    assert post(token).status_code == 200


def test_it_still_opens_tokens_sealed_to_our_previous_key_after_a_rotation(net: Net) -> None:
    old_enc = net.trust_list.encryption_key(net.us, timezone.now())
    keys.rotate(now=timezone.now(), overlap=timedelta(days=3))
    token = net.seal(net.message(), to=old_enc)
    assert post(token).status_code == 200


# --- refusals -----------------------------------------------------------------------------


def _bad_signature(net: Net) -> str:
    signed_envelope = jose.sign(protocol.encode(net.message()), typ=protocol.JWS_TYP, key=PEER_SIG)
    forged = tamper(signed_envelope, 2)
    to = net.trust_list.encryption_key(net.us, timezone.now())
    return jose.encrypt(forged.encode(), typ=protocol.JWE_TYP, cty=protocol.JWS_TYP, recipient=to)


def _crafted(net: Net, envelope_changes: dict, *, signer=PEER_SIG, **kw) -> str:
    envelope = {**net.message().to_envelope(), **envelope_changes}
    return craft(envelope, signer=signer, recipient=net.trust_list.encryption_key(net.us, timezone.now()), **kw)


def _expired(net: Net) -> str:
    old = timezone.now() - timedelta(days=8)
    times = {"created": protocol.format_time(old), "expires": protocol.format_time(old + timedelta(days=7))}
    return _crafted(net, times, signer=PEER_OLD_SIG)


REFUSALS = {
    "wrong_recipient": (421, lambda net: _crafted(net, {"to": "al.nrm"})),
    "unknown_sender": (403, lambda net: _crafted(net, {"from": "zz.nrm"}, signer=STRANGER_SIG)),
    "unknown_sender_key": (403, lambda net: _crafted(net, {}, signer=STRANGER_SIG)),
    "sender_revoked": (403, lambda net: _crafted(net, {"from": REVOKED_NODE}, signer=ME_SIG)),
    "key_revoked": (403, lambda net: _crafted(net, {"from": KEY_REVOKED_NODE}, signer=RS_SIG)),
    "bad_signature": (403, _bad_signature),
    "undecryptable": (400, lambda net: tamper(net.token(), 3)),
    "unknown_recipient_key": (421, lambda net: net.seal(net.message(), to=STRANGER_ENC.public())),
    "expired": (422, _expired),
    "unsupported_version": (400, lambda net: _crafted(net, {}, jwe_typ="trm2+jwe")),
    "malformed_token": (400, lambda net: "this is not a token"),
    "malformed_envelope": (422, lambda net: _crafted(net, {"conversation": "nope"})),
    "body_field_not_allowed": (422, lambda net: _crafted(net, {"body": {**net.message().body, "name": "X"}})),
    "asylum_seeker_identity_request": (
        451,
        lambda net: _crafted(
            net,
            {
                "type": "identity_verification_request",
                "purpose": "identification",
                "body": {**net.message("identity_verification_request").body, "asylum_seeker": True},
            },
        ),
    ),
}


@pytest.mark.parametrize("code", sorted(REFUSALS))
def test_it_refuses_with_the_codes_status_and_stores_nothing(net: Net, code: str) -> None:
    status, make = REFUSALS[code]
    token = make(net)
    response = post(token)
    assert response.status_code == status
    receipt = verified(net, response, token)
    assert (receipt.status, receipt.code) == ("rejected", code)
    assert InboxMessage.objects.count() == 0


def test_it_refuses_an_oversized_body_without_reading_it(net: Net) -> None:
    body = "A" * (inbox.MAX_BYTES + 4096)
    response = post(body)
    assert response.status_code == 413
    assert receipt_of(response)["token_sha256"] == protocol.EMPTY_SHA256
    # trm/1 §8.3 check 11: the sender accepts the refusal of a body read no further.
    assert verified(net, response, body).code == "oversized"
    assert InboxMessage.objects.count() == 0


def test_it_refuses_a_token_just_over_the_limit(net: Net) -> None:
    response = post("A" * (inbox.MAX_BYTES + 1))
    assert response.status_code == 413
    assert verified(net, response, "A" * (inbox.MAX_BYTES + 1)).code == "oversized"


def test_it_audits_refusals_of_identified_senders_only(net: Net) -> None:
    post(_crafted(net, {"to": "al.nrm"}))
    post("noise")
    refused = AuditEvent.objects.filter(action="refused")
    assert [e.note for e in refused] == ["refused: wrong_recipient"]


def test_it_answers_415_to_another_content_type(net: Net) -> None:
    response = post(net.token(), content_type="application/json")
    assert response.status_code == 415
    assert InboxMessage.objects.count() == 0


def test_it_answers_405_to_get(net: Net) -> None:
    assert Client().get(URL).status_code == 405


def test_it_needs_no_csrf_token(net: Net) -> None:
    response = Client(enforce_csrf_checks=True).post(URL, data=net.token(), content_type=CT)
    assert response.status_code == 200


def test_it_answers_503_without_a_trust_list(net: Net) -> None:
    TrustListState.objects.update(token="")
    response = post(net.token())
    assert response.status_code == 503
    assert InboxMessage.objects.count() == 0


def test_it_answers_503_when_the_trust_list_expired(net: Net) -> None:
    now = timezone.now()
    keys.import_trust_list(
        signed(trust_list_doc(now, sequence=6, issued=now - timedelta(days=2), expires=now + timedelta(seconds=2))),
        now=now,
    )
    token = net.token()
    answer_later = timezone.now() + timedelta(seconds=5)
    with pytest.raises(inbox.Unavailable):
        inbox.receive(token.encode(), now=answer_later)


def test_it_answers_503_without_keys(db) -> None:
    assert post("anything").status_code == 503


def test_it_does_not_trust_a_list_after_the_authority_is_re_pinned(net: Net) -> None:
    keys.pin_authority(jose.public_jwk(OTHER_AUTHORITY), replace=True)
    assert post(net.token()).status_code == 503


# --- processing -----------------------------------------------------------------------------


@pytest.fixture
def handlers():
    """No handlers during the test (the apps' own are put back after it)."""
    saved = dict(inbox._handlers)
    inbox._handlers.clear()
    yield
    inbox._handlers.clear()
    inbox._handlers.update(saved)


def test_the_worker_hands_messages_to_their_handler(net: Net, handlers) -> None:
    seen = []
    inbox.register_handler("case_notification", lambda row: seen.append(str(row.message_id)))
    message = net.message()
    post(net.seal(message))
    assert inbox.process_received() == 1
    assert seen == [message.id]
    assert InboxMessage.objects.get().status == InboxStatus.PROCESSED
    assert inbox.process_received() == 0


def test_a_failing_handler_leaves_the_message_failed_and_its_writes_undone(net: Net, handlers) -> None:
    def handler(row: InboxMessage) -> None:
        record(None, Action.READ, object_type="exchange.inboxmessage", object_ref="undone")
        raise RuntimeError("synthetic failure with XK-2026-0042")

    inbox.register_handler("case_notification", handler)
    post(net.token())
    before = AuditEvent.objects.count()
    inbox.process_received()
    row = InboxMessage.objects.get()
    assert (row.status, row.last_error) == (InboxStatus.FAILED, "RuntimeError")
    assert AuditEvent.objects.count() == before


def test_a_message_without_handler_is_marked_unhandled(net: Net, handlers) -> None:
    post(net.token("referral_offer"))
    inbox.process_received()
    assert InboxMessage.objects.get().status == InboxStatus.UNHANDLED


def test_a_message_without_handler_keeps_why(net: Net, handlers) -> None:
    post(net.token("referral_offer"))
    inbox.process_received()
    assert InboxMessage.objects.get().last_error == inbox.NO_HANDLER


def test_a_handler_refusing_a_message_sets_it_aside_audited_with_nothing_stored(net: Net, handlers) -> None:
    def handler(row: InboxMessage) -> None:
        record(None, Action.READ, object_type="exchange.inboxmessage", object_ref="undone")
        raise inbox.Unprocessable("unknown_conversation")

    inbox.register_handler("case_notification", handler)
    post(net.token())
    inbox.process_received()
    row = InboxMessage.objects.get()
    assert (row.status, row.last_error) == (InboxStatus.UNHANDLED, "unknown_conversation")
    assert not AuditEvent.objects.filter(object_ref="undone").exists()
    refusal = AuditEvent.objects.get(action=Action.REFUSED, object_ref=str(row.message_id))
    assert refusal.note == "not processed: unknown_conversation" and refusal.actor_id is None


def test_a_retry_runs_a_failed_message_once(net: Net, handlers) -> None:
    calls = []

    def flaky(row: InboxMessage) -> None:
        calls.append(row.message_id)
        if len(calls) == 1:
            raise RuntimeError("synthetic")

    inbox.register_handler("case_notification", flaky)
    post(net.token())
    inbox.process_received()
    row = InboxMessage.objects.get()
    assert row.status == InboxStatus.FAILED
    assert inbox.retry(str(row.message_id)) == InboxStatus.PROCESSED
    assert inbox.retry(str(row.message_id)) is None  # not waiting any more
    assert inbox.process_received() == 0 and len(calls) == 2
    assert list(inbox.waiting_for_retry()) == []
    assert AuditEvent.objects.filter(object_ref=str(row.message_id), note="retry after RuntimeError").count() == 1


def test_it_refuses_a_second_handler_for_a_type(handlers) -> None:
    inbox.register_handler("referral_offer", print)
    with pytest.raises(ValueError):
        inbox.register_handler("referral_offer", repr)
    with pytest.raises(ValueError):
        inbox.register_handler("no_such_type", print)


def test_the_envelope_round_trips_canonically(net: Net) -> None:
    message = net.message()
    post(net.seal(message))
    assert canonical_json(InboxMessage.objects.get().envelope) == protocol.encode(message)
    assert uuid.UUID(message.id)


# --- passing database errors: deferred, retried, bounded ------------------------------------


class MaxRandom:
    def uniform(self, a: float, b: float) -> float:
        return b


def test_a_passing_database_error_defers_the_message_and_the_next_run_applies_it_once(net: Net, handlers) -> None:
    applied = []

    def locked_once(row: InboxMessage) -> None:
        record(None, Action.READ, object_type="exchange.inboxmessage", object_ref="applied")
        if not applied:
            applied.append("locked")
            raise OperationalError("database is locked")
        applied.append(str(row.message_id))

    inbox.register_handler("case_notification", locked_once)
    post(net.token())
    now = timezone.now()
    assert inbox.process_received(now=now, rng=MaxRandom()) == 1
    row = InboxMessage.objects.get()
    assert (row.status, row.attempts, row.last_error) == (InboxStatus.RECEIVED, 1, "OperationalError")
    assert row.next_attempt_at == now + inbox.RETRY_BASE and row.processed_at is None
    assert not AuditEvent.objects.filter(object_ref="applied").exists()  # its writes were undone
    assert list(inbox.waiting_for_retry()) == []  # not a failure the focal point must act on
    assert inbox.process_received(now=now) == 0  # not due yet
    assert inbox.process_received(now=row.next_attempt_at) == 1
    row.refresh_from_db()
    assert (row.status, row.last_error, row.next_attempt_at) == (InboxStatus.PROCESSED, "", None)
    assert applied == ["locked", str(row.message_id)]
    assert AuditEvent.objects.filter(object_ref="applied").count() == 1
    assert inbox.process_received(now=row.next_attempt_at or timezone.now() + timedelta(hours=1)) == 0


def test_a_database_error_that_does_not_pass_fails_the_message_after_the_last_attempt(net: Net, handlers) -> None:
    runs = []

    def always_locked(row: InboxMessage) -> None:
        runs.append(1)
        raise OperationalError("could not serialize access due to concurrent update")

    inbox.register_handler("case_notification", always_locked)
    post(net.token())
    now = timezone.now()
    waits = []
    for _ in range(inbox.MAX_ATTEMPTS):
        assert inbox.process_received(now=now, rng=MaxRandom()) == 1
        row = InboxMessage.objects.get()
        if row.next_attempt_at is not None:
            waits.append((row.next_attempt_at - now).total_seconds())
            now = row.next_attempt_at
    assert (row.status, row.attempts, row.last_error) == (InboxStatus.FAILED, inbox.MAX_ATTEMPTS, "OperationalError")
    assert len(runs) == inbox.MAX_ATTEMPTS
    assert waits == [1, 2, 4, 8, 16, 32, 60]  # bounded back-off, about two minutes in all
    assert inbox.process_received(now=now + timedelta(days=1)) == 0  # no more automatic runs
    # Visible to the operators and the focal point, and run again on request with a fresh count.
    assert [m.message_id for m in inbox.waiting_for_retry()] == [row.message_id]
    inbox.unregister_handler("case_notification")
    inbox.register_handler("case_notification", lambda row: None)
    assert inbox.retry(str(row.message_id)) == InboxStatus.PROCESSED
    row.refresh_from_db()
    assert (row.status, row.attempts) == (InboxStatus.PROCESSED, 0)


def test_any_other_error_fails_the_message_at_once(net: Net, handlers) -> None:
    def broken(row: InboxMessage) -> None:
        raise KeyError("a bug")

    inbox.register_handler("case_notification", broken)
    post(net.token())
    inbox.process_received()
    row = InboxMessage.objects.get()
    assert (row.status, row.attempts, row.last_error) == (InboxStatus.FAILED, 1, "KeyError")


def test_what_counts_as_a_passing_error() -> None:
    assert inbox.is_transient(OperationalError("database is locked"))
    assert inbox.is_transient(InterfaceError("connection already closed"))
    try:
        try:
            raise OperationalError("terminating connection due to administrator command")
        except OperationalError as err:
            raise RuntimeError("while applying") from err
    except RuntimeError as wrapped:
        assert inbox.is_transient(wrapped)
    assert not inbox.is_transient(IntegrityError("duplicate key"))
    assert not inbox.is_transient(ValueError("bad"))


def test_a_deferred_message_holds_back_the_rest_of_its_conversation_only(net: Net, handlers) -> None:
    order = []
    conversation = uuid.uuid4()

    def handler(row: InboxMessage) -> None:
        if row.type == "referral_offer" and "offer" not in order:
            order.append("offer")
            raise OperationalError("database is locked")
        order.append(row.type)

    for type_ in ("referral_offer", "referral_withdraw", "case_notification"):
        inbox.register_handler(type_, handler)
    post(net.token("referral_offer", conversation=conversation))
    post(net.token("referral_withdraw", conversation=conversation))
    post(net.token())  # another conversation
    now = timezone.now()
    assert inbox.process_received(now=now, rng=MaxRandom()) == 2
    assert order == ["offer", "case_notification"]
    withdraw = InboxMessage.objects.get(type="referral_withdraw")
    assert (withdraw.status, withdraw.attempts) == (InboxStatus.RECEIVED, 0)
    assert inbox.process_received(now=now) == 0
    assert inbox.process_received(now=now + timedelta(seconds=5)) == 2
    assert order == ["offer", "case_notification", "referral_offer", "referral_withdraw"]
    assert set(InboxMessage.objects.values_list("status", flat=True)) == {InboxStatus.PROCESSED}


@pytest.mark.django_db(transaction=True)
def test_a_terminated_connection_in_a_handler_is_retried_on_a_new_one(handlers) -> None:
    """The real thing on PostgreSQL: the handler's connection is killed by the server."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no server to end a connection")
    net = setup_network()
    runs = []

    def handler(row: InboxMessage) -> None:
        runs.append(1)
        record(None, Action.READ, object_type="exchange.inboxmessage", object_ref="applied")
        if len(runs) == 1:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    inbox.register_handler("case_notification", handler)
    post(net.token())
    now = timezone.now()
    assert inbox.process_received(now=now) == 1
    row = InboxMessage.objects.get()  # a new connection
    assert (row.status, row.attempts) == (InboxStatus.RECEIVED, 1)
    assert row.last_error in ("OperationalError", "InterfaceError")
    assert inbox.process_received(now=row.next_attempt_at) == 1
    row.refresh_from_db()
    assert row.status == InboxStatus.PROCESSED and len(runs) == 2
    assert AuditEvent.objects.filter(object_ref="applied").count() == 1

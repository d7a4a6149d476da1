"""Received messages whose processing failed: seen by the focal point with why, run again once."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

import trm
from tests.exchange.shell_support import PEER
from tests.factories import verified_client
from trm.audit.models import AuditEvent
from trm.exchange.models import InboxMessage
from trm.transnational import kinds, reprocess, workflows
from trm.transnational.models import LinkStatus, Notice

ACCEPT = {"accepted_services": ["shelter"], "reception_organisation": "Synthetic Reception NGO"}


@pytest.fixture
def sent(two):
    return workflows.send_referral(two.case(), by=two.focal, to_node=PEER, services=["shelter"])


@pytest.fixture
def broken(monkeypatch):
    """The acceptance's handler does its work, then fails: as a bug would, half-way."""
    kind = kinds.KINDS["referral_accept"]

    def fails_half_way(row):
        kind.receive(row)
        raise RuntimeError("synthetic failure about XK-2026-0007")

    monkeypatch.setitem(kinds.KINDS, "referral_accept", dataclasses.replace(kind, receive=fails_half_way))
    return monkeypatch


def accept_from_peer(two, sent):
    two.receive(
        "referral_accept",
        {"case_ref": sent.case.reference, "receiver_case_ref": "XK-2026-0007", **ACCEPT},
        conversation=sent.conversation,
        in_reply_to=str(sent.offer_message_id),
    )
    return InboxMessage.objects.get(type="referral_accept")


def test_a_failed_message_is_shown_with_why_and_runs_once_after_the_fix(two, sent, broken):
    row = accept_from_peer(two, sent)
    assert (row.status, row.last_error) == ("failed", "RuntimeError")
    sent.refresh_from_db()
    assert sent.status == LinkStatus.OFFERED and sent.remote_case_ref == "" and not Notice.objects.exists()

    client = verified_client(two.focal)
    page = client.get(reverse("transnational:failed")).content.decode()
    assert str(row.message_id) in page and "Processing failed (RuntimeError)." in page and "Referral accepted" in page
    assert "XK-2026-0007" not in page and "synthetic failure" not in page  # nothing of the message or the error's text
    assert "1 received message not processed" in client.get(reverse("transnational:inbox")).content.decode()

    broken.undo()  # the fix is deployed
    retry = reverse("transnational:retry", args=[row.message_id])
    response = client.post(retry)
    assert response.status_code == 302
    row.refresh_from_db()
    sent.refresh_from_db()
    assert row.status == "processed" and row.last_error == ""
    assert sent.status == LinkStatus.ACCEPTED and sent.remote_case_ref == "XK-2026-0007"
    assert Notice.objects.filter(recipient=two.focal).count() == 1  # once, not once per attempt
    receipts = AuditEvent.objects.filter(action="receive", object_ref=str(sent.conversation), note="referral accepted")
    assert receipts.count() == 1
    asked = AuditEvent.objects.get(object_ref=str(row.message_id), note="retry after RuntimeError")
    assert asked.actor_id == two.focal.pk

    assert client.post(retry).status_code == 409  # no longer waiting: nothing runs twice
    assert receipts.count() == 1
    assert "Every received message was processed." in client.get(reverse("transnational:failed")).content.decode()


def test_a_message_that_fails_again_stays_failed_with_its_reason(two, sent, broken):
    row = accept_from_peer(two, sent)
    assert verified_client(two.focal).post(reverse("transnational:retry", args=[row.message_id])).status_code == 302
    row.refresh_from_db()
    assert (row.status, row.last_error) == ("failed", "RuntimeError")
    assert not Notice.objects.exists()


def test_only_the_focal_point_sees_and_retries(two, sent, broken):
    row = accept_from_peer(two, sent)
    broken.undo()
    other = verified_client(two.responder)
    assert other.get(reverse("transnational:failed")).status_code == 403
    assert other.post(reverse("transnational:retry", args=[row.message_id])).status_code == 403
    row.refresh_from_db()
    assert row.status == "failed"
    assert verified_client(two.focal).post(reverse("transnational:retry", args=[uuid.uuid4()])).status_code == 404


def test_a_message_set_aside_shows_its_reason(two):
    two.receive(
        "referral_accept",
        {"case_ref": "SE-NONE", **ACCEPT},
        conversation=uuid.uuid4(),
        in_reply_to=str(uuid.uuid4()),
    )
    page = verified_client(two.focal).get(reverse("transnational:failed")).content.decode()
    assert "holds no conversation with this id" in page


def test_the_command_retries_every_failed_message_as_the_node(two, sent, broken):
    row = accept_from_peer(two, sent)
    with pytest.raises(CommandError):
        call_command("exchange_retry")
    with pytest.raises(CommandError):
        call_command("exchange_retry", "--all", str(row.message_id))
    out = StringIO()
    call_command("exchange_retry", "--all", stdout=out)
    assert out.getvalue().strip() == "retried 1 (failed 1)"  # still broken
    broken.undo()
    out = StringIO()
    call_command("exchange_retry", str(row.message_id), stdout=out)
    assert out.getvalue().strip() == "retried 1 (processed 1)"
    sent.refresh_from_db()
    assert sent.status == LinkStatus.ACCEPTED
    entries = AuditEvent.objects.filter(object_ref=str(row.message_id), note="retry after RuntimeError")
    assert entries.count() == 2 and not entries.exclude(actor_id=None).exists()
    with pytest.raises(CommandError, match="waits for a retry"):
        call_command("exchange_retry", str(row.message_id))
    out = StringIO()
    call_command("exchange_retry", "--all", stdout=out)
    assert out.getvalue().strip() == "retried 0"


def test_trm_exchange_retry_names_the_command():
    from trm.cli import resolve

    assert resolve(["exchange", "retry", "--all"], {"exchange_retry"}) == ["exchange_retry", "--all"]


def test_a_message_that_kept_meeting_a_database_error_says_how_often_it_was_tried(two, sent, monkeypatch):
    from django.db import OperationalError
    from django.utils import timezone

    from trm.exchange import inbox

    kind = kinds.KINDS["referral_accept"]

    def locked(row):
        raise OperationalError("database is locked")

    monkeypatch.setitem(kinds.KINDS, "referral_accept", dataclasses.replace(kind, receive=locked))
    row = accept_from_peer(two, sent)
    assert (row.status, row.attempts) == ("received", 1)  # deferred, not failed
    client = verified_client(two.focal)
    assert str(row.message_id) not in client.get(reverse("transnational:failed")).content.decode()
    while row.status == "received":
        inbox.process_received(now=row.next_attempt_at or timezone.now(), max_attempts=3)
        row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 3)
    page = client.get(reverse("transnational:failed")).content.decode()
    assert "Processing failed 3 times (OperationalError)." in page

    monkeypatch.undo()  # the database is fine again: the focal point runs it
    assert client.post(reverse("transnational:retry", args=[row.message_id])).status_code == 302
    row.refresh_from_db()
    sent.refresh_from_db()
    assert row.status == "processed" and sent.status == LinkStatus.ACCEPTED


def _set_aside_codes() -> set[str]:
    """Every code a handler under src/trm gives ``inbox.Unprocessable``: a literal or a module constant."""
    root = Path(trm.__file__).parent
    codes: set[str] = set()
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        module = ".".join(("trm", *path.relative_to(root).with_suffix("").parts))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "Unprocessable"
            ):
                continue
            (arg,) = node.args
            if isinstance(arg, ast.Constant):
                codes.add(arg.value)
            else:
                assert isinstance(arg, ast.Name), f"{path}: Unprocessable({ast.unparse(arg)}) cannot be checked"
                codes.add(getattr(importlib.import_module(module), arg.id))
    return codes


def test_every_reason_a_handler_sets_a_message_aside_for_reads_in_words():
    codes = _set_aside_codes()
    assert {"not_the_secretariat", "k_below_threshold", "unknown_conversation", "no_linked_case"} <= codes
    for code in codes:
        why = reprocess.reason(InboxMessage(last_error=code, attempts=1))
        assert code not in why, (code, why)

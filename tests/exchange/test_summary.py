"""The comparison of two statements of one period (trm/1 §5.21), and splitting; pure."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from trm.exchange import summary
from trm.exchange.summary import MISMATCH, ONLY_HERE, ONLY_THERE, Entry, Statement

START = datetime(2026, 3, 1, tzinfo=UTC)
END = START + timedelta(days=1)
US, PEER = "se.nrm", "bg.nrm"


def entry(n: int, status: str, **changes: object) -> Entry:
    values: dict[str, object] = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"message {n}")),
        "type": "case_notification",
        "created": START + timedelta(hours=n),
        "token_sha256": f"{n:064x}",
        "status": status,
        "status_at": None if status in ("received", "pending", "delivered", "rejected", "expired") else END,
    }
    values.update(changes)
    return Entry(**values)  # type: ignore[arg-type]  # test data


def ours(sent=(), received=()) -> Statement:
    return Statement(US, PEER, START, END, tuple(sent), tuple(received))


def theirs(sent=(), received=()) -> Statement:
    return Statement(PEER, US, START, END, tuple(sent), tuple(received))


def test_two_statements_that_agree_find_nothing() -> None:
    here = ours(sent=[entry(1, "delivered"), entry(2, "rejected")], received=[entry(3, "processed")])
    there = theirs(sent=[entry(3, "delivered")], received=[entry(1, "failed")])
    assert summary.compare(here, there) == []
    assert summary.compare(there, here) == []


def test_a_message_we_sent_that_the_peer_does_not_hold_is_ours_only() -> None:
    dropped = entry(2, "delivered")
    found = summary.compare(ours(sent=[entry(1, "delivered"), dropped]), theirs(received=[entry(1, "processed")]))
    assert [(d.message_id, d.kind, d.here, d.there, d.sender) for d in found] == [
        (dropped.id, ONLY_HERE, "delivered", "", US)
    ]
    # The peer, reading our statement, finds the same message: only we hold it.
    mirror = summary.compare(theirs(received=[entry(1, "processed")]), ours(sent=[entry(1, "delivered"), dropped]))
    assert [(d.message_id, d.kind, d.here, d.there) for d in mirror] == [(dropped.id, ONLY_THERE, "", "delivered")]


@pytest.mark.parametrize("status", ["pending", "expired"])
def test_a_message_that_never_arrived_is_the_senders_only(status: str) -> None:
    found = summary.compare(ours(sent=[entry(1, status)]), theirs())
    assert [(d.kind, d.here) for d in found] == [(ONLY_HERE, status)]


def test_a_message_the_peer_holds_but_we_do_not_list_is_theirs_only() -> None:
    found = summary.compare(ours(), theirs(received=[entry(4, "processed")]))
    assert [(d.kind, d.here, d.there, d.sender, d.recipient) for d in found] == [
        (ONLY_THERE, "", "processed", US, PEER)
    ]
    found = summary.compare(ours(), theirs(sent=[entry(5, "delivered")]))
    assert [(d.kind, d.there, d.sender) for d in found] == [(ONLY_THERE, "delivered", PEER)]
    found = summary.compare(ours(received=[entry(6, "received")]), theirs())
    assert [(d.kind, d.here, d.sender) for d in found] == [(ONLY_HERE, "received", PEER)]


@pytest.mark.parametrize("status", ["pending", "expired", "rejected"])
def test_a_message_held_by_its_receiver_without_a_receipt_at_its_sender_is_a_mismatch(status: str) -> None:
    found = summary.compare(ours(sent=[entry(1, status)]), theirs(received=[entry(1, "processed")]))
    assert [(d.kind, d.here, d.there, d.detail) for d in found] == [(MISMATCH, status, "processed", "status")]


@pytest.mark.parametrize(
    ("member", "value"),
    [("token_sha256", "f" * 64), ("type", "referral_offer"), ("created", START + timedelta(minutes=1))],
)
def test_two_descriptions_of_one_message_that_differ_are_a_mismatch(member: str, value: object) -> None:
    found = summary.compare(
        ours(received=[entry(1, "processed")]), theirs(sent=[entry(1, "delivered", **{member: value})])
    )
    assert [(d.kind, d.detail) for d in found] == [(MISMATCH, member)]


def test_a_refused_message_the_receiver_does_not_hold_is_no_finding() -> None:
    assert summary.compare(ours(), theirs(sent=[entry(1, "rejected")])) == []


def test_findings_come_oldest_first_and_every_kind_at_once() -> None:
    found = summary.compare(
        ours(sent=[entry(3, "delivered"), entry(1, "pending")], received=[entry(2, "processed")]),
        theirs(received=[entry(1, "received")], sent=[entry(5, "delivered")]),
    )
    assert [(d.created.hour, d.kind) for d in found] == [(1, MISMATCH), (2, ONLY_HERE), (3, ONLY_HERE), (5, ONLY_THERE)]


def test_it_compares_only_statements_of_the_same_nodes_and_period() -> None:
    with pytest.raises(ValueError, match="nodes"):
        summary.compare(ours(), ours())
    with pytest.raises(ValueError, match="period"):
        summary.compare(ours(), Statement(PEER, US, START, END + timedelta(seconds=1)))
    with pytest.raises(ValueError, match="ends after"):
        Statement(US, PEER, END, START)


def test_a_body_reads_back_as_the_same_statement() -> None:
    statement = ours(sent=[entry(2, "delivered"), entry(1, "pending")], received=[entry(3, "failed")])
    body = summary.to_body(statement, reply_requested=True)
    assert body["reply_requested"] is True
    assert [e["id"] for e in body["sent"]] == [entry(1, "x").id, entry(2, "x").id]  # oldest first
    assert "status_at" in body["received"][0] and "status_at" not in body["sent"][0]
    back = summary.from_body(body, node=US, peer=PEER)
    assert set(back.sent) == set(statement.sent) and back.received == statement.received


def test_a_statement_too_long_for_one_summary_is_split_into_consecutive_periods() -> None:
    statement = ours(sent=[entry(n, "delivered") for n in range(10)], received=[entry(20, "processed")])
    parts = summary.split(statement, limit=4)
    assert [p.size for p in parts] == [4, 4, 3]
    assert parts[0].start == START and parts[-1].end == END
    assert all(a.end == b.start for a, b in itertools.pairwise(parts))
    assert parts[1].start == entry(4, "x").created  # cut at an entry's second
    assert summary.split(statement, limit=11) == [statement]


def test_messages_of_one_second_stay_together_or_cannot_be_summarised() -> None:
    same = START + timedelta(hours=2)
    statement = ours(sent=[entry(n, "delivered", created=same) for n in range(3)] + [entry(9, "delivered")])
    assert [p.size for p in summary.split(statement, limit=3)] == [3, 1]
    with pytest.raises(ValueError, match="one second"):
        summary.split(statement, limit=2)

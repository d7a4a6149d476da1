"""What two nodes exchanged in a period, as each states it, and how two statements compare; pure.

An ``exchange_summary`` (trm/1 §5.21) carries one ``Statement``: the messages a node sent
to a peer and received from it whose envelope ``created`` lies in [start, end), each with
its id, type, ``created``, the SHA-256 of its token and its state on that node's side.
``compare`` reads a peer's statement against our own of the same period and returns every
``Discrepancy``: a message one side holds and the other does not, or one whose two
descriptions disagree. ``split`` cuts a statement with more entries than one summary may
carry into consecutive periods.

Nothing here holds personal data: ids, types, times, digests and states only.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from trm.exchange.messages import format_time, parse_time
from trm.exchange.schemas import SUMMARY_MAX_ENTRIES

# States on the sending side and on the receiving side (trm/1 §5.21).
PENDING, DELIVERED, REJECTED, EXPIRED = "pending", "delivered", "rejected", "expired"
RECEIVED = "received"

# What a comparison finds, from the reader's side: a message only we hold, one only the
# peer holds, or one both hold but describe differently.
ONLY_HERE = "only_here"
ONLY_THERE = "only_there"
MISMATCH = "mismatch"
KINDS = (ONLY_HERE, ONLY_THERE, MISMATCH)


@dataclass(frozen=True)
class Entry:
    """One message as one side lists it."""

    id: str
    type: str
    created: datetime
    token_sha256: str
    status: str
    status_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "id": self.id,
            "type": self.type,
            "created": format_time(self.created),
            "token_sha256": self.token_sha256,
            "status": self.status,
        }
        if self.status_at is not None:
            out["status_at"] = format_time(self.status_at)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        at = data.get("status_at")
        return cls(
            id=data["id"],
            type=data["type"],
            created=parse_time(data["created"]),
            token_sha256=data["token_sha256"],
            status=data["status"],
            status_at=parse_time(at) if at else None,
        )


@dataclass(frozen=True)
class Statement:
    """What ``node`` holds of its exchange with ``peer`` for messages created in [start, end)."""

    node: str
    peer: str
    start: datetime
    end: datetime
    sent: tuple[Entry, ...] = ()  # node -> peer
    received: tuple[Entry, ...] = ()  # peer -> node

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError("a period ends after it starts")

    def within(self, start: datetime, end: datetime) -> Statement:
        """The part of this statement about messages created in [start, end) (inside its own period)."""
        if start < self.start or end > self.end:
            raise ValueError("not a part of this statement's period")

        def keep(entries: Iterable[Entry]) -> tuple[Entry, ...]:
            return tuple(e for e in entries if start <= e.created < end)

        return replace(self, start=start, end=end, sent=keep(self.sent), received=keep(self.received))

    @property
    def size(self) -> int:
        return len(self.sent) + len(self.received)


def _order(entry: Entry) -> tuple[datetime, str]:
    return entry.created, entry.id


def to_body(statement: Statement, *, reply_requested: bool = False) -> dict[str, Any]:
    """The ``exchange_summary`` body of a statement (entries in the order of their creation)."""
    body: dict[str, Any] = {
        "period_start": format_time(statement.start),
        "period_end": format_time(statement.end),
        "sent": [e.to_json() for e in sorted(statement.sent, key=_order)],
        "received": [e.to_json() for e in sorted(statement.received, key=_order)],
    }
    if reply_requested:
        body["reply_requested"] = True
    return body


def from_body(body: Mapping[str, Any], *, node: str, peer: str) -> Statement:
    """The statement a checked ``exchange_summary`` body makes (``node`` sent it to ``peer``)."""
    return Statement(
        node=node,
        peer=peer,
        start=parse_time(body["period_start"]),
        end=parse_time(body["period_end"]),
        sent=tuple(Entry.from_json(e) for e in body["sent"]),
        received=tuple(Entry.from_json(e) for e in body["received"]),
    )


def split(statement: Statement, *, limit: int = SUMMARY_MAX_ENTRIES) -> list[Statement]:
    """Consecutive parts of the statement's period, each with at most ``limit`` entries.

    Parts are cut at the ``created`` second of an entry, so that the messages of one second
    stay together; raises ValueError when a single second holds more than ``limit``.
    """
    if statement.size <= limit:
        return [statement]
    seconds: dict[datetime, int] = {}
    for entry in (*statement.sent, *statement.received):
        seconds[entry.created] = seconds.get(entry.created, 0) + 1
    cuts = [statement.start]
    held = 0
    for second in sorted(seconds):
        count = seconds[second]
        if count > limit:
            raise ValueError(f"more than {limit} messages created in one second")
        if held + count > limit:
            cuts.append(second)
            held = 0
        held += count
    cuts.append(statement.end)
    return [statement.within(a, b) for a, b in itertools.pairwise(cuts)]


@dataclass(frozen=True)
class Discrepancy:
    """One message the two statements disagree about (``here`` and ``there``: each side's state, "" for none)."""

    message_id: str
    sender: str
    recipient: str
    type: str
    created: datetime
    kind: str
    here: str
    there: str
    detail: str = ""  # for a mismatch: the member that differs ("status", "type", "created", "token_sha256")


def _judge(sent: Entry | None, got: Entry | None) -> tuple[str, str] | None:
    """trm/1 §5.21's table: (finding, detail) for one message, None when both sides agree.

    ``sent`` is the sender's entry, ``got`` the receiver's; the finding is "missing at the
    receiver" (``"receiver"``), "missing at the sender" (``"sender"``) or ``MISMATCH``.
    """
    if sent is not None and got is not None:
        for member in ("type", "created", "token_sha256"):
            if getattr(sent, member) != getattr(got, member):
                return MISMATCH, member
        return None if sent.status == DELIVERED else (MISMATCH, "status")
    if sent is not None:
        return None if sent.status == REJECTED else ("receiver", "")
    return "sender", ""


def _pair(
    sender: str, recipient: str, sent: Iterable[Entry], got: Iterable[Entry], *, we_send: bool
) -> list[Discrepancy]:
    by_sender = {e.id: e for e in sent}
    by_receiver = {e.id: e for e in got}
    found = []
    for message_id in by_sender.keys() | by_receiver.keys():
        s, r = by_sender.get(message_id), by_receiver.get(message_id)
        verdict = _judge(s, r)
        if verdict is None:
            continue
        finding, detail = verdict
        if finding == MISMATCH:
            kind = MISMATCH
        else:
            # Missing at the receiver: only the sender holds it; at the sender: only the receiver.
            sender_holds_it = finding == "receiver"
            kind = ONLY_HERE if sender_holds_it == we_send else ONLY_THERE
        ours, theirs = (s, r) if we_send else (r, s)
        known = s or r
        assert known is not None
        found.append(
            Discrepancy(
                message_id=message_id,
                sender=sender,
                recipient=recipient,
                type=known.type,
                created=known.created,
                kind=kind,
                here=ours.status if ours is not None else "",
                there=theirs.status if theirs is not None else "",
                detail=detail,
            )
        )
    return found


def compare(ours: Statement, theirs: Statement) -> list[Discrepancy]:
    """Every message the two statements of one period disagree about, oldest first."""
    if (ours.node, ours.peer) != (theirs.peer, theirs.node):
        raise ValueError("the statements are not of the same two nodes")
    if (ours.start, ours.end) != (theirs.start, theirs.end):
        raise ValueError("the statements are not of the same period")
    found = _pair(ours.node, ours.peer, ours.sent, theirs.received, we_send=True)
    found += _pair(theirs.node, ours.node, theirs.sent, ours.received, we_send=False)
    return sorted(found, key=lambda d: (d.created, d.message_id))

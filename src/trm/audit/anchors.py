"""Anchoring audit chains outside the node: the heads a node published and the heads it witnessed.

A hash chain in the node's own database shows edits, but whoever can write to the database
can rebuild the whole chain consistently. So each node periodically sends the head of its
chain (``seq``, ``hash``, ``at``) to a witness node in a signed trm/1 ``audit_head`` message
(sent by ``network.anchoring``; this module imports no protocol code). Afterwards the
entry numbered ``seq`` must keep exactly that hash: ``verification.verify_chain`` checks it
against the heads kept here (``PublishedHead``) and against a file exported by the witness
(``export_heads``), which the node's database administrator cannot edit.

On the witness, ``witness`` keeps every received head (rows are only added) and raises an
alarm for a head that contradicts an earlier one of the same node: the same ``seq`` with
another ``hash`` (two different chains: ``fork``), or a lower ``seq`` than a head the node
created earlier (the chain was cut back: ``rollback``). Heads are ordered by the envelope's
``created``, which the sender signed, so a retried older message arriving late is no alarm.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from trm.audit.events import Action
from trm.audit.models import HeadAlarm, WitnessedHead
from trm.audit.record import record

logger = logging.getLogger("trm.audit.anchors")

EXPORT_TYPE = "audit_heads"
_HASH = re.compile(r"[0-9a-f]{64}")
_TIME = "%Y-%m-%dT%H:%M:%SZ"


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_TIME)


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, _TIME).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Head:
    """One published head: the entry ``seq`` of the chain had ``hash``."""

    seq: int
    hash: str
    source: str  # where the head comes from, for messages: "published" or the file's witness


# --- the witness ---------------------------------------------------------------------------


def _alarm_for(node: str, *, seq: int, hash_: str, created: datetime) -> str:
    earlier = WitnessedHead.objects.filter(node=node)
    if earlier.filter(seq=seq).exclude(hash=hash_).exists():
        return HeadAlarm.FORK
    cut_back = earlier.filter(created__lt=created, seq__gt=seq).exists()
    # A head the node created after this one but with a lower seq: seen now, flagged now.
    cut_back_later = earlier.filter(created__gt=created, seq__lt=seq).exists()
    if cut_back or cut_back_later:
        return HeadAlarm.ROLLBACK
    return HeadAlarm.NONE


@transaction.atomic
def witness(
    *, node: str, seq: int, hash_: str, at: datetime, created: datetime, message_id: str, now: datetime
) -> WitnessedHead:
    """Keep a head ``node`` sent us; flag and audit it when it contradicts an earlier one."""
    if seq < 1 or not _HASH.fullmatch(hash_):
        raise ValueError("not an audit head")
    if connection.vendor == "postgresql":
        # Two workers handling two heads of one node at once must not both miss the contradiction.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"trm audit witness {node}"])
    alarm = _alarm_for(node, seq=seq, hash_=hash_, created=created)
    row = WitnessedHead(
        node=node, seq=seq, hash=hash_, at=at, created=created, message_id=message_id, received_at=now, alarm=alarm
    )
    row.save(force_insert=True)
    if alarm:
        logger.error("audit head alarm=%s node=%s seq=%d message=%s", alarm, node, seq, message_id)
        record(
            None,
            Action.RECEIVE,
            row,
            object_type="audit.witnessedhead",
            note=f"audit head alarm: {alarm} from {node} at entry {seq}",
        )
    return row


def alarms() -> Any:
    """Witnessed heads with an alarm, newest first (for the operators' pages)."""
    return WitnessedHead.objects.exclude(alarm=HeadAlarm.NONE).order_by("-received_at", "-id")


def export_heads(node: str, *, now: datetime) -> dict[str, Any]:
    """Every head witnessed for ``node``, as a JSON document its operators check with ``--heads``."""
    rows = WitnessedHead.objects.filter(node=node).order_by("created", "id")
    return {
        "v": "trm/1",
        "type": EXPORT_TYPE,
        "witness": settings.TRM_NODE_ID,
        "node": node,
        "exported": format_time(now),
        "heads": [
            {
                "seq": r.seq,
                "hash": r.hash,
                "at": format_time(r.at),
                "created": format_time(r.created),
                "message_id": str(r.message_id),
                "received": format_time(r.received_at),
                "alarm": r.alarm,
            }
            for r in rows
        ],
    }


# --- reading an export on the publishing node -----------------------------------------------


class HeadsFileError(ValueError):
    """The heads file is not an export of this node's heads."""


def load_heads(text: str, *, node: str) -> list[Head]:
    """The heads of an ``export_heads`` document; refuses a file for another node."""
    try:
        data = json.loads(text)
    except ValueError as err:
        raise HeadsFileError("the heads file is not JSON") from err
    if not isinstance(data, dict) or data.get("type") != EXPORT_TYPE or not isinstance(data.get("heads"), list):
        raise HeadsFileError("the heads file is not an export of audit heads (trm audit export-heads)")
    if data.get("node") != node:
        raise HeadsFileError(f"the heads file is for node {data.get('node')!r}, not {node!r}")
    source = f"witness {data.get('witness', '?')}"
    heads = []
    for index, item in enumerate(data["heads"]):
        seq = item.get("seq") if isinstance(item, dict) else None
        hash_ = item.get("hash") if isinstance(item, dict) else None
        if (
            not isinstance(seq, int)
            or isinstance(seq, bool)
            or seq < 1
            or not isinstance(hash_, str)
            or not _HASH.fullmatch(hash_)
        ):
            raise HeadsFileError(f"heads[{index}] is not a head (seq, hash)")
        heads.append(Head(seq, hash_, source))
    return heads


def check_heads(stored: dict[int, str], heads: Iterable[Head]) -> list[tuple[Head, str]]:
    """Heads the chain contradicts: (head, "missing") or (head, "rewritten"); pure.

    ``stored`` maps each head's ``seq`` to the hash the chain holds now (absent: no entry).
    """
    found = []
    for head in heads:
        now_hash = stored.get(head.seq)
        if now_hash is None:
            found.append((head, "missing"))
        elif now_hash != head.hash:
            found.append((head, "rewritten"))
    return found

"""Hash chain over audit entries (pure: no Django).

Each entry's hash is SHA-256 over the previous hash and the canonical JSON of the
entry's fields. Editing a row changes its hash; deleting one breaks the link or the
sequence; deleting the newest rows is caught by comparing with the recorded head.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def canonical(fields: Mapping[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link(prev_hash: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical(fields)).hexdigest()


@dataclass(frozen=True)
class Entry:
    seq: int
    prev_hash: str
    hash: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class Problem:
    seq: int
    kind: str  # "edited" | "broken_link" | "gap" | "head_mismatch"

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.kind.replace('_', ' ')}"


def verify(entries: Iterable[Entry], *, head_seq: int, head_hash: str) -> list[Problem]:
    """Check entries in sequence order against each other and against the recorded head."""
    problems: list[Problem] = []
    expected_prev = GENESIS
    expected_seq = 1
    for entry in entries:
        if entry.seq != expected_seq:
            problems.append(Problem(entry.seq, "gap"))
        if entry.prev_hash != expected_prev:
            problems.append(Problem(entry.seq, "broken_link"))
        if link(entry.prev_hash, entry.fields) != entry.hash:
            problems.append(Problem(entry.seq, "edited"))
        expected_prev = entry.hash
        expected_seq = entry.seq + 1
    if expected_seq - 1 != head_seq or expected_prev != head_hash:
        problems.append(Problem(head_seq, "head_mismatch"))
    return problems

"""Read the chain from the database and check it with chain.verify and the published heads.

A chain can be internally consistent and still rewritten: whoever writes to the database can
recompute every hash. The heads this node published to its witness (``PublishedHead``), and
those the witness exported (``anchors.load_heads``), pin the hash of entry ``seq`` as it was
when published; an entry that is missing or has another hash now was rewritten afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from trm.audit import anchors, chain
from trm.audit.models import AuditEvent, AuditHead, PublishedHead


@dataclass(frozen=True)
class Report:
    entries: int
    head_hash: str
    problems: list[chain.Problem]
    heads_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _entries() -> Iterator[chain.Entry]:
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        yield chain.Entry(event.seq, event.prev_hash, event.hash, event.chained_fields())


def _published() -> Iterator[anchors.Head]:
    for seq, hash_ in PublishedHead.objects.order_by("seq", "id").values_list("seq", "hash").iterator():
        yield anchors.Head(seq, hash_, "published")


def _stored_hashes(seqs: set[int], *, chunk: int = 1000) -> dict[int, str]:
    ordered = sorted(seqs)
    found: dict[int, str] = {}
    for start in range(0, len(ordered), chunk):
        rows = AuditEvent.objects.filter(seq__in=ordered[start : start + chunk]).values_list("seq", "hash")
        found.update(rows)
    return found


def check_published(heads: Iterable[anchors.Head]) -> tuple[int, list[chain.Problem]]:
    """(heads checked, one problem per contradicted seq) for the given published heads."""
    by_seq: dict[tuple[int, str], anchors.Head] = {}
    for head in heads:
        by_seq.setdefault((head.seq, head.hash), head)
    stored = _stored_hashes({seq for seq, _hash in by_seq})
    problems: dict[int, chain.Problem] = {}
    for head, what in anchors.check_heads(stored, by_seq.values()):
        problems.setdefault(head.seq, chain.Problem(head.seq, f"{what}_after_publishing"))
    return len(by_seq), [problems[seq] for seq in sorted(problems)]


def verify_chain(*, heads: Iterable[anchors.Head] = ()) -> Report:
    """Check the chain, then every head this node published and any ``heads`` given (a witness's export)."""
    head = AuditHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, chain.GENESIS)
    problems = chain.verify(_entries(), head_seq=head_seq, head_hash=head_hash)
    checked, contradicted = check_published([*_published(), *heads])
    return Report(
        entries=AuditEvent.objects.count(),
        head_hash=head_hash,
        problems=problems + contradicted,
        heads_checked=checked,
    )

"""Read the chain from the database and check it with chain.verify."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from trm.audit import chain
from trm.audit.models import AuditEvent, AuditHead


@dataclass(frozen=True)
class Report:
    entries: int
    head_hash: str
    problems: list[chain.Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def _entries() -> Iterator[chain.Entry]:
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        yield chain.Entry(event.seq, event.prev_hash, event.hash, event.chained_fields())


def verify_chain() -> Report:
    head = AuditHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, chain.GENESIS)
    problems = chain.verify(_entries(), head_seq=head_seq, head_hash=head_hash)
    return Report(entries=AuditEvent.objects.count(), head_hash=head_hash, problems=problems)

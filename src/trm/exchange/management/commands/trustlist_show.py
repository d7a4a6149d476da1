from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from trm.exchange import keys
from trm.exchange.messages import format_time


class Command(BaseCommand):
    help = "Show the pinned authority key and the current trust list."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        authority = keys.pinned_authority()
        self.stdout.write(f"authority key: {authority.kid if authority else '(none pinned)'}")
        try:
            trust_list = keys.current_trust_list(now=now)
        except keys.NoTrustList as err:
            self.stdout.write(f"trust list: none current ({err})")
            return
        self.stdout.write(
            f"trust list {trust_list.sequence} of {trust_list.network}: issued {format_time(trust_list.issued)}, "
            f"next update {format_time(trust_list.next_update)}, expires {format_time(trust_list.expires)}"
        )
        for node in trust_list.nodes:
            state = "REVOKED" if node.is_revoked(now) else "active"
            self.stdout.write(f"  {node.node_id} ({node.country}) {node.endpoint} [{state}]")
            for entry in node.keys:
                until = format_time(entry.not_after) if entry.not_after else "open"
                flag = " REVOKED" if entry.is_revoked(now) else ""
                self.stdout.write(f"    {entry.use} {entry.kid} {format_time(entry.not_before)} .. {until}{flag}")

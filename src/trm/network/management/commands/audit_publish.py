from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from trm.exchange import keys
from trm.exchange.errors import ProtocolError
from trm.network import anchoring


class Command(BaseCommand):
    help = (
        "Send the head of this node's audit chain to the witness node now (trm/1 audit_head); the "
        "exchange worker delivers it and keeps the witness's signed receipt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--witness", help="node id of the witness (default: TRM_AUDIT_WITNESS)")

    def handle(self, *args: Any, **options: Any) -> None:
        anchoring.collect_receipts()
        try:
            head = anchoring.publish(witness=options["witness"])
        except anchoring.NotConfigured:
            raise CommandError("no witness: set TRM_AUDIT_WITNESS or pass --witness") from None
        except ValidationError as err:
            raise CommandError(" ".join(err.messages)) from None
        except ProtocolError as err:
            raise CommandError(f"the head cannot be sent: {err.code}") from None
        except (keys.NoTrustList, keys.NoKeys) as err:
            raise CommandError(f"the head cannot be sent: {type(err).__name__}") from None
        self.stdout.write(
            f"audit head {head.seq} queued to {head.witness} (message {head.message_id}); "
            "the exchange worker delivers it"
        )

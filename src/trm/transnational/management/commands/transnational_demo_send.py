from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from trm.accounts.models import User
from trm.cases import consent
from trm.cases.models import Case, ConsentPurpose
from trm.transnational import workflows
from trm.transnational.models import Direction, Link
from trm.vocab.htcds import CaseStatus


class Command(BaseCommand):
    help = "Demo only: send one synthetic transnational referral to another demo node (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", required=True, help="node id of the receiving demo node")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO:
            raise CommandError("Demo referrals are sent only with TRM_MODE=demo.")
        if Link.objects.filter(direction=Direction.OUTGOING, peer=options["to"]).exists():
            self.stdout.write("a demo referral was sent already")
            return
        focal = User.objects.get(username="focal")
        case = (
            Case.objects.filter(status=CaseStatus.ACTIVE, is_child=False)
            .exclude(nationality="")
            .order_by("created_at")
            .first()
        )
        if case is None:
            raise CommandError("no synthetic adult case to refer")
        consent.give(case, purpose=ConsentPurpose.TRANSNATIONAL, language="en", by=focal)
        link = workflows.send_referral(
            case,
            by=focal,
            to_node=options["to"],
            services=["shelter", "reintegration"],
            share_identity=True,
            needs_summary="Synthetic demo referral: safe accommodation on arrival and reintegration support.",
        )
        self.stdout.write(f"queued demo referral {link.conversation} to {options['to']}")

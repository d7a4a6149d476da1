from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trm.accounts.models import User
from trm.cases.models import Case
from trm.demo import synthetic_justice, synthetic_network, synthetic_proceedings, synthetic_referrals, synthetic_teams
from trm.demo.accounts import ACCOUNTS, DEMO_PASSWORD, current_code
from trm.demo.synthetic import seed_staff
from trm.demo.synthetic_cases import seed_cases
from trm.demo.synthetic_history import seed_history


class Command(BaseCommand):
    help = "Fill this node with synthetic demo data (TRM_MODE=demo or test only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo data is refused when TRM_MODE=production.")
        orgs = seed_staff(settings.TRM_COUNTRY, node_id=settings.TRM_NODE_ID)
        if not Case.objects.exists():
            if settings.TRM_DEMO_HISTORY:
                # Past years first, so that the worked cases stay at the top of the case list.
                seed_history(
                    settings.TRM_DEMO_HISTORY,
                    seed=sum(map(ord, settings.TRM_NODE_ID)),
                    owner_org=orgs["ngo_outreach"],
                    by=User.objects.get(username="outreach"),
                    authority=orgs["authority"],
                )
            seed_cases(40, seed=sum(map(ord, settings.TRM_NODE_ID)))
        synthetic_network.seed_demo(settings.TRM_COUNTRY)  # the coordinators' network, on every demo node
        synthetic_referrals.seed_demo(settings.TRM_COUNTRY)
        synthetic_justice.seed_demo(settings.TRM_COUNTRY)
        synthetic_proceedings.seed_demo()
        synthetic_teams.seed_demo(settings.TRM_COUNTRY)
        if options["verbosity"] < 1:
            return
        self.stdout.write(f"Demo node {settings.TRM_NODE_ID} ({settings.TRM_COUNTRY}) seeded with synthetic data.")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}); codes change every 30 s and are")
        self.stdout.write("shown on the login page in demo mode:")
        for account in ACCOUNTS:
            code = current_code(account.username)
            self.stdout.write(f"  {account.username:<12} {account.role.label:<50} code now {code}")

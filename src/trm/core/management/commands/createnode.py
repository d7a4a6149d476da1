from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from trm.accounts.models import Organisation, User
from trm.accounts.roles import Role
from trm.audit import record
from trm.audit.events import Action
from trm.vocab.htcds import OrganisationType


class Command(BaseCommand):
    help = "Set up a new node: migrate, create the coordinating organisation and the node administrator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organisation", required=True, help="name of the national coordinator's office")
        parser.add_argument("--org-type", default=OrganisationType.CENTRAL_GOVERNMENT, choices=OrganisationType.values)
        parser.add_argument("--admin-username", default="admin")
        parser.add_argument("--admin-email", default="")
        parser.add_argument("--no-migrate", action="store_true", help="the database is migrated already")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if User.objects.filter(username=options["admin_username"]).exists():
            raise CommandError("That administrator user name is taken; this node looks set up already.")
        password = secrets.token_urlsafe(18)
        with transaction.atomic():
            org, _ = Organisation.objects.get_or_create(
                name=options["organisation"],
                defaults={"type": options["org_type"], "country": settings.TRM_COUNTRY},
            )
            admin = User.objects.create_user(
                options["admin_username"],
                email=options["admin_email"],
                password=password,
                organisation=org,
                is_staff=True,
            )
            admin.groups.add(Group.objects.get(name=Role.NODE_ADMIN))
            record.record(None, Action.CREATE, admin, note="node created")
        self.stdout.write(f"Node {settings.TRM_NODE_ID} ({settings.TRM_COUNTRY}) is set up.")
        self.stdout.write(f"Administrator: {admin.username}")
        self.stdout.write(f"One-time password: {password}")
        self.stdout.write("Log in, set up two-factor login, then change this password.")

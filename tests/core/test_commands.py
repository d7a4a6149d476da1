from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from trm.accounts.models import Organisation, User
from trm.accounts.roles import Role
from trm.audit.models import AuditEvent


def test_createnode_sets_up_the_office_and_its_administrator(db, capsys):
    call_command("createnode", organisation="Office of the National Coordinator (Synthetic)", no_migrate=True)
    out = capsys.readouterr().out
    admin = User.objects.get(username="admin")
    assert admin.is_staff
    assert [r.value for r in admin.roles] == [Role.NODE_ADMIN]
    assert admin.organisation == Organisation.objects.get(name="Office of the National Coordinator (Synthetic)")
    password = out.split("One-time password: ")[1].split()[0]
    assert admin.check_password(password)
    assert AuditEvent.objects.filter(note="node created").exists()


def test_createnode_refuses_to_run_twice(db, capsys):
    call_command("createnode", organisation="Office A", no_migrate=True)
    with pytest.raises(CommandError, match="set up already"):
        call_command("createnode", organisation="Office A", no_migrate=True)


def test_rotate_keys_reports_and_audits(db, capsys):
    call_command("rotate_keys")
    assert "re-encrypted 0 under key" in capsys.readouterr().out
    assert AuditEvent.objects.filter(object_type="core.fieldkeys").exists()


def test_generate_field_key_prints_a_usable_key(capsys):
    from trm.lib.fieldcrypto import FieldCipher

    call_command("generate_field_key", kid="k9")
    spec = capsys.readouterr().out.strip()
    assert FieldCipher.from_spec(spec).primary == "k9"

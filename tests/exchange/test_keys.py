"""This node's keys: init, rotation with overlap, signing-key choice, export."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from tests.exchange.shell_support import AUTHORITY, signed, trust_list_doc
from trm.audit.models import AuditEvent
from trm.exchange import jose, keys
from trm.exchange.models import NodeKey
from trm.exchange.trustlist import parse_trust_list

pytestmark = pytest.mark.django_db


def test_init_creates_one_signing_and_one_encryption_key_once() -> None:
    created = keys.init(now=timezone.now())
    assert sorted(row.use for row in created) == ["enc", "sig"]
    assert keys.init(now=timezone.now()) == []
    assert NodeKey.objects.count() == 2
    assert AuditEvent.objects.filter(object_type="exchange.nodekey", action="create").count() == 2


def test_private_keys_are_encrypted_at_rest() -> None:
    keys.init(now=timezone.now())
    row = NodeKey.objects.get(use="sig")
    d = json.loads(row.private_jwk)["d"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_jwk FROM exchange_nodekey")
        raw = " ".join(r[0] for r in cursor.fetchall())
    assert d not in raw


def test_rotation_adds_keys_and_keeps_the_old_ones_for_the_overlap() -> None:
    now = timezone.now()
    old = {row.kid for row in keys.init(now=now - timedelta(days=100))}
    new = keys.rotate(now=now, overlap=timedelta(days=10))
    assert {row.use for row in new} == {"sig", "enc"}
    for row in NodeKey.objects.filter(kid__in=old):
        assert row.not_after == now + timedelta(days=10)
        assert row.is_valid_at(now + timedelta(days=9)) and not row.is_valid_at(now + timedelta(days=10))
    assert len(keys.decryption_keys()) == 2
    entry = keys.export_entry(endpoint="https://us.example")
    assert len(entry["keys"]) == 4
    assert sum("not_after" in k for k in entry["keys"]) == 2


def test_rotation_retires_keys_long_past_their_end() -> None:
    now = timezone.now()
    keys.init(now=now - timedelta(days=400))
    keys.rotate(now=now - timedelta(days=200), overlap=timedelta(days=10))
    keys.rotate(now=now, overlap=timedelta(days=10))
    retired = NodeKey.objects.filter(retired=True)
    assert retired.count() == 2
    assert all(row.private_jwk == "" for row in retired)
    assert len(keys.decryption_keys()) == 2


def test_rotation_needs_a_positive_overlap() -> None:
    keys.init(now=timezone.now())
    with pytest.raises(ValueError):
        keys.rotate(now=timezone.now(), overlap=timedelta(0))


def test_without_a_trust_list_the_newest_local_key_signs() -> None:
    now = timezone.now()
    keys.init(now=now - timedelta(days=10))
    (new_sig,) = [row for row in keys.rotate(now=now) if row.use == "sig"]
    assert keys.signing_key(now=now, trust_list=None).kid == new_sig.kid


def test_a_new_key_signs_only_once_the_trust_list_publishes_it() -> None:
    now = timezone.now()
    old = next(row for row in keys.init(now=now - timedelta(days=30)) if row.use == "sig")
    keys.pin_authority(jose.public_jwk(AUTHORITY))
    listed = keys.import_trust_list(signed(trust_list_doc(now)), now=now)
    keys.rotate(now=now)
    # The list peers hold names only the old key: keep signing with it.
    assert keys.signing_key(now=now, trust_list=listed).kid == old.kid
    # Once listed for a whole update interval, the new key signs.
    later = now + timedelta(days=8)
    relisted = keys.import_trust_list(signed(trust_list_doc(now, sequence=6)), now=now)
    new = next(row for row in NodeKey.objects.filter(use="sig") if row.kid != old.kid)
    assert keys.signing_key(now=now, trust_list=relisted).kid == old.kid  # not yet mature
    assert keys.signing_key(now=later, trust_list=relisted).kid == new.kid


def test_no_signing_key_is_an_error() -> None:
    with pytest.raises(keys.NoKeys):
        keys.signing_key(now=timezone.now(), trust_list=None)
    with pytest.raises(keys.NoKeys):
        keys.export_entry()


def test_the_exported_entry_is_a_valid_trust_list_node(settings) -> None:
    settings.TRM_PUBLIC_URL = "https://se.trm.example"
    keys.init(now=timezone.now())
    entry = keys.export_entry()
    assert (entry["node_id"], entry["country"], entry["endpoint"]) == (
        settings.TRM_NODE_ID,
        settings.TRM_COUNTRY,
        "https://se.trm.example",
    )
    assert all("d" not in k["jwk"] for k in entry["keys"])
    doc = trust_list_doc(timezone.now(), us=entry)
    assert parse_trust_list(doc).nodes[0].node_id == settings.TRM_NODE_ID


# --- commands ---------------------------------------------------------------------------


def test_keys_init_and_export_commands(capsys) -> None:
    call_command("keys_init")
    assert capsys.readouterr().out.count("generated") == 2
    call_command("keys_init")
    assert "already" in capsys.readouterr().out
    call_command("keys_export", "--endpoint", "https://x.example", "--organisation", "Test office")
    entry = json.loads(capsys.readouterr().out)
    assert entry["organisation"] == "Test office" and len(entry["keys"]) == 2
    assert '"d"' not in json.dumps(entry)


def test_keys_rotate_command(capsys) -> None:
    call_command("keys_init")
    call_command("keys_rotate", "--overlap-days", "5")
    assert capsys.readouterr().out.count("generated") == 4
    assert NodeKey.objects.filter(not_after__isnull=False).count() == 2
    with pytest.raises(CommandError):
        call_command("keys_rotate", "--overlap-days", "0")


def test_keys_export_needs_keys() -> None:
    with pytest.raises(CommandError):
        call_command("keys_export")


def test_keys_export_can_generate_the_keys_first(capsys) -> None:
    call_command("keys_export", "--init")
    assert len(json.loads(capsys.readouterr().out)["keys"]) == 2

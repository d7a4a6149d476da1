"""trm backup / trm restore: encrypted, consistent, verified round trips (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connections
from django.db.models import F, TextField
from django.db.models.functions import Cast
from django.test import override_settings
from django.utils import timezone

from tests.cases.builders import detect
from tests.referrals.builders import World
from trm.audit.models import AuditEvent
from trm.audit.verification import verify_chain
from trm.cases import casework
from trm.cases.models import Case, Person
from trm.core import backup
from trm.lib.encrypted import encrypted_fields
from trm.lib.fieldcrypto import FieldCipher, generate_key_spec
from trm.referrals.models import Referral

KEY = bytes(range(32))
SECRET = backup.Secret(key=KEY)


def build_node() -> World:
    world = World()
    world.refer()  # a presumed victim with consent and a shelter referral
    closed = world.presumed_victim(given_name="Mira", narrative="Met at the border crossing.")
    casework.close(closed, by=world.ca, reason="recovered")
    return world


def table_contents() -> dict[str, list[tuple]]:
    """Every column of every row, encrypted columns as their stored ciphertext."""
    out: dict[str, list[tuple]] = {}
    for model in backup._models():
        sealed = {f.name for f in encrypted_fields(model)}
        names = [f.attname for f in model._meta.concrete_fields if f.name not in sealed]
        qs = model._base_manager.order_by("pk").annotate(**{f"raw_{n}": Cast(F(n), TextField()) for n in sealed})
        out[model._meta.label_lower] = list(qs.values_list(*names, *[f"raw_{n}" for n in sorted(sealed)]))
        for m2m in model._meta.local_many_to_many:
            through = m2m.remote_field.through
            out[through._meta.label_lower] = sorted(
                through._base_manager.values_list(m2m.m2m_field_name() + "_id", m2m.m2m_reverse_field_name() + "_id")
            )
    return out


@pytest.mark.django_db(transaction=True)
def test_it_round_trips_cases_referrals_and_the_audit_chain_byte_for_byte():
    world = build_node()
    before = table_contents()
    hashes = list(AuditEvent.objects.values_list("seq", "hash"))
    assert Case.objects.count() == 2 and Referral.objects.count() == 1 and len(hashes) > 10

    data, summary = backup.write_backup(secret=SECRET)
    call_command("flush", interactive=False, verbosity=0)
    assert not Case.objects.exists() and not AuditEvent.objects.exists()

    report = backup.restore(data, secret=SECRET)

    assert report.rows == summary.rows
    assert table_contents() == before
    assert list(AuditEvent.objects.values_list("seq", "hash")) == hashes
    assert report.chain.ok and report.chain.entries == len(hashes)
    assert verify_chain().ok
    # Encrypted values still decrypt under the same field keys, and new rows get fresh ids.
    assert sorted(Person.objects.values_list("given_name", flat=True)) == ["Ana", "Mira"]
    assert detect(world.responder).pk > max(row[0] for row in before["cases.case"])


def test_it_keeps_field_encrypted_values_encrypted_inside_the_dump(db):
    build_node()
    data, _summary = backup.write_backup(secret=SECRET)
    header, rows = backup.open_backup(data, secret=SECRET)
    people = [r for r in rows if r["model"] == "cases.person"]
    assert len(people) == 2
    assert all(r["sealed"]["given_name"].startswith("trm1:dev1:") for r in people)
    assert "given_name" not in people[0]["fields"]
    assert "Mira" not in json.dumps(rows) and "border crossing" not in json.dumps(rows)
    assert header["field_key_ids"] == ["dev1"]


def test_its_header_carries_key_metadata_and_never_key_material(db):
    build_node()
    node_key = apps.get_model("exchange", "NodeKey")
    from trm.exchange import keys

    keys.init(now=timezone.now())
    data, summary = backup.write_backup(secret=SECRET)
    header, _aad, _body = backup.read_header(data)
    assert header == summary.header
    assert header["format"] == backup.FORMAT and header["node_id"] == "demo-node"
    assert header["created_at"] and header["schema"]
    assert header["field_key_ids"] == ["dev1"]
    assert {k["kid"] for k in header["node_public_keys"]} == set(node_key.objects.values_list("kid", flat=True))
    assert header["counts"]["cases.case"] == 2
    head_text = data[: data.index(b"\n", len(backup.MAGIC))].decode()
    assert base64.b64encode(KEY).decode() not in head_text
    assert "ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMzJieXQ" not in head_text  # the field key
    assert "private" not in head_text.lower() and '"d"' not in head_text


@pytest.mark.parametrize("where", ["header", "body", "tag"])
def test_it_refuses_a_tampered_file_and_writes_nothing(db, where):
    build_node()
    data, _summary = backup.write_backup(secret=SECRET)
    before = table_contents()
    blob = bytearray(data)
    index = {"header": data.index(b'"node_id"') + 12, "body": len(data) // 2 + 40, "tag": len(data) - 1}[where]
    blob[index] ^= 0x01
    with pytest.raises(backup.BackupError, match="integrity check"):
        backup.restore(bytes(blob), secret=SECRET, force=True)
    assert table_contents() == before


def test_it_refuses_the_wrong_key(db):
    build_node()
    data, _summary = backup.write_backup(secret=SECRET)
    with pytest.raises(backup.BackupError, match="integrity check"):
        backup.restore(data, secret=backup.Secret(key=bytes(32)), force=True)
    assert Case.objects.count() == 2


def test_it_refuses_a_database_in_use_without_force(db):
    build_node()
    data, _summary = backup.write_backup(secret=SECRET)
    count = AuditEvent.objects.count()
    with pytest.raises(backup.BackupError, match="in use"):
        backup.restore(data, secret=SECRET)
    assert AuditEvent.objects.count() == count


def test_it_refuses_when_a_field_key_of_the_dump_is_not_configured(db):
    build_node()
    data, _summary = backup.write_backup(secret=SECRET)
    before = table_contents()
    other_keys = FieldCipher.from_spec(generate_key_spec("other"))
    with override_settings(FIELD_CIPHER=other_keys), pytest.raises(backup.BackupError, match="dev1"):
        backup.restore(data, secret=SECRET, force=True)
    assert table_contents() == before


def test_it_refuses_a_backup_of_another_node(db):
    data, _summary = backup.write_backup(secret=SECRET)
    with override_settings(TRM_NODE_ID="bg-nrm"), pytest.raises(backup.BackupError, match="'demo-node'"):
        backup.restore(data, secret=SECRET, force=True)


def test_it_refuses_a_file_that_is_not_a_backup_or_of_another_format(db):
    with pytest.raises(backup.BackupError, match="not a TRM backup"):
        backup.restore(b"PK\x03\x04 a zip file", secret=SECRET)
    with pytest.raises(backup.BackupError, match="format 2"):
        backup.restore(backup.MAGIC + b'{"format":2}\n' + bytes(40), secret=SECRET)


def test_it_stretches_a_passphrase_with_scrypt_and_a_salt_per_file(db):
    secret = backup.Secret(passphrase="correct horse battery staple")
    data, summary = backup.write_backup(secret=secret)
    kdf = summary.header["kdf"]
    assert kdf["name"] == "scrypt" and len(base64.b64decode(kdf["salt"])) == 16
    header, rows = backup.open_backup(data, secret=secret)
    assert header == summary.header and isinstance(rows, list)
    with pytest.raises(backup.BackupError, match="integrity check"):
        backup.open_backup(data, secret=backup.Secret(passphrase="wrong horse battery staple"))
    with pytest.raises(backup.BackupError, match="TRM_BACKUP_PASSPHRASE"):
        backup.open_backup(data, secret=SECRET)


def test_it_reads_the_key_from_the_environment_or_a_file(tmp_path):
    key_file = tmp_path / "backup.key"
    key_file.write_text(base64.b64encode(KEY).decode() + "\n")
    assert backup.secret_from_env({"TRM_BACKUP_KEY_FILE": str(key_file)}).key == KEY
    assert backup.secret_from_env({"TRM_BACKUP_KEY": base64.urlsafe_b64encode(KEY).decode().rstrip("=")}).key == KEY
    assert backup.secret_from_env({"TRM_BACKUP_PASSPHRASE": "a long enough passphrase"}).passphrase
    with pytest.raises(backup.BackupError, match="32 bytes"):
        backup.secret_from_env({"TRM_BACKUP_KEY": base64.b64encode(b"short").decode()})
    with pytest.raises(backup.BackupError, match="Set TRM_BACKUP_KEY"):
        backup.secret_from_env({})


def test_the_body_is_gzipped_json_under_aes_gcm(db):
    data, _summary = backup.write_backup(secret=SECRET)
    _header, aad, sealed = backup.read_header(data)
    body = AESGCM(KEY).decrypt(sealed[:12], sealed[12:], aad)
    assert "rows" in json.loads(gzip.decompress(body))


@pytest.mark.django_db(transaction=True)
def test_the_commands_back_up_and_restore_through_the_cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TRM_BACKUP_KEY", base64.b64encode(KEY).decode())
    build_node()
    out = tmp_path / "node.trmbackup"
    call_command("backup", out=str(out))
    assert "wrote" in capsys.readouterr().out
    assert out.stat().st_mode & 0o077 == 0
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", out=str(out))
    with pytest.raises(CommandError, match="in use"):
        call_command("restore", str(out))
    call_command("restore", str(out), force=True)
    printed = capsys.readouterr().out
    assert "audit chain verified" in printed
    assert Case.objects.count() == 2
    assert AuditEvent.objects.filter(note="backup").exists()
    assert AuditEvent.objects.order_by("seq").last().note == "restored"
    assert verify_chain().ok


def test_the_trm_cli_reaches_the_commands(db, tmp_path, monkeypatch, capsys):
    from trm.cli import main

    monkeypatch.setenv("TRM_BACKUP_KEY", base64.b64encode(KEY).decode())
    # run_from_argv closes every connection when a command ends: keep the test's open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    out = tmp_path / "cli.trmbackup"
    main(["backup", "--out", str(out)])
    assert out.read_bytes().startswith(backup.MAGIC)
    main(["retention", "apply", "--dry-run"])
    assert "dry run: 0 closed case(s)" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["restore", str(out)])  # the node is in use: refused
    assert "add --force" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_a_backup_reads_one_snapshot_while_others_write(monkeypatch):
    """A write committed by another connection during the dump is not in it, and is not blocked."""
    import threading

    from django.db import connection

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the in-memory test database locks whole tables across connections; a WAL file does not")
    world = build_node()
    wrote = []
    real = backup._rows

    def rows_then_write(model):
        if model is Case and not wrote:

            def other_writer():
                try:
                    wrote.append(detect(world.responder).pk)
                finally:
                    connection.close()

            thread = threading.Thread(target=other_writer)
            thread.start()
            thread.join(timeout=30)
            assert wrote, "the other connection could not write during the backup"
        return real(model)

    monkeypatch.setattr(backup, "_rows", rows_then_write)
    _data, summary = backup.write_backup(secret=SECRET)
    assert Case.objects.filter(pk=wrote[0]).exists()
    assert summary.header["counts"]["cases.case"] == 2

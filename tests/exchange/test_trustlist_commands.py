"""Trust-list commands: keygen and sign (authority side), pin, import, show (node side)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.exchange.shell_support import AUTHORITY, OTHER_AUTHORITY, signed, trust_list_doc
from trm.audit.models import AuditEvent
from trm.exchange import jose, keys
from trm.exchange.models import TrustListState

pytestmark = pytest.mark.django_db


@pytest.fixture
def node(tmp_path):
    keys.init(now=timezone.now() - timedelta(days=1))
    path = tmp_path / "authority.pub.json"
    path.write_text(json.dumps(jose.public_jwk(AUTHORITY)))
    return path


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_an_authority_signs_a_list_that_a_node_imports(tmp_path, capsys) -> None:
    call_command("trustlist_keygen", str(tmp_path / "authority.jwk"))
    public = json.loads(capsys.readouterr().out)
    assert "d" not in public and (tmp_path / "authority.jwk").stat().st_mode & 0o077 == 0
    keys.init(now=timezone.now() - timedelta(days=1))
    entry = keys.export_entry(endpoint="http://127.0.0.1:8001")
    nodes = write(tmp_path, "nodes.json", json.dumps([entry]))
    out = tmp_path / "list.jws"
    call_command(
        "trustlist_sign",
        "--authority-key",
        str(tmp_path / "authority.jwk"),
        "--nodes",
        nodes,
        "--sequence",
        "3",
        "--network",
        "Synthetic",
        "--out",
        str(out),
    )
    call_command("trustlist_pin_authority", write(tmp_path, "pub.json", json.dumps(public)))
    call_command("trustlist_import", str(out))
    assert "imported trust list 3 (1 nodes)" in capsys.readouterr().out
    call_command("trustlist_show")
    shown = capsys.readouterr().out
    assert "trust list 3 of Synthetic" in shown and "http://127.0.0.1:8001" in shown


def test_keygen_refuses_to_overwrite(tmp_path) -> None:
    (tmp_path / "k").write_text("{}")
    with pytest.raises(CommandError):
        call_command("trustlist_keygen", str(tmp_path / "k"))


def test_sign_refuses_bad_inputs(tmp_path) -> None:
    key = write(tmp_path, "a.jwk", jose.private_key_to_json(AUTHORITY))
    nodes = write(tmp_path, "n.json", json.dumps([{"node_id": "x"}]))
    with pytest.raises(CommandError, match="refused"):
        call_command(
            "trustlist_sign", "--authority-key", key, "--nodes", nodes, "--sequence", "1", "--out", str(tmp_path / "o")
        )
    with pytest.raises(CommandError, match="cannot read"):
        call_command(
            "trustlist_sign",
            "--authority-key",
            nodes,
            "--nodes",
            nodes,
            "--sequence",
            "1",
            "--out",
            str(tmp_path / "o"),
        )
    with pytest.raises(CommandError):
        call_command(
            "trustlist_sign",
            "--authority-key",
            key,
            "--nodes",
            nodes,
            "--sequence",
            "1",
            "--next-update-days",
            "30",
            "--out",
            str(tmp_path / "o"),
        )


def test_import_refuses_without_a_pinned_key(node, tmp_path) -> None:
    token = write(tmp_path, "l.jws", signed(trust_list_doc(timezone.now())))
    with pytest.raises(CommandError, match="pin"):
        call_command("trustlist_import", token)


def test_import_refuses_a_list_signed_by_another_key(node, tmp_path) -> None:
    call_command("trustlist_pin_authority", str(node))
    token = write(tmp_path, "l.jws", signed(trust_list_doc(timezone.now()), authority=OTHER_AUTHORITY))
    with pytest.raises(CommandError, match="trust_list_bad_signature"):
        call_command("trustlist_import", token)
    assert not TrustListState.objects.get().token


def test_import_refuses_a_tampered_list(node, tmp_path) -> None:
    call_command("trustlist_pin_authority", str(node))
    header, payload, signature = signed(trust_list_doc(timezone.now())).split(".")
    forged = f"{header}.{payload[:-4]}AAAA.{signature}"
    with pytest.raises(CommandError, match="refused"):
        call_command("trustlist_import", write(tmp_path, "l.jws", forged))


def test_import_refuses_an_expired_list(node, tmp_path) -> None:
    call_command("trustlist_pin_authority", str(node))
    now = timezone.now()
    doc = trust_list_doc(now, issued=now - timedelta(days=20), expires=now - timedelta(days=1))
    token = signed(doc, now=now - timedelta(days=19))
    with pytest.raises(CommandError, match="trust_list_expired"):
        call_command("trustlist_import", write(tmp_path, "l.jws", token))


def test_import_refuses_a_rollback(node, tmp_path) -> None:
    call_command("trustlist_pin_authority", str(node))
    now = timezone.now()
    call_command("trustlist_import", write(tmp_path, "9.jws", signed(trust_list_doc(now, sequence=9))))
    with pytest.raises(CommandError, match="trust_list_rollback"):
        call_command("trustlist_import", write(tmp_path, "8.jws", signed(trust_list_doc(now, sequence=8))))
    assert TrustListState.objects.get().sequence == 9
    call_command("trustlist_import", write(tmp_path, "9b.jws", signed(trust_list_doc(now, sequence=9))))
    assert AuditEvent.objects.filter(note="trust list imported").count() == 2


def test_pinning_refuses_a_private_key_and_silent_replacement(node, tmp_path) -> None:
    with pytest.raises(CommandError, match="public"):
        call_command("trustlist_pin_authority", write(tmp_path, "p.jwk", jose.private_key_to_json(AUTHORITY)))
    call_command("trustlist_pin_authority", str(node))
    call_command("trustlist_pin_authority", str(node))  # the same key again is fine
    other = write(tmp_path, "o.json", json.dumps(jose.public_jwk(OTHER_AUTHORITY)))
    with pytest.raises(CommandError, match="replace"):
        call_command("trustlist_pin_authority", other)
    call_command("trustlist_pin_authority", other, "--replace")
    assert keys.pinned_authority().kid == OTHER_AUTHORITY.kid
    with pytest.raises(CommandError):
        call_command("trustlist_pin_authority", write(tmp_path, "bad.json", "not json"))


def test_show_without_a_list(db, capsys) -> None:
    call_command("trustlist_show")
    out = capsys.readouterr().out
    assert "(none pinned)" in out and "none current" in out


def test_the_commands_have_two_word_names() -> None:
    from django.core.management import get_commands

    from trm.cli import resolve

    available = set(get_commands())
    for words in (
        ["keys", "init"],
        ["keys", "rotate"],
        ["keys", "export"],
        ["trustlist", "sign"],
        ["trustlist", "import"],
        ["trustlist", "show"],
        ["trustlist", "pin-authority"],
        ["exchange", "worker"],
    ):
        assert resolve([*words, "x"], available)[0] == "_".join(words).replace("-", "_")


def test_import_can_pin_the_authority_first(node, tmp_path, capsys) -> None:
    token = write(tmp_path, "l.jws", signed(trust_list_doc(timezone.now())))
    call_command("trustlist_import", token, "--authority", str(node))
    out = capsys.readouterr().out
    assert "pinned authority key" in out and "imported trust list 5" in out

"""The first run says what it does; the demo can start afresh; small page defects stay fixed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

from trm.demo.accounts import ACCOUNTS, DEMO_PASSWORD
from trm.demo.network import DEMO_FILES, NODES, banner, reset


def _trm(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TRM_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-m", "trm.cli", *args], env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


def test_help_works_before_the_node_is_configured():
    done = _trm("--help")
    assert done.returncode == 0, done.stderr
    assert "usage: trm <command>" in done.stdout
    assert "trm serve" in done.stdout and "trm demo" in done.stdout
    assert "This node is not configured yet: TRM_" in done.stdout  # says what is missing to run it


def test_a_real_command_still_refuses_to_run_unconfigured():
    done = _trm("migrate")
    assert done.returncode == 2
    assert "configuration error" in done.stderr


def test_reset_deletes_the_demo_data_and_nothing_else(tmp_path: Path):
    keep = tmp_path / "notes.txt"
    keep.write_text("not the demo's")
    for node in NODES:
        (tmp_path / node.node_id / "mail").mkdir(parents=True)
        (tmp_path / node.node_id / "trm.sqlite3").write_text("")
    for name in DEMO_FILES:
        (tmp_path / name).write_text("")
    reset(NODES, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    reset(NODES, tmp_path)  # nothing left to delete is not an error


def test_the_banner_names_every_address_and_account(tmp_path: Path):
    text = banner(NODES, tmp_path)
    for node in NODES:
        assert f"{node.url()}/" in text
    for account in ACCOUNTS:
        assert re.search(rf"^  {account.username}\s+\S", text, re.M)
    assert DEMO_PASSWORD in text
    assert f"{tmp_path}/<node>/mail/" in text


def test_demo_mail_goes_to_files_not_the_console(tmp_path: Path):
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND); print(settings.EMAIL_FILE_PATH)"
    done = subprocess.run(
        [sys.executable, "-c", f"import django, os; django.setup(); {code}"],
        env={**os.environ, "TRM_MODE": "demo", "TRM_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "trm.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    backend, path = done.stdout.split()
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert path == str(tmp_path / "mail")


def test_the_favicon_is_found(client, db):
    page = client.get(reverse("accounts:login")).content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page)
    assert icon is not None
    assert client.get(icon.group(1)).status_code == 200
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 302 and redirect["Location"] == icon.group(1)


def test_htmx_injects_no_inline_style_the_csp_would_block(client, db):
    response = client.get(reverse("accounts:login"))
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    page = response.content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in page
    css = b"".join(client.get("/static/css/app.css").streaming_content).decode()  # type: ignore[attr-defined]
    assert ".htmx-request .htmx-indicator" in css

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from trm.lib.env import env_bool, env_int, env_list, env_secret, env_str

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_check(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TRM_", "DATABASE_URL"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "trm.cli", "check"],
        env={**clean, "PYTHONPATH": os.path.join(ROOT, "src")},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


PRODUCTION_OK = {
    "TRM_MODE": "production",
    "TRM_SECRET_KEY": "x" * 60,
    "TRM_FIELD_KEYS": "k1:" + "A" * 43,
    "TRM_NODE_ID": "se-nrm",
    "TRM_COUNTRY": "SE",
    "TRM_ALLOWED_HOSTS": "trm.example.org",
    "TRM_DATA_DIR": "/tmp/trm-settings-test",
}


def test_it_starts_in_production_when_every_setting_is_given():
    result = run_check(**PRODUCTION_OK)
    assert result.returncode == 0, result.stderr


REQUIRED = ["TRM_SECRET_KEY", "TRM_FIELD_KEYS", "TRM_NODE_ID", "TRM_COUNTRY", "TRM_ALLOWED_HOSTS"]


@pytest.mark.parametrize("missing", REQUIRED)
def test_it_refuses_to_start_in_production_without(missing):
    env = {k: v for k, v in PRODUCTION_OK.items() if k != missing}
    result = run_check(**env)
    assert result.returncode == 2
    assert f"configuration error: {missing} must be set" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TRM_FIELD_KEYS", "k1:not-base64!!", "TRM_FIELD_KEYS is malformed"),
        ("TRM_FIELD_KEYS", "k1:" + "A" * 10, "must be 32 bytes"),
        ("TRM_COUNTRY", "QQ", "ISO 3166-1 alpha-2"),
        ("TRM_NODE_ID", "bad id!", "TRM_NODE_ID may contain only"),
        ("TRM_MODE", "staging", "TRM_MODE must be one of"),
        ("TRM_SECRET_KEY", "short", "at least 50 characters"),
        ("TRM_SESSION_IDLE_MINUTES", "ten", "must be an integer"),
        ("TRM_DEBUG", "true", "TRM_DEBUG cannot be true"),
        ("TRM_AUDIT_WITNESS", "Not A Node", "TRM_AUDIT_WITNESS must be a node id"),
        ("TRM_AUDIT_WITNESS", "se-nrm", "TRM_AUDIT_WITNESS must be another node"),
        ("TRM_AUDIT_PUBLISH_EVERY", "10", "TRM_AUDIT_PUBLISH_EVERY"),
        ("TRM_TRUST_LIST_URL", "http://authority.example/list", "TRM_TRUST_LIST_URL must be an https:// URL"),
        ("TRM_TRUST_LIST_URL", "https://u:p@authority.example/list", "TRM_TRUST_LIST_URL must be an https:// URL"),
        ("TRM_TRUST_LIST_REFRESH_EVERY", "0", "TRM_TRUST_LIST_REFRESH_EVERY must be at least 1"),
        ("TRM_LANGUAGE", "de", "TRM_LANGUAGE must be one of: en, bg, ro, sv"),
    ],
)
def test_it_gives_a_clear_error_for_a_malformed_setting(name, value, message):
    result = run_check(**{**PRODUCTION_OK, name: value})
    assert result.returncode == 2
    assert message in result.stderr
    # The error names the variable, never echoes a secret value.
    assert "A" * 10 not in result.stderr


def test_it_reads_secrets_from_files(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    assert env_secret("X", environ={"X_FILE": str(secret)}) == "s3cret"
    with pytest.raises(ImproperlyConfigured, match="X_FILE"):
        env_secret("X", environ={"X_FILE": str(tmp_path / "missing")})


def test_it_parses_typed_values():
    assert env_bool("B", False, environ={"B": "Yes"}) is True
    assert env_bool("B", True, environ={"B": "0"}) is False
    assert env_bool("B", True, environ={}) is True
    with pytest.raises(ImproperlyConfigured):
        env_bool("B", True, environ={"B": "maybe"})
    assert env_int("I", 3, environ={"I": "7"}) == 7
    with pytest.raises(ImproperlyConfigured, match="at least 5"):
        env_int("I", 3, minimum=5, environ={"I": "4"})
    assert env_list("L", [], environ={"L": "a, b,,c"}) == ["a", "b", "c"]
    assert env_str("S", "d", environ={}) == "d"
    with pytest.raises(ImproperlyConfigured, match="S must be set"):
        env_str("S", environ={})


def test_it_uses_argon2_for_passwords(settings):
    assert "Argon2" in settings.PASSWORD_HASHERS[0]
    from django.contrib.auth.hashers import make_password

    assert make_password("synthetic-password-1").startswith("argon2$")

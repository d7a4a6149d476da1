"""Encrypted, consistent backups of the node's database, and their restore.

A backup file is::

    TRMBACKUP\\n
    <header: one line of JSON>\\n
    <nonce (12 bytes)><AES-256-GCM ciphertext of the gzipped dump, with its tag>

The header (format version, created-at, node id, schema, the ids of the field keys whose
ciphertexts the dump holds and the node's public key ids) is the associated data of the
encryption, so altering a byte of it or of the body makes the restore refuse before it
writes anything. The header never holds key material.

The dump is Django's own serialisation of every model of every installed app, read in one
transaction (REPEATABLE READ on PostgreSQL; one deferred read transaction on SQLite, whose
WAL gives it a snapshot without holding the write lock). Field-encrypted columns are copied
as the stored ciphertext, never decrypted, so restoring needs the same TRM_FIELD_KEYS.
Datetimes keep their microseconds, so the audit chain's hashes still verify after a
restore. The dump is held in memory.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import F, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from trm.audit.models import AuditEvent
from trm.audit.verification import Report, verify_chain
from trm.lib.encrypted import cipher, encrypted_fields
from trm.lib.env import env_secret
from trm.lib.fieldcrypto import FieldCipher

MAGIC = b"TRMBACKUP\n"
FORMAT = 1
NONCE_BYTES = 12
# Sessions are not backed up: a restored node starts with everyone logged out.
SKIPPED_APPS = frozenset({"sessions"})
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


class BackupError(Exception):
    """A backup cannot be written or restored; the message names no personal data."""


@dataclass(frozen=True)
class Secret:
    """Either a 32-byte key or a passphrase (stretched with scrypt and a per-file salt)."""

    key: bytes | None = None
    passphrase: str | None = None

    def derive(self, kdf: Mapping[str, Any]) -> bytes:
        if kdf.get("name") == "none":
            if self.key is None:
                raise BackupError("This backup was made with TRM_BACKUP_KEY; set that key to restore it.")
            return self.key
        if kdf.get("name") == "scrypt":
            if self.passphrase is None:
                raise BackupError("This backup was made with TRM_BACKUP_PASSPHRASE; set that passphrase to restore it.")
            try:
                salt = base64.b64decode(str(kdf["salt"]), validate=True)
                n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
            except (KeyError, ValueError, binascii.Error):
                raise BackupError("The backup header is malformed.") from None
            if n > 2**20 or r > 16 or p > 4:
                raise BackupError("The backup header asks for unreasonable scrypt parameters.")
            return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(self.passphrase.encode("utf-8"))
        raise BackupError("The backup header names an unknown key derivation.")

    def new_kdf(self) -> dict[str, Any]:
        if self.key is not None:
            return {"name": "none"}
        return {
            "name": "scrypt",
            "salt": base64.b64encode(os.urandom(16)).decode("ascii"),
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
        }


def parse_key(text: str) -> bytes:
    """A 32-byte key in base64 (standard or URL-safe, padding optional)."""
    cleaned = text.strip().replace("-", "+").replace("_", "/")
    try:
        key = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise BackupError("TRM_BACKUP_KEY is not valid base64.") from None
    if len(key) != 32:
        raise BackupError("TRM_BACKUP_KEY must be 32 bytes (AES-256), e.g. from `openssl rand -base64 32`.")
    return key


def secret_from_env(environ: Mapping[str, str] | None = None) -> Secret:
    """TRM_BACKUP_KEY (or _FILE) wins over TRM_BACKUP_PASSPHRASE (or _FILE)."""
    key = env_secret("TRM_BACKUP_KEY", environ=environ)
    if key:
        return Secret(key=parse_key(key))
    passphrase = env_secret("TRM_BACKUP_PASSPHRASE", environ=environ)
    if passphrase:
        if len(passphrase) < 16:
            raise BackupError("TRM_BACKUP_PASSPHRASE must be at least 16 characters long.")
        return Secret(passphrase=passphrase)
    raise BackupError("Set TRM_BACKUP_KEY (or TRM_BACKUP_KEY_FILE) or TRM_BACKUP_PASSPHRASE to encrypt backups.")


# ------------------------------------------------------------------------------------------
# Dump


def _models() -> list[type[models.Model]]:
    chosen = [c for c in apps.get_app_configs() if c.label not in SKIPPED_APPS]
    ordered = serializers.sort_dependencies([(c, None) for c in chosen], allow_cycles=True)
    return [m for m in ordered if m._meta.managed and not m._meta.proxy]


def _plain(value: Any) -> Any:
    # Unlike DjangoJSONEncoder, keep microseconds: the audit chain hashes them.
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _rows(model: type[models.Model]) -> Iterator[dict[str, Any]]:
    sealed = [f.name for f in encrypted_fields(model)]
    names = [f.name for f in model._meta.local_fields if f.name not in sealed and not f.primary_key]
    names += [f.name for f in model._meta.local_many_to_many]
    qs = model._base_manager.order_by("pk")
    if sealed:
        # The stored ciphertext itself, never decrypted: Cast drops the field's converter.
        qs = qs.defer(*sealed).annotate(**{f"_sealed_{n}": Cast(F(n), TextField()) for n in sealed})
    serializer = serializers.get_serializer("python")()
    for obj in qs.iterator(chunk_size=1000):
        row = serializer.serialize([obj], fields=names)[0]
        if sealed:
            row["sealed"] = {n: getattr(obj, f"_sealed_{n}") for n in sealed}
        yield row


def _schema() -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _node_keys() -> list[dict[str, str]]:
    # A node key's kid is its RFC 7638 thumbprint: the public key's fingerprint.
    try:
        node_key = apps.get_model("exchange", "NodeKey")
    except LookupError:
        return []
    return [
        {"kid": kid, "use": use}
        for kid, use in node_key._base_manager.filter(retired=False).order_by("use", "kid").values_list("kid", "use")
    ]


@dataclass(frozen=True)
class Summary:
    header: dict[str, Any]
    rows: int


def _snapshot() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    kids: set[str] = set()
    counts: dict[str, int] = {}
    for model in _models():
        n = 0
        for row in _rows(model):
            for value in row.get("sealed", {}).values():
                kid = FieldCipher.key_id_of(value) if value else None
                if kid:
                    kids.add(kid)
            rows.append(row)
            n += 1
        if n:
            counts[model._meta.label_lower] = n
    meta = {
        "schema": _schema(),
        "field_key_ids": sorted(kids),
        "node_public_keys": _node_keys(),
        "counts": counts,
    }
    return rows, meta


def dump_snapshot() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every row of every model, read in one transaction so that the dump is consistent."""
    if connection.in_atomic_block:
        # Already inside a transaction (a caller's, or a test's): its snapshot is the one we get.
        return _snapshot()
    if connection.vendor == "sqlite":
        # atomic() would BEGIN IMMEDIATE (settings) and hold the write lock for the whole dump;
        # a deferred transaction reads one WAL snapshot and lets writers go on.
        with connection.cursor() as cur:
            cur.execute("BEGIN DEFERRED")
        try:
            return _snapshot()
        finally:
            with connection.cursor() as cur:
                cur.execute("ROLLBACK")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _snapshot()


def write_backup(*, secret: Secret, now: dt.datetime | None = None) -> tuple[bytes, Summary]:
    rows, meta = dump_snapshot()
    header = {
        "format": FORMAT,
        "created_at": (now or timezone.now()).isoformat(),
        "node_id": settings.TRM_NODE_ID,
        "country": settings.TRM_COUNTRY,
        "database": connection.vendor,
        **meta,
        "kdf": secret.new_kdf(),
    }
    head = MAGIC + json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8") + b"\n"
    body = gzip.compress(
        json.dumps({"rows": rows}, default=_plain, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        mtime=0,
    )
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(secret.derive(header["kdf"])).encrypt(nonce, body, head)
    return head + nonce + sealed, Summary(header=header, rows=len(rows))


# ------------------------------------------------------------------------------------------
# Restore


def read_header(data: bytes) -> tuple[dict[str, Any], bytes, bytes]:
    """(header, associated data, nonce+ciphertext); refuses anything that is not a backup."""
    if not data.startswith(MAGIC):
        raise BackupError("This is not a TRM backup file.")
    end = data.find(b"\n", len(MAGIC))
    if end < 0:
        raise BackupError("The backup header is malformed.")
    try:
        header = json.loads(data[len(MAGIC) : end])
    except (ValueError, UnicodeDecodeError):
        raise BackupError("The backup header is malformed.") from None
    if not isinstance(header, dict):
        raise BackupError("The backup header is malformed.")
    if header.get("format") != FORMAT:
        raise BackupError(f"This backup has format {header.get('format')!r}; this version reads format {FORMAT}.")
    return header, data[: end + 1], data[end + 1 :]


def open_backup(data: bytes, *, secret: Secret) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Check the tag and decrypt; nothing is written to the database here."""
    header, aad, sealed = read_header(data)
    key = secret.derive(header.get("kdf") or {})
    try:
        body = AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError):
        raise BackupError(
            "The backup failed its integrity check: the file was altered or damaged, or the key is wrong. "
            "Nothing was restored."
        ) from None
    try:
        rows = json.loads(gzip.decompress(body))["rows"]
    except (OSError, ValueError, KeyError, TypeError):
        raise BackupError("The backup's content is malformed. Nothing was restored.") from None
    return header, rows


def missing_field_keys(header: Mapping[str, Any]) -> list[str]:
    configured = set(cipher().keys)
    return sorted(k for k in header.get("field_key_ids", []) if k not in configured)


def database_in_use() -> bool:
    """A node with users or audit entries is in use (migrate alone creates neither)."""
    return get_user_model()._base_manager.exists() or AuditEvent.objects.exists()


@dataclass(frozen=True)
class RestoreReport:
    header: dict[str, Any]
    rows: int
    chain: Report
    counts: dict[str, int] = field(default_factory=dict)


def _wipe() -> None:
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=False)
    with connection.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


def _insert(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    sealed_by_row = [row.pop("sealed", None) or {} for row in rows]
    for dobj, sealed in zip(serializers.deserialize("python", rows), sealed_by_row, strict=True):
        obj = dobj.object
        for name, value in sealed.items():
            # An expression is written as is, so the stored ciphertext is not encrypted again.
            setattr(obj, name, None if value is None else models.Value(value, output_field=TextField()))
        dobj.save(force_insert=True)
        label = obj._meta.label_lower
        counts[label] = counts.get(label, 0) + 1
    return counts


def restore(data: bytes, *, secret: Secret, force: bool = False) -> RestoreReport:
    """Check everything, then replace the database's content in one transaction; verify the chain."""
    header, rows = open_backup(data, secret=secret)
    if header.get("node_id") != settings.TRM_NODE_ID:
        # Its node keys, trust list and references belong to that node's identity on the network.
        raise BackupError(
            f"This is a backup of node {header.get('node_id')!r}, and this node is {settings.TRM_NODE_ID!r}; "
            "restore it with that TRM_NODE_ID. Nothing was restored."
        )
    missing = missing_field_keys(header)
    if missing:
        raise BackupError(
            "The backup holds values encrypted under field key(s) "
            f"{', '.join(missing)}, which TRM_FIELD_KEYS does not configure. Nothing was restored."
        )
    if header.get("schema") != _schema():
        raise BackupError(
            "The backup was made at another schema version than this database's; "
            "restore with the TRM version that made it (after `trm migrate`). Nothing was restored."
        )
    if not force and database_in_use():
        raise BackupError("This database is in use (it has users or audit entries); add --force to replace it.")
    with transaction.atomic():
        _wipe()
        counts = _insert(rows)
        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(no_style(), _models()):
                cur.execute(sql)
    return RestoreReport(header=header, rows=len(rows), chain=verify_chain(), counts=counts)

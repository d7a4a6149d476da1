"""Re-encrypt every encrypted field that is not under the primary field key."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction

from trm.lib.encrypted import cipher, encrypted_fields
from trm.lib.fieldcrypto import FieldCipher


@dataclass(frozen=True)
class RotationReport:
    rows_checked: int
    rows_rewritten: int


def rotate(batch_size: int = 500) -> RotationReport:
    primary = cipher().primary
    checked = rewritten = 0
    for model in apps.get_models():
        fields = encrypted_fields(model)
        if not fields:
            continue
        qn = connection.ops.quote_name
        columns = ", ".join(qn(str(f.column)) for f in fields)
        table = qn(model._meta.db_table)
        pk = qn(str(model._meta.pk.column))
        last = None
        while True:
            with connection.cursor() as cur:
                # Plain SELECT on both SQLite and PostgreSQL: raw ciphertexts, key ids readable.
                if last is None:
                    cur.execute(f"SELECT {pk}, {columns} FROM {table} ORDER BY {pk} LIMIT %s", [batch_size])  # noqa: S608 - names from model meta, values bound  # nosec B608
                else:
                    cur.execute(
                        f"SELECT {pk}, {columns} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s",  # noqa: S608 - names from model meta, values bound  # nosec B608
                        [last, batch_size],
                    )
                rows = cur.fetchall()
            if not rows:
                break
            stale = [row[0] for row in rows if any(v and FieldCipher.key_id_of(v) != primary for v in row[1:])]
            with transaction.atomic():
                for obj in model._default_manager.filter(pk__in=stale).select_for_update():
                    obj.save(update_fields=[f.name for f in fields])
            checked += len(rows)
            rewritten += len(stale)
            last = rows[-1][0]
    return RotationReport(rows_checked=checked, rows_rewritten=rewritten)

"""On PostgreSQL, refuse UPDATE and DELETE of audit rows in the database itself.

The hash chain detects an edited or deleted row afterwards; this trigger stops the change
before it happens, whatever the code path (ORM, raw SQL, a psql session as the app's role).
TRUNCATE is not blocked: Django's flush (tests, `trm restore --force`) uses it, and it needs
the TRUNCATE privilege, which by default only the table's owner has (docs/security.md).
SQLite has no such guard; the chain still detects tampering there.
"""

from __future__ import annotations

from django.db import migrations

FUNCTION = "trm_audit_append_only"
TRIGGER = "audit_auditevent_append_only"
TABLE = "audit_auditevent"

CREATE = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % of an audit entry is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
"""

DROP = f"""
DROP TRIGGER IF EXISTS {TRIGGER} ON {TABLE};
DROP FUNCTION IF EXISTS {FUNCTION}();
"""


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_anchored_heads")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

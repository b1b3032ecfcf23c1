"""Database-level append-only guard for the audit log (see audit/models.py for why SQLite keeps
no DELETE trigger)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

SQLITE_FORWARD = [
    """
    CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_update
    BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
    """,
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS audit_auditevent_no_update;"]

POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit log is append-only';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    DROP TRIGGER IF EXISTS audit_auditevent_no_change ON audit_auditevent;
    CREATE TRIGGER audit_auditevent_no_change
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_change ON audit_auditevent;",
    "DROP FUNCTION IF EXISTS audit_auditevent_append_only();",
]


def forward(apps: object, schema_editor: BaseDatabaseSchemaEditor) -> None:
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps: object, schema_editor: BaseDatabaseSchemaEditor) -> None:
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_create_audit_event")]
    operations = [migrations.RunPython(forward, backward)]

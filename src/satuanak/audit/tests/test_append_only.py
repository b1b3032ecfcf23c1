"""The audit log resists change through the application and, underneath, in the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from satuanak.audit.models import AppendOnlyError, AuditAction, AuditEvent
from satuanak.audit.services import audit_record


@pytest.fixture
def event(db: None) -> AuditEvent:
    return audit_record(action=AuditAction.CHILD_VIEWED, subject_type="child", subject_id=1, purpose="uji")


def test_every_action_can_be_recorded(db: None) -> None:
    for action in AuditAction:
        audit_record(action=action, subject_type="uji")
    assert set(AuditEvent.objects.values_list("action", flat=True)) == set(AuditAction.values)


def test_model_save_of_existing_entry_is_refused(event: AuditEvent) -> None:
    event.purpose = "diubah"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).purpose == "uji"


def test_delete_and_bulk_changes_are_refused(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(purpose="diubah")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk, purpose="uji").exists()


def test_database_refuses_update_even_in_raw_sql(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET purpose = 'diubah' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).purpose == "uji"


def test_postgres_refuses_delete_in_raw_sql(event: AuditEvent) -> None:
    if connection.vendor != "postgresql":
        # SQLite has no DELETE trigger (Django's test flush deletes rows there); the app-level
        # guard above covers it. This test's assertion runs in CI's PostgreSQL pass.
        assert connection.vendor == "sqlite"
        return
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_admin_offers_no_way_to_the_log_or_to_personal_data() -> None:
    # The admin bypasses the scoped selectors, so neither the audit log nor personal records are
    # registered there; the steward reads the log at /audit/ (search and export, itself audited).
    from django.contrib import admin

    from satuanak.persons.models import Child, ChildRecord

    for model in (AuditEvent, Child, ChildRecord):
        assert model not in admin.site._registry, model

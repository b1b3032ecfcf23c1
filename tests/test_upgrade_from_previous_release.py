"""Upgrades without loss: a district stored by the previous release survives every migration since.

tests/fixtures/upgrade/*.json.gz hold a small district as a release stored it, made by that
release's own code (tools/make_upgrade_fixture.py; docs/upgrades.md). For each, the test database
is migrated BACK to the release's migration nodes, so its schema is the release's, the rows are
loaded through the release's historical models, and the database is migrated FORWARD to today's
leaf nodes, the way an operator's `satuanak migrate` will run it. Then: every table keeps its row
count, sampled rows keep every value, and the platform works on the upgraded data (sign-in with
the release's password hash, the home page, a child's page, the access selectors).

The database is left at the latest schema whatever happens (try/finally): later tests need it.
"""

from __future__ import annotations

import gzip
import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as current_apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "upgrade").glob("*.json.gz"))

# Tables whose rows a migration since the fixture's release changes on purpose (a data migration
# that rewrites values, adds or removes rows): model label -> why. Listed tables skip the count and
# value checks; everything else must come through unchanged. Empty: no migration so far does that.
CHANGED_ON_PURPOSE: dict[str, str] = {}

# Rows compared value by value in every table (besides the named checks below): first, middle, last.
SAMPLES_PER_TABLE = 3

Node = tuple[str, str]


def _read(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        document: dict[str, Any] = json.load(f)
    assert document["format"] == 1, f"{path.name}: unknown fixture format {document['format']}"
    return document


def _dependency_order(models: Iterable[Any]) -> list[Any]:
    """Models after those their foreign keys point at. Cycles are broken in name order: the load
    runs in one transaction and both backends check foreign keys at commit (deferred)."""
    pending = sorted(models, key=lambda m: m._meta.label)
    labels = {m._meta.label for m in pending}
    placed: list[Any] = []
    while pending:
        names = {m._meta.label for m in placed}
        model = next(
            (
                m
                for m in pending
                if not {
                    f.related_model._meta.label
                    for f in m._meta.concrete_fields
                    if f.is_relation and f.related_model is not m
                }
                & labels - names
            ),
            pending[0],
        )
        pending.remove(model)
        placed.append(model)
    return placed


def _natural_key_to_id(state_apps: Any, label: str, key: list[str]) -> int:
    """Permissions and content types are recreated by Django with ids of their own; the fixture
    names them (tools/make_upgrade_fixture.py)."""
    if label == "contenttypes.contenttype":
        app_label, model = key
        ct = state_apps.get_model("contenttypes", "ContentType")
        return int(ct.objects.get(app_label=app_label, model=model).pk)
    codename, app_label, model = key
    permission = state_apps.get_model("auth", "Permission")
    return int(
        permission.objects.get(
            codename=codename, content_type__app_label=app_label, content_type__model=model
        ).pk
    )


def _value(field: Any, raw: Any, table: dict[str, Any], state_apps: Any) -> Any:
    if raw is None:
        return None
    target = table["natural_keys"].get(field.attname)
    if target is not None:
        return _natural_key_to_id(state_apps, target, raw)
    return field.to_python(raw)


def _load(document: dict[str, Any], state_apps: Any) -> None:
    """Every fixture row into the release's schema, through the release's historical models."""
    tables = {t["model"]: t for t in document["tables"]}
    models = [state_apps.get_model(label) for label in tables]
    order = _dependency_order(models)
    with transaction.atomic():
        for model in order:
            table = tables[model._meta.label_lower]
            by_attname = {f.attname: f for f in model._meta.concrete_fields}
            assert set(table["fields"]) == set(by_attname), (
                f"{model._meta.label}: the fixture's columns {sorted(table['fields'])} are not the "
                f"release's {sorted(by_attname)}; the fixture does not match its own migration nodes"
            )
            for field in by_attname.values():
                # bulk_create runs pre_save: auto_now(_add) would stamp today over the stored dates.
                # These historical models are this test's own copies, so switching it off is local.
                if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                    field.auto_now = field.auto_now_add = False
            fields = [by_attname[a] for a in table["fields"]]
            objs = [
                model(
                    **{
                        f.attname: _value(f, raw, table, state_apps)
                        for f, raw in zip(fields, row, strict=True)
                    }
                )
                for row in table["rows"]
            ]
            model._base_manager.bulk_create(objs, batch_size=500)
    # Rows came with their ids: PostgreSQL's sequences must move past them (SQLite needs nothing).
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), order):
            cursor.execute(sql)


def _release_targets(executor: MigrationExecutor, nodes: list[Node]) -> list[tuple[str, str | None]]:
    graph = executor.loader.graph
    unknown = [n for n in nodes if n not in graph.nodes]
    assert not unknown, (
        f"the fixture's migrations {unknown} are no longer in the tree (squashed or removed?): "
        "refresh the fixture (docs/upgrades.md)"
    )
    release_apps = {app for app, _ in nodes}
    # Apps born after the release are migrated to nothing: their tables do not exist yet.
    born_since = sorted({app for app, _ in graph.leaf_nodes()} - release_apps)
    return [*nodes, *((app, None) for app in born_since)]


def _to_latest(executor: MigrationExecutor) -> list[tuple[Any, bool]]:
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        executor.migrate(executor.loader.graph.leaf_nodes(), plan=plan)
    return plan


def _expected(field: Any, raw: Any, table: dict[str, Any]) -> Any:
    if raw is None:
        return None
    target = table["natural_keys"].get(field.attname)
    if target is not None:
        return _natural_key_to_id(current_apps, target, raw)
    return field.to_python(raw)


def _stored(field: Any, obj: Any) -> Any:
    value = field.value_from_object(obj)
    return value.name if hasattr(value, "storage") else value  # a FieldFile compares by name


def _check_counts_and_samples(document: dict[str, Any]) -> dict[str, int]:
    counts = {}
    for table in document["tables"]:
        label = table["model"]
        if label in CHANGED_ON_PURPOSE:
            continue
        try:
            model = current_apps.get_model(label)
        except LookupError:
            pytest.fail(f"{label} is gone after the upgrade; if on purpose, list it in CHANGED_ON_PURPOSE")
        counts[label] = model._base_manager.count()
        assert counts[label] == len(table["rows"]), (
            f"{label}: {len(table['rows'])} rows before the upgrade, {counts[label]} after"
        )
        rows = table["rows"]
        if not rows:
            continue
        step = max(SAMPLES_PER_TABLE - 1, 1)
        picks = [rows[i] for i in sorted({k * (len(rows) - 1) // step for k in range(SAMPLES_PER_TABLE)})]
        pk_index = table["fields"].index(model._meta.pk.attname)
        objs = model._base_manager.in_bulk([row[pk_index] for row in picks])
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        for row in picks:
            obj = objs[row[pk_index]]
            for attname, raw in zip(table["fields"], row, strict=True):
                field = by_attname.get(attname)
                if field is None:
                    continue  # a column dropped since the release; its table is listed above if it mattered
                assert _stored(field, obj) == _expected(field, raw, table), (
                    f"{label} #{obj.pk}.{attname}: {raw!r} before the upgrade, {_stored(field, obj)!r} after"
                )
    return counts


def _rows(document: dict[str, Any], label: str) -> list[dict[str, Any]]:
    table = next(t for t in document["tables"] if t["model"] == label)
    return [dict(zip(table["fields"], row, strict=True)) for row in table["rows"]]


def _check_named_values(document: dict[str, Any]) -> None:
    """The values the platform is about, checked by name (the samples above are generic)."""
    from satuanak.audit.models import AuditEvent
    from satuanak.flags.models import ChildFlag
    from satuanak.linkage.models import LinkedRecord
    from satuanak.persons.models import Child

    children = _rows(document, "persons.child")
    assert children, "the fixture has no children: the test would prove nothing"
    for before in children[:: max(len(children) // 20, 1)]:
        after = Child.objects.get(pk=before["id"])
        assert (after.nik, after.kk_number, after.name, after.mother_name, after.linkage_key) == (
            before["nik"],
            before["kk_number"],
            before["name"],
            before["mother_name"],
            before["linkage_key"],
        )
        assert after.birth_date == (Child._meta.get_field("birth_date").to_python(before["birth_date"]))
        assert after.field_sources == before["field_sources"]

    # A stunting flag's height-for-age z-score, to the last bit of the float, and its evidence.
    flags = _rows(document, "flags.childflag")
    stunting = [f for f in flags if f["code"] == "stunting" and f["value"] is not None]
    assert stunting
    for before in stunting[:: max(len(stunting) // 10, 1)]:
        after_flag = ChildFlag.objects.get(pk=before["id"])
        assert after_flag.value == before["value"]
        assert after_flag.evidence == before["evidence"]
        assert (after_flag.child_id, after_flag.period, after_flag.status) == (
            before["child_id"],
            before["period"],
            before["status"],
        )
    assert Counter(ChildFlag.objects.values_list("code", "status")) == Counter(
        (f["code"], f["status"]) for f in flags
    )

    # Linkage: every cluster (the source records one child stands for) is the same set as before.
    clusters_before: dict[int, set[str]] = defaultdict(set)
    for record in _rows(document, "linkage.linkedrecord"):
        if record["child_id"] is not None:
            clusters_before[record["child_id"]].add(record["record_id"])
    clusters_after: dict[int, set[str]] = defaultdict(set)
    for record_id, child_id in LinkedRecord.objects.exclude(child=None).values_list("record_id", "child_id"):
        clusters_after[child_id].add(record_id)
    assert clusters_after == clusters_before
    assert any(len(c) > 1 for c in clusters_before.values()), "no cluster joins two sources"

    # The audit log: the same entries, and the last one intact to its JSON detail.
    events = _rows(document, "audit.auditevent")
    assert events
    assert Counter(AuditEvent.objects.values_list("action", flat=True)) == Counter(
        e["action"] for e in events
    )
    last = events[-1]
    after_event = AuditEvent.objects.get(pk=last["id"])
    assert after_event.at == AuditEvent._meta.get_field("at").to_python(last["at"])
    assert (after_event.action, after_event.subject_type, after_event.subject_id, after_event.detail) == (
        last["action"],
        last["subject_type"],
        last["subject_id"],
        last["detail"],
    )


def _check_audit_still_append_only(document: dict[str, Any]) -> None:
    """The audit log's trigger (audit 0002) is still there: on SQLite a migration that rebuilds
    a table (most AlterField) drops the table's triggers with it, silently."""
    event_id = _rows(document, "audit.auditevent")[0]["id"]
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET purpose = purpose WHERE id = %s", [event_id])


def _check_platform_works(document: dict[str, Any], settings: Any) -> None:
    """The upgraded data in use: sign-in, pages, selectors."""
    from django.contrib.auth import authenticate

    from satuanak.access.selectors import children_visible_to
    from satuanak.accounts.models import User

    demo = document["demo_users"]
    assert demo is not None, "the fixture's release has no demo users to sign in with"
    # The release hashed the demo password with production's hashers; the test settings keep only
    # MD5 (speed), which cannot read those hashes. The hash itself must survive the upgrade.
    settings.PASSWORD_HASHERS = document["password_hashers"]

    client = Client()
    response = client.post(reverse("web:login"), {"username": "dinkes", "password": demo["password"]})
    assert response.status_code == 302, "the release's health officer cannot sign in after the upgrade"
    assert client.get(reverse("web:home")).status_code == 200
    # The upgrade recorded a transitional agreement (governance 0004), so the staff keep working
    # for 90 days while the district records its own; a session first chooses its purpose.
    from satuanak.governance.models import DataSharingAgreement

    transition = DataSharingAgreement.objects.get(number="PERALIHAN/SATU-DATA-ANAK")
    last = transition.last_day()
    assert transition.covers_all_agencies and last is not None
    assert (last - transition.valid_from).days == 90
    chosen = client.post(reverse("web:purpose"), {"tujuan": "layanan", "next": "/"})
    assert chosen.status_code == 302, "the upgraded health officer cannot choose a purpose"
    children = _rows(document, "persons.child")
    child = next(c for c in children if c["name"].replace(" ", "").isalpha())
    page = client.get(reverse("web:child-detail", args=[child["id"]]))
    assert page.status_code == 200
    assert child["name"] in page.content.decode()

    # A puskesmas user's area is a set of desa (a many-to-many table): the selector every page
    # starts from returns exactly the release's children of those desa.
    pkm = authenticate(username="pkm_sungai_duri", password=demo["password"])
    assert isinstance(pkm, User)
    user_id = next(u["id"] for u in _rows(document, "accounts.user") if u["username"] == "pkm_sungai_duri")
    area = {r["desa_id"] for r in _rows(document, "accounts.user_area_desa") if r["user_id"] == user_id}
    expected = {c["id"] for c in children if c["desa_id"] in area}
    assert expected, "the puskesmas user sees no child in the fixture"
    assert set(children_visible_to(pkm).values_list("pk", flat=True)) == expected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fixture_path", FIXTURES, ids=[p.name for p in FIXTURES])
def test_upgrade_from_previous_release_keeps_the_data(
    fixture_path: Path, settings: Any, record_property: Any
) -> None:
    document = _read(fixture_path)
    release_nodes: list[Node] = [(app, name) for app, name in document["migrations"]]
    # Start from empty tables, as an operator's database holds only its own rows (the session's
    # reference data would collide with the fixture's ids). The teardown flushes them anyway.
    call_command("flush", interactive=False, verbosity=0)
    finished = False
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(_release_targets(executor, release_nodes))

        # A fresh loader reads django_migrations again: what is applied now must be the release.
        executor = MigrationExecutor(connection)
        graph = executor.loader.graph
        in_release = {n for target in release_nodes for n in graph.forwards_plan(target)}
        assert set(executor.loader.applied_migrations or {}) == in_release
        _load(document, executor.loader.project_state(release_nodes).apps)

        # Not vacuous: every migration written since the release is in the plan, forwards. (Just
        # after the fixture is refreshed at a release there are none until the next one lands; the
        # test then still proves the fixture loads and the platform reads it.)
        new = set(graph.nodes) - in_release
        plan = executor.migration_plan(graph.leaf_nodes())
        assert {(m.app_label, m.name) for m, _ in plan} == new
        assert not any(backwards for _, backwards in plan)

        started = time.perf_counter()
        executor.migrate(graph.leaf_nodes(), plan=plan)
        seconds = time.perf_counter() - started
        finished = True
        rows = sum(len(t["rows"]) for t in document["tables"])
        # Printed (seen with pytest -s) and recorded (junit XML): docs/upgrades.md quotes it.
        print(  # noqa: T201
            f"\n{fixture_path.name}: {len(plan)} migrations forward on {connection.vendor} over "
            f"{rows} rows in {seconds:.2f} s"
        )
        record_property("forward_migration_seconds", round(seconds, 3))
        record_property("forward_migrations", len(plan))

        assert not MigrationExecutor(connection).migration_plan(graph.leaf_nodes())
        _check_counts_and_samples(document)
        _check_named_values(document)
        _check_audit_still_append_only(document)
        _check_platform_works(document, settings)
    finally:
        if not finished:
            # The release's rows may be what a migration choked on: drop them, then bring the
            # schema to the latest so the tests after this one find the tables they expect.
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
            _to_latest(MigrationExecutor(connection))


def test_there_is_a_fixture_of_the_previous_release() -> None:
    assert FIXTURES, "tests/fixtures/upgrade/ holds no release fixture (tools/make_upgrade_fixture.py)"

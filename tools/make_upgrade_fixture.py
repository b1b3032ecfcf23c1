"""Build the upgrade test's fixture: a small district exactly as a past release stored it.

    .venv/bin/python tools/make_upgrade_fixture.py --release <commit> \
        --out tests/fixtures/upgrade/release-<short>.json.gz

The release's code is checked out in a temporary git worktree and drives every step, so the
database has the release's schema and was filled by the release's own code through the path a
district takes (migrate, load_reference, generate, import each export, linkage, flags, demo users,
demo programmes). The rows are then dumped, with the migration nodes they were written under, to
gzipped JSON that tests/test_upgrade_from_previous_release.py loads into the release's schema
before migrating forward. docs/upgrades.md says when to refresh it.

The release runs on this checkout's interpreter (`--python`, default: the one running this tool)
with PYTHONPATH pointing at the worktree's src/. That is only right while the release's
dependencies are the ones installed here; the dump refuses to run if the imported `satuanak` or
`config` is not the worktree's.

What the fixture does not carry, and why:
- contenttypes.ContentType and auth.Permission: Django recreates them after every migrate
  (post_migrate) with ids of its own; rows that point at them (a user's or group's permissions)
  are written by natural key instead of id and resolved again when loaded.
- sessions: signed with the server's SECRET_KEY and short-lived; nobody's upgrade keeps them.
- admin.LogEntry: Django's own admin history, keyed by ContentType id; the platform's record of
  who did what is audit.AuditEvent, which is carried.
- django_tasks_db results: the queue of a third-party app (its schema is its own, upgraded by
  its package, not by us); the operator stops the worker and drains the queue before upgrading.
- Staged Parquet files (SATUANAK_STAGING_DIR) and media files: the test checks what the database
  keeps across migrations; the files are untouched by a migration and are restored with the
  database from the backup. Import batches in the fixture therefore point at files it lacks.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gzip
import json
import os
import shutil

# Runs git and the release's manage.py with fixed argument lists, never through a shell.
import subprocess  # nosec B404
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FORMAT = 1

# The demo's exports and the import command's --source for each (the Makefile's import-synthetic).
EXPORTS: list[tuple[str, str]] = [
    ("siak", "*.csv"),
    ("eppgbm", "*.xlsx"),
    ("imunisasi", "*.csv"),
    ("kia", "*.xlsx"),
    ("dapodik", "*.xlsx"),
    ("simfoni", "*.xlsx"),
]


def _run(cmd: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None, capture: bool = False) -> str:
    if not capture:
        print("$", " ".join(cmd), flush=True)
    done = subprocess.run(  # noqa: S603  # nosec B603
        list(cmd), cwd=cwd, env=env, check=True, stdout=subprocess.PIPE if capture else None, text=True
    )
    return done.stdout or ""


def _release_env(tree: Path, work: Path, today: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SATUANAK_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)  # the release builds on its own SQLite file, never a shared server
    env.update(
        PYTHONPATH=str(tree / "src"),
        DJANGO_SETTINGS_MODULE="config.django.base",  # production's password hasher, not the tests' MD5
        SATUANAK_SQLITE_PATH=str(work / "release.sqlite3"),
        SATUANAK_VAR_DIR=str(work / "var"),
        SATUANAK_STAGING_DIR=str(work / "var" / "staging"),
        SATUANAK_MEDIA_ROOT=str(work / "var" / "media"),
        # As `make demo` does: deadlines and 100-day programmes read as on the district's date.
        SATUANAK_TODAY=today,
    )
    return env


def build(args: argparse.Namespace) -> None:
    commit = _run(["git", "rev-parse", "--verify", f"{args.release}^{{commit}}"], cwd=ROOT, capture=True)
    commit = commit.strip()
    subject = _run(["git", "log", "-1", "--format=%s", commit], cwd=ROOT, capture=True).strip()
    out = args.out.resolve()
    work = Path(tempfile.mkdtemp(prefix=f"upgrade-fixture-{commit[:7]}-"))
    tree = work / "release"
    _run(["git", "worktree", "add", "--detach", str(tree), commit], cwd=ROOT)
    try:
        env = _release_env(tree, work, args.reference_date)
        py = args.python
        manage = [py, str(tree / "manage.py")]
        synthetic = work / "synthetic"
        _run([*manage, "migrate", "--no-input", "-v", "0"], cwd=tree, env=env)
        _run([*manage, "load_reference"], cwd=tree, env=env)
        _run(
            [
                *manage,
                "generate",
                "--children",
                str(args.children),
                "--seed",
                str(args.seed),
                "--reference-date",
                args.reference_date,
                "--out",
                str(synthetic),
            ],
            cwd=tree,
            env=env,
        )
        for source, pattern in EXPORTS:
            files = sorted((synthetic / "exports" / source).glob(pattern))
            if not files:
                raise SystemExit(f"the release's generator wrote no {source} export ({pattern})")
            _run([*manage, "import", "--quiet", "--source", source, *map(str, files)], cwd=tree, env=env)
        _run([*manage, "linkage", "run", "--quiet", "--as-of", args.reference_date], cwd=tree, env=env)
        _run([*manage, "flags", "recompute", "--quiet", "--as-of", args.reference_date], cwd=tree, env=env)
        _run([*manage, "demo_users"], cwd=tree, env=env)
        _run([*manage, "demo_programmes", "--reference-date", args.reference_date], cwd=tree, env=env)
        # The dump runs in its own process under the release's code (this file, re-entered).
        made_with = {
            "children": args.children,
            "seed": args.seed,
            "reference_date": args.reference_date,
            "commit": commit,
            "subject": subject,
        }
        dump_cmd = [py, str(Path(__file__).resolve()), "--dump-into", str(out), "--worktree", str(tree)]
        _run([*dump_cmd, "--made-with", json.dumps(made_with)], cwd=tree, env=env)
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            _run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)
            shutil.rmtree(work, ignore_errors=True)


# --- the dump (runs inside the release's code) --------------------------------------------------


def _json_default(value: Any) -> Any:
    """DjangoJSONEncoder, but datetimes and times keep their microseconds (it cuts them to
    milliseconds, and the fixture must hold the values the release stored, not rounded ones)."""
    from django.core.serializers.json import DjangoJSONEncoder

    if isinstance(value, dt.datetime | dt.time):
        return value.isoformat()
    return DjangoJSONEncoder().default(value)


def _dependency_order(models: Iterable[Any]) -> list[Any]:
    """Models ordered so that a model comes after those its foreign keys point at (cycles, which
    deferred constraints allow within one transaction, are broken in name order)."""
    pending = sorted(models, key=lambda m: m._meta.label)
    labels = {m._meta.label for m in pending}
    done: list[Any] = []
    placed: set[str] = set()
    while pending:
        for model in pending:
            needs = {
                f.related_model._meta.label
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model is not model
            }
            if not (needs & labels) - placed:
                break
        else:
            model = pending[0]
        pending.remove(model)
        done.append(model)
        placed.add(model._meta.label)
    return done


def dump(out: Path, tree: Path, made_with: dict[str, Any]) -> None:
    import django

    django.setup()
    import config
    import satuanak

    for package in (satuanak, config):
        origin = Path(str(package.__file__)).resolve()
        if not origin.is_relative_to(tree.resolve()):
            raise SystemExit(f"{package.__name__} was imported from {origin}, not from the release at {tree}")

    from django.apps import apps
    from django.conf import settings
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection)
    applied = set(loader.applied_migrations or {})
    unapplied = set(loader.graph.nodes) - applied
    if unapplied:
        raise SystemExit(f"the release's database is not fully migrated: {sorted(unapplied)}")
    # Per app, the applied node no applied node of the same app builds on (as graph.leaf_nodes()
    # counts leaves): the schema the rows match. A later app's migration depending on it does not
    # make it less of a leaf.
    nodes = sorted(
        n
        for n in applied
        if not any(child[0] == n[0] and child in applied for child in loader.graph.node_map[n].children)
    )

    skipped = {"contenttypes.contenttype", "auth.permission"}  # recreated by post_migrate (see top)
    natural = skipped  # rows pointing at those are written by natural key
    chosen = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.label_lower in skipped or meta.proxy or not meta.managed:
            continue
        if not (meta.app_config.name.startswith("satuanak.") or meta.app_label == "auth"):
            continue
        if meta.parents:
            raise SystemExit(f"{meta.label} inherits a table; the loader's bulk_create cannot load it")
        chosen.append(model)

    tables = []
    for model in _dependency_order(chosen):
        fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
        by_natural_key = {
            f.attname: f.related_model._meta.label_lower
            for f in fields
            if f.is_relation and f.related_model._meta.label_lower in natural
        }
        rows = []
        for obj in model._base_manager.order_by("pk").iterator(chunk_size=2000):
            row = []
            for field in fields:
                value = field.value_from_object(obj)
                if field.attname in by_natural_key and value is not None:
                    target = getattr(obj, field.name)
                    value = list(target.natural_key())
                elif isinstance(value, bytes | memoryview):
                    value = base64.b64encode(bytes(value)).decode("ascii")  # BinaryField.to_python reads it
                elif hasattr(value, "name") and hasattr(value, "storage"):
                    value = value.name  # a FieldFile: the row keeps the file's name, not the file
                row.append(value)
            rows.append(row)
        tables.append(
            {
                "model": model._meta.label_lower,
                "db_table": model._meta.db_table,
                "fields": [f.attname for f in fields],
                "natural_keys": by_natural_key,
                "rows": rows,
            }
        )

    demo: dict[str, Any] | None = None
    try:
        from satuanak.demo import services as demo_services

        demo = {
            "password": demo_services.DEMO_PASSWORD,
            "usernames": [entry[0] for entry in demo_services.DEMO_USERS],
        }
    except (ImportError, AttributeError):
        demo = None  # a release without the demo users: the test skips the password check

    document = {
        "format": FORMAT,
        "release": made_with,
        "django": django.get_version(),
        "vendor": connection.vendor,
        "migrations": [list(n) for n in nodes],
        "password_hashers": list(settings.PASSWORD_HASHERS),
        "demo_users": demo,
        "not_carried": [
            "contenttypes, auth.permission (recreated by post_migrate; referenced by natural key)",
            "sessions, admin log entries, django_tasks_db results",
            "staged Parquet files and media files (files, not database rows)",
        ],
        "tables": tables,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the gzip header does not change when the content does not.
    with out.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(json.dumps(document, default=_json_default, separators=(",", ":")).encode("utf-8"))
    total = sum(len(t["rows"]) for t in tables)
    print(f"{out}: {out.stat().st_size / 1e6:.2f} MB, {len(tables)} tables, {total} rows")
    for table in tables:
        if table["rows"]:
            print(f"  {table['model']:<45} {len(table['rows']):>7}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--release", help="the release's commit (or tag)")
    parser.add_argument("--out", type=Path, help="the fixture to write (.json.gz)")
    parser.add_argument("--children", type=int, default=400, help="children in the district (400)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--reference-date", default="2024-12-31", help="the district's 'today'")
    parser.add_argument("--python", default=sys.executable, help="interpreter that runs the release")
    parser.add_argument("--keep", action="store_true", help="keep the worktree and the database")
    # Internal: the second half, run by build() under the release's code.
    parser.add_argument("--dump-into", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--worktree", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--made-with", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.dump_into:
        dump(args.dump_into, args.worktree, json.loads(args.made_with))
    elif args.release and args.out:
        build(args)
    else:
        parser.error("--release and --out are required")


if __name__ == "__main__":
    main()

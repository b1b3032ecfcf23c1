"""`satuanak backup` and `satuanak restore`, run as an operator runs them (subprocesses), on the
engine the suite runs on (SQLite, or PostgreSQL with DATABASE_URL).

The proof that a restore is complete: a district built through the real path (generate, import,
link, flag) is backed up, restored into a genuinely empty database and empty folders, and every
table's row count and checksum and every file's bytes are compared with the source.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

from satuanak.ops import crypto
from satuanak.ops.backup import DB_MEMBERS, MANIFEST
from satuanak.ops.fingerprint import Fingerprints, table_fingerprints

REPO = Path(__file__).resolve().parents[4]
AS_OF = date(2024, 12, 31)
# The one audit entry the restore writes after its own check touches these two tables (and
# SQLite's AUTOINCREMENT counter for it); they are compared row by row instead.
TOUCHED_BY_RESTORE = {"audit_auditevent", "sqlite_sequence"}

pytestmark = pytest.mark.django_db(transaction=True)


# ---------------------------------------------------------------- places: a database + folders


@dataclass
class Place:
    db: str  # SQLite file path, or PostgreSQL database name
    media: Path
    staging: Path

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "SATUANAK_SQLITE_PATH", "SATUANAK_BACKUP_KEY_FILE"}
        }
        # What an operator's shell has: the ordinary settings, not the test settings.
        env["DJANGO_SETTINGS_MODULE"] = "config.django.base"
        env["SATUANAK_MEDIA_ROOT"] = str(self.media)
        env["SATUANAK_STAGING_DIR"] = str(self.staging)
        if connection.vendor == "sqlite":
            env["SATUANAK_SQLITE_PATH"] = self.db
        else:
            env["DATABASE_URL"] = _pg_url(self.db)
        return env

    def connect(self) -> Any:
        """A connection of its own, beside Django's."""
        if connection.vendor == "sqlite":
            return sqlite3.connect(self.db)
        import psycopg

        return psycopg.connect(**_pg_params(self.db))


def _pg_params(dbname: str) -> dict[str, Any]:
    s = connection.settings_dict
    params = {"dbname": dbname, "host": s["HOST"], "port": s["PORT"], "user": s["USER"]}
    if s.get("PASSWORD"):
        params["password"] = s["PASSWORD"]
    return {k: v for k, v in params.items() if v}


def _pg_url(dbname: str) -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{quote(dbname, safe='')}"


@pytest.fixture
def source(settings: Any, tmp_path: Path) -> Place:
    """The test database and this test's folders: what `backup` reads."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Place(
        db=str(connection.settings_dict["NAME"]),
        media=Path(settings.MEDIA_ROOT),
        staging=Path(settings.SATUANAK_STAGING_DIR),
    )


@pytest.fixture
def empty_place(tmp_path: Path) -> Iterator[Place]:
    """A genuinely empty target: a new SQLite path, or a newly created PostgreSQL database."""
    target = tmp_path / "elsewhere"
    if connection.vendor == "sqlite":
        yield Place(
            db=str(target / "db" / "satuanak.sqlite3"), media=target / "media", staging=target / "staging"
        )
        return
    import psycopg
    from psycopg import sql

    name = f"satuanak_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(**_pg_params("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield Place(db=name, media=target / "media", staging=target / "staging")
    finally:
        with psycopg.connect(**_pg_params("postgres"), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "kunci" / "satuanak-backup.key"
    path.parent.mkdir()
    crypto.key_file_write(path)
    return path


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, str(REPO / "manage.py"), *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _refused(done: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    assert "CommandError" in done.stderr, done.stderr
    for fragment in fragments:
        assert fragment in done.stderr, (fragment, done.stderr)
    return done.stderr


def _backup(place: Place, out: Path, *extra: str) -> Path:
    _ok(_manage("backup", "--out", f"{out}/", *extra, env=place.env()))
    (archive,) = [p for p in out.iterdir() if p.name.startswith("satuanak-")]
    return archive


def _fingerprints(place: Place) -> Fingerprints:
    conn = place.connect()
    try:
        return table_fingerprints(conn)
    finally:
        conn.close()


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _members(archive: Path, key: bytes | None) -> dict[str, bytes]:
    with archive.open("rb") as f:
        stream: Any = io.BufferedReader(crypto.DecryptingReader(f, key)) if key else f
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            out = {}
            for member in tar:
                extracted = tar.extractfile(member)
                assert extracted is not None
                out[member.name] = extracted.read()
    return out


def _untouched(place: Place) -> None:
    """Nothing was written for a refused restore: no database content, no folders, no leftovers."""
    if connection.vendor == "sqlite":
        assert not Path(place.db).exists() or _fingerprints(place) == {}
    else:
        assert _fingerprints(place) == {}
    assert not place.media.exists() and not place.staging.exists()
    folders = {place.media.parent, place.staging.parent}
    if connection.vendor == "sqlite":
        folders.add(Path(place.db).parent)
    leftovers = [p for folder in folders if folder.exists() for p in folder.iterdir() if "restore" in p.name]
    assert leftovers == []


def _write_files(place: Place) -> None:
    """Files of the kinds the platform keeps, with names and sizes that test the edges."""
    files = {
        place.media / "referrals" / "2024" / "surat rujukan ñ €.pdf": b"%PDF-1.4 surat\n",
        place.media / "kla" / "kosong.txt": b"",
        # Bigger than one encryption chunk (1 MiB), not a multiple of it.
        place.media / "prap" / "foto.jpg": os.urandom(3 * (1 << 20) + 17),
        place.staging / "manual-batch.parquet": os.urandom(4096),
    }
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


# ---------------------------------------------------------------- the proof of a complete restore


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from satuanak.synth import generate_district

    out = tmp_path_factory.mktemp("district")
    generate_district(
        out_dir=out,
        children=300,
        seed=17,
        reference_date=AS_OF,
        data_dir=Path(django_settings.SATUANAK_DATA_DIR),
    )
    return out


def test_a_restore_reproduces_every_table_and_every_file(
    district: Path,
    reference_data: None,
    personas: dict[str, Any],
    source: Place,
    empty_place: Place,
    key_file: Path,
    tmp_path: Path,
) -> None:
    from satuanak.flags.services import flags_recompute
    from satuanak.imports.tests.helpers import import_exports
    from satuanak.linkage.services import linkage_run

    import_exports(district)
    linkage_run(as_of=AS_OF)
    flags_recompute(as_of=AS_OF)
    _write_files(source)
    before = table_fingerprints(connection)
    # A district, not a handful of rows: the imports' copies and staged rows are real files.
    assert before["persons_child"][0] >= 200
    assert before["flags_childflag"][0] > 0 and before["imports_importbatch"][0] > 0
    assert any(name.startswith("imports/") for name in _tree(source.media))
    assert any(name.endswith(".parquet") for name in _tree(source.staging))
    source_audit = _audit_rows(connection)

    started = time.monotonic()
    archive = _backup(source, tmp_path / "backups", "--key-file", str(key_file))
    backup_seconds = time.monotonic() - started
    key = crypto.key_file_read(key_file)

    # The archive: the database first, the manifest last, and the manifest recorded exactly
    # the tables as they were.
    members = _members(archive, key)
    names = list(members)
    assert names[0] == DB_MEMBERS[connection.vendor] and names[-1] == MANIFEST
    manifest = json.loads(members[MANIFEST])
    assert manifest["engine"] == connection.vendor and manifest["format_version"] == 1
    assert {t: (v["rows"], v["checksum"]) for t, v in manifest["tables"].items()} == before
    assert "persons" in manifest["schema"] and manifest["platform_version"]
    assert set(manifest["files"]) == {f"media/{n}" for n in _tree(source.media)} | {
        f"staging/{n}" for n in _tree(source.staging)
    }

    started = time.monotonic()
    restored_out = _ok(_manage("restore", str(archive), "--key-file", str(key_file), env=empty_place.env()))
    restore_seconds = time.monotonic() - started
    assert "Dipulihkan / restored" in restored_out and "migrate" not in restored_out

    # Every table, counted and checksummed on a connection of its own.
    after = _fingerprints(empty_place)
    assert set(after) == set(before)
    differing = [t for t in before if t not in TOUCHED_BY_RESTORE and after[t] != before[t]]
    assert differing == []
    # The audit log: the source's entries, then the restore's own.
    conn = empty_place.connect()
    try:
        restored_audit = _audit_rows(conn)
        if connection.vendor == "sqlite":
            sequences = dict(conn.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    finally:
        conn.close()
    assert restored_audit[:-1] == source_audit
    assert restored_audit[-1][1] == "backup_restored" and restored_audit[-1][2] == archive.name
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, seq FROM sqlite_sequence")
            source_sequences = dict(cursor.fetchall())
        # The source has since recorded its backup; the restored one its restore: one more each.
        assert sequences == source_sequences
    # Every file, byte for byte.
    assert _tree(empty_place.media) == _tree(source.media)
    assert _tree(empty_place.staging) == _tree(source.staging)
    # The source recorded its backup.
    created = _audit_rows(connection)[-1]
    assert created[1] == "backup_created" and created[2] == archive.name
    # The restored platform is current with this code: nothing left to migrate.
    _ok(_manage("migrate", "--check", env=empty_place.env()))
    sys.stderr.write(
        f"\n[backup-restore {connection.vendor}] {sum(n for n, _ in before.values())} rows in "
        f"{len(before)} tables, {len(manifest['files'])} files, archive {archive.stat().st_size} bytes: "
        f"backup {backup_seconds:.1f} s, restore {restore_seconds:.1f} s (subprocess wall time)\n"
    )


def _audit_rows(conn: Any) -> list[tuple[Any, ...]]:
    cursor = conn.cursor()
    try:
        cursor.execute("SELECT id, action, subject_id FROM audit_auditevent ORDER BY id")
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


# ---------------------------------------------------------------- refusals


@pytest.fixture
def small(reference_data: None, personas: dict[str, Any], source: Place) -> Place:
    """A little platform: reference data, users, a few files."""
    _write_files(source)
    return source


def test_restore_refuses_a_target_that_holds_data_unless_forced(
    small: Place, empty_place: Place, key_file: Path, tmp_path: Path
) -> None:
    archive = _backup(small, tmp_path / "backups", "--key-file", str(key_file))
    _ok(_manage("restore", str(archive), "--key-file", str(key_file), env=empty_place.env()))
    first = _fingerprints(empty_place)
    files = _tree(empty_place.media)

    again = _manage("restore", str(archive), "--key-file", str(key_file), env=empty_place.env())
    _refused(again, "sudah berisi data", "already holds data", "--force")
    assert _fingerprints(empty_place) == first
    assert _tree(empty_place.media) == files

    forced = _ok(
        _manage("restore", str(archive), "--key-file", str(key_file), "--force", env=empty_place.env())
    )
    assert "pre-restore" in forced
    after = _fingerprints(empty_place)
    assert {t: v for t, v in after.items() if t not in TOUCHED_BY_RESTORE} == {
        t: v for t, v in first.items() if t not in TOUCHED_BY_RESTORE
    }
    assert after["audit_auditevent"][0] == first["audit_auditevent"][0]  # old log replaced, one new entry
    assert _tree(empty_place.media) == files
    # The replaced folders were set aside, not deleted.
    aside = [p for p in empty_place.media.parent.iterdir() if p.name.startswith("media.pre-restore-")]
    assert len(aside) == 1 and _tree(aside[0]) == files


def test_a_tampered_or_truncated_archive_is_refused_and_nothing_changes(
    small: Place, empty_place: Place, key_file: Path, tmp_path: Path
) -> None:
    archive = _backup(small, tmp_path / "backups", "--key-file", str(key_file))
    data = archive.read_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x20
    damaged = {"flipped": bytes(flipped), "truncated": data[: len(data) - 1000]}
    for name, content in damaged.items():
        bad = tmp_path / f"{name}.tar.enc"
        bad.write_bytes(content)
        done = _manage("restore", str(bad), "--key-file", str(key_file), env=empty_place.env())
        _refused(done, "rusak", "damaged")
        _untouched(empty_place)


def test_a_wrong_or_missing_key_is_refused(
    small: Place, empty_place: Place, key_file: Path, tmp_path: Path
) -> None:
    archive = _backup(small, tmp_path / "backups", "--key-file", str(key_file))
    other = tmp_path / "lain.key"
    crypto.key_file_write(other)
    _refused(
        _manage("restore", str(archive), "--key-file", str(other), env=empty_place.env()),
        "Kunci salah",
        "Wrong key",
    )
    _refused(_manage("restore", str(archive), env=empty_place.env()), "terenkripsi", "encrypted")
    _untouched(empty_place)
    # The --check of an off-site copy needs the right key too, and changes nothing.
    assert "Arsip utuh / archive verified" in _ok(
        _manage("restore", str(archive), "--check", "--key-file", str(key_file), env=empty_place.env())
    )
    _untouched(empty_place)


def test_a_backup_without_a_key_is_refused_unless_no_encrypt(
    small: Place, empty_place: Place, key_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "backups"
    _refused(
        _manage("backup", "--out", f"{out}/", env=small.env()), "Tidak ada kunci", "no key", "--no-encrypt"
    )
    assert not out.exists() or not any(out.iterdir())
    # The key may also come from the environment.
    env = small.env() | {"SATUANAK_BACKUP_KEY_FILE": str(key_file)}
    _ok(_manage("backup", "--out", f"{out}/enc/", env=env))
    (encrypted,) = (out / "enc").iterdir()
    assert crypto.is_encrypted(encrypted.read_bytes()[:64])

    plain = _backup(small, out / "plain", "--no-encrypt")
    assert plain.name.endswith(".tar") and tarfile.is_tarfile(plain)
    members = _members(plain, None)
    assert list(members)[-1] == MANIFEST and json.loads(members[MANIFEST])["encrypted"] is False
    # A plain archive restores without a key.
    _ok(_manage("restore", str(plain), env=empty_place.env()))
    assert _tree(empty_place.media) == _tree(small.media)


def _repack(archive: Path, out: Path, change: Any) -> Path:
    """A plain archive rewritten member by member through change(name, data) -> (name, data)."""
    members = _members(archive, None)
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members.items():
            name, data = change(name, data)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def test_plain_archives_that_do_not_match_this_target_or_this_code_are_refused(
    small: Place, empty_place: Place, tmp_path: Path
) -> None:
    plain = _backup(small, tmp_path / "backups", "--no-encrypt")
    other_engine = next(member for vendor, member in DB_MEMBERS.items() if vendor != connection.vendor)

    def from_other_engine(name: str, data: bytes) -> tuple[str, bytes]:
        return (other_engine, data) if name == DB_MEMBERS[connection.vendor] else (name, data)

    def from_the_future(name: str, data: bytes) -> tuple[str, bytes]:
        if name != MANIFEST:
            return name, data
        manifest = json.loads(data)
        manifest["schema"]["persons"].append("9999_from_a_newer_release")
        return name, json.dumps(manifest).encode()

    def with_a_changed_file(name: str, data: bytes) -> tuple[str, bytes]:
        return (name, data[:-1] + b"!") if name.endswith("surat rujukan ñ €.pdf") else (name, data)

    cases = {
        from_other_engine: ("mesin yang sama", "same engine"),
        from_the_future: ("lebih baru", "newer"),
        with_a_changed_file: ("isi berbeda", "checksum differs"),
    }
    for change, fragments in cases.items():
        bad = _repack(plain, tmp_path / f"{change.__name__}.tar", change)
        _refused(_manage("restore", str(bad), env=empty_place.env()), *fragments)
        _untouched(empty_place)
    _refused(
        _manage("restore", str(tmp_path / "tidak-ada.tar.enc"), env=empty_place.env()),
        "tidak ditemukan",
        "not found",
    )

"""Row count and an order-independent checksum of every table: what a backup saw, and what a
restore must find again.

Every table the database holds is included, Django's own (migrations, content types, sessions,
the task queue) and SQLite's sqlite_sequence (the AUTOINCREMENT counters, without which a
restored database would hand out ids again) alike: a restore that is complete reproduces all of
them, and a table left out here is a table nobody checks.

The checksum of a table is the sum of one hash per row, so the order in which rows come back
does not matter, and a changed, missing or extra row changes it. Checksums are compared only
between two databases of the same engine (backup and restore refuse to mix engines), so the two
engines need not agree with each other.

Works on a Django connection or a bare DB-API connection (sqlite3, psycopg): the restore test
opens the restored database on its own, beside Django's.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

Fingerprints = dict[str, tuple[int, str]]

_MASK = (1 << 64) - 1
# PostgreSQL renders a row as text by the session's settings (a timestamptz in the session's
# time zone): pin them, so Django's connection (UTC) and a bare psycopg one (the server's zone)
# render, and therefore hash, the same row the same way.
_PG_ROW_SUM = "coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint::numeric), 0)::text"
_PG_SETTINGS = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, MDY",
    "IntervalStyle": "postgres",
    "extra_float_digits": "1",
    "bytea_output": "hex",
}


def _vendor(connection: Any) -> str:
    vendor = getattr(connection, "vendor", None)
    if isinstance(vendor, str):
        return vendor
    if isinstance(connection, sqlite3.Connection):
        return "sqlite"
    if type(connection).__module__.startswith("psycopg"):
        return "postgresql"
    raise TypeError(f"unsupported connection: {type(connection)!r}")


@contextmanager
def _cursor(connection: Any) -> Iterator[Any]:
    # sqlite3's cursor is no context manager; Django's and psycopg's are.
    cursor = connection.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_fingerprints(connection: Any) -> Fingerprints:
    """{table: (rows, checksum)} for every table of the connection's database (its current
    schema on PostgreSQL)."""
    vendor = _vendor(connection)
    if vendor == "sqlite":
        return _sqlite(connection)
    if vendor == "postgresql":
        return _postgresql(connection)
    raise TypeError(f"unsupported database engine: {vendor}")


def _sqlite(connection: Any) -> Fingerprints:
    result: Fingerprints = {}
    with _cursor(connection) as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(f"PRAGMA table_info({_quote(table)})")
            columns = [row[1] for row in cursor.fetchall()]
            # quote() renders each value as an SQL literal: text, so Django's type converters
            # (which a bare sqlite3 connection lacks) cannot make one row hash two ways.
            select = ", ".join(f"quote({_quote(c)})" for c in columns) or "1"
            # Table and column names come from the catalogue and are quoted.
            cursor.execute(f"SELECT {select} FROM {_quote(table)}")  # noqa: S608  # nosec B608
            rows = 0
            total = 0
            while batch := cursor.fetchmany(10_000):
                for row in batch:
                    digest = hashlib.blake2b("\x1f".join(row).encode(), digest_size=8).digest()
                    total = (total + int.from_bytes(digest, "big")) & _MASK
                rows += len(batch)
            result[table] = (rows, f"{total:016x}")
    return result


def _postgresql(connection: Any) -> Fingerprints:
    result: Fingerprints = {}
    with _cursor(connection) as cursor:
        names = list(_PG_SETTINGS)
        cursor.execute("SELECT " + ", ".join(f"current_setting('{n}')" for n in names))
        before = dict(zip(names, cursor.fetchone(), strict=True))
        _pg_set(cursor, _PG_SETTINGS)
        try:
            # Ordinary tables of the current schema: Django keeps everything there. Sequences
            # are not tables; pg_dump carries their positions and a restored one would only show
            # here as a failed insert. Partitioned parents hold no rows of their own.
            cursor.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY c.relname"
            )
            tables = [row[0] for row in cursor.fetchall()]
            for table in tables:
                # The first 60 bits of each row's md5, summed as numeric: exact, computed by the
                # server, so a table of millions of rows is never fetched into Python.
                sql = f"SELECT count(*), {_PG_ROW_SUM} FROM {_quote(table)} AS t"  # noqa: S608  # nosec B608
                cursor.execute(sql)
                count, checksum = cursor.fetchone()
                result[table] = (int(count), str(checksum))
        finally:
            _pg_set(cursor, before)
    return result


def _pg_set(cursor: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        # set_config takes parameters, so a value like 'ISO, MDY' needs no quoting of ours.
        cursor.execute("SELECT set_config(%s, %s, false)", [name, value])


def fingerprints_compare(expected: Fingerprints, actual: Fingerprints) -> list[str]:
    """What differs, one line per table (empty when the two agree)."""
    problems = []
    for table in sorted(set(expected) | set(actual)):
        if table not in actual:
            problems.append(f"{table}: tidak ada / missing")
        elif table not in expected:
            problems.append(f"{table}: tidak ada di arsip / not in the archive ({actual[table][0]} rows)")
        elif tuple(expected[table]) != tuple(actual[table]):
            (want_rows, want_sum), (got_rows, got_sum) = expected[table], actual[table]
            if want_rows != got_rows:
                problems.append(
                    f"{table}: {got_rows} baris, seharusnya {want_rows} / rows, expected {want_rows}"
                )
            else:
                problems.append(f"{table}: isi berbeda / content differs ({got_sum} != {want_sum})")
    return problems

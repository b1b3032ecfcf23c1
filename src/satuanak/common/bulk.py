"""Bulk inserts for batch stages: COPY on PostgreSQL, executemany on SQLite.

Hundreds of thousands of rows through the ORM's bulk_create cost seconds of object building;
this streams tuples. JSON columns take JSON text. The caller holds the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

_CHUNK = 50_000


def bulk_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    quote = connection.ops.quote_name  # "column" is a reserved word
    table_sql = quote(table)
    columns_sql = ", ".join(quote(c) for c in columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
            with raw.copy(f"COPY {table_sql} ({columns_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    placeholders = ", ".join(["%s"] * len(columns))
    # Table and column names are the caller's constants, quoted; values go as parameters.
    sql = f"INSERT INTO {table_sql} ({columns_sql}) VALUES ({placeholders})"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        chunk: list[Sequence[Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= _CHUNK:
                cursor.executemany(sql, chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)

"""Benchmark issue 12's stage: FHIR R4 export and import, and measurements through the API.

A scratch SQLite database (var/bench/interop/) gets Bengkayang's reference data and N children,
each with a SIAK record, four weighings and five vaccine doses (the linked records a child's
page shows). Then, in the same process:

- FHIR export: every child as a transaction Bundle, a page of 200 at a time (as
  GET /api/v1/fhir/Bundle/ serves them), each page validated with fhir.resources — beside the
  bare task's baseline: one query for the same records and `json.dumps` of them;
- FHIR import: bundles of Patient + Observation (500 children, 2,000 weighings per bundle)
  through POST /api/v1/fhir/Bundle/ (parse, validate, the e-PPGBM import) — beside DuckDB's
  plain read of the same rows as a CSV (`CREATE TABLE t AS SELECT * FROM read_csv(...)`);
- measurements as JSON through POST /api/v1/pengukuran/ (500 per request) — same baseline.

    .venv/bin/python bench/interop.py                  # 2,000 children (export), 10,000 rows in
    .venv/bin/python bench/interop.py --children 10000 --rows 20000

The last line is one JSON object: export_children_per_s, export_resources_per_s,
export_vs_baseline, fhir_import_rows_per_s, fhir_import_vs_duckdb, api_rows_per_s,
api_vs_duckdb, peak_rss_mb.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "bench" / "interop"
sys.path.insert(0, str(ROOT / "src"))

ANTIGENS = ("HB0", "BCG", "OPV1", "DPT-HB-Hib1", "OPV2")


def _setup_django() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    db = WORK / "db.sqlite3"
    db.unlink(missing_ok=True)
    os.environ.pop("DATABASE_URL", None)
    os.environ["SATUANAK_SQLITE_PATH"] = str(db)
    os.environ["SATUANAK_DEBUG"] = "false"
    os.environ["SATUANAK_STAGING_DIR"] = str(WORK / "staging")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.django.base"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    settings.SATUANAK_API_RATE_PER_MINUTE = 10**9  # the benchmark is one very busy client
    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)


def _populate(n: int) -> Any:
    from satuanak.accounts.models import User
    from satuanak.persons.models import Child, ChildRecord
    from satuanak.regions.models import Desa

    user = User.objects.create_user(username="bench", password=None, role="data_steward")
    user.area_level = User.AreaLevel.DISTRICT
    user.save()
    desa = list(Desa.objects.order_by("code"))
    children = Child.objects.bulk_create(
        [
            Child(
                name=f"ANAK {i}",
                nik=f"6107{i:012d}",
                sex="L" if i % 2 else "P",
                birth_date=date(2022, 1, 1) + timedelta(days=i % 600),
                desa=desa[i % len(desa)],
                mother_name=f"IBU {i}",
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    records: list[ChildRecord] = []
    for c in children:
        assert c.birth_date is not None
        records.append(ChildRecord(child=c, source="siak", record_id=f"siak:{c.pk}", summary={"akta": "ada"}))
        for k in range(4):
            on = c.birth_date + timedelta(days=120 + 90 * k)
            records.append(
                ChildRecord(
                    child=c,
                    source="eppgbm",
                    record_id=f"eppgbm:{c.pk}",
                    observed_on=on,
                    summary={
                        "weight_kg": f"{6 + k * 0.9:.1f}",
                        "height_cm": f"{62 + 4 * k:.1f}",
                        "position": "lying",
                    },
                )
            )
        for k, antigen in enumerate(ANTIGENS):
            records.append(
                ChildRecord(
                    child=c,
                    source="imunisasi",
                    record_id=f"imunisasi:{c.pk}",
                    observed_on=c.birth_date + timedelta(days=30 * k),
                    summary={"vaccine": antigen, "place": "Posyandu"},
                )
            )
    ChildRecord.objects.bulk_create(records, batch_size=5000)
    return user


def _export(user: Any, n: int) -> dict[str, Any]:
    from satuanak.interop.fhir.export import children_bundle
    from satuanak.persons.models import ChildRecord

    t = time.perf_counter()
    resources = 0
    for offset in range(0, n, 200):
        bundle, total = children_bundle(user=user, limit=200, offset=offset, purpose="bench")
        resources += sum(len(e["resource"]["entry"]) for e in bundle["entry"])
    seconds = time.perf_counter() - t
    assert total == n
    t = time.perf_counter()
    rows = list(ChildRecord.objects.values("child_id", "source", "observed_on", "summary"))
    json.dumps(rows, default=str)
    base = time.perf_counter() - t
    return {
        "export_children": n,
        "export_seconds": round(seconds, 2),
        "export_children_per_s": round(n / seconds),
        "export_resources_per_s": round(resources / seconds),
        "export_baseline_seconds": round(base, 3),
        "export_vs_baseline": round(seconds / base, 1),
    }


def _rows(count: int) -> list[dict[str, Any]]:
    """`count` weighings: four per child, children spread over the district's desa."""
    from satuanak.regions.models import Desa

    codes = list(Desa.objects.order_by("code").values_list("code", flat=True))
    out = []
    for i in range(count):
        child, k = divmod(i, 4)
        birth = date(2023, 1, 1) + timedelta(days=child % 500)
        out.append(
            {
                "name": f"BALITA {child}",
                "sex": "L" if child % 2 else "P",
                "birth_date": birth,
                "desa_code": codes[child % len(codes)],
                "measurement_date": birth + timedelta(days=60 + 30 * k),
                "weight_kg": round(5 + 0.6 * k + (child % 7) * 0.1, 1),
                "height_cm": round(58 + 2.5 * k + (child % 5) * 0.3, 1),
            }
        )
    return out


def _bundle(rows: list[dict[str, Any]]) -> dict[str, Any]:
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, r in enumerate(rows):
        pid = f"urn:uuid:00000000-0000-4000-8000-{abs(hash(r['name'])) % 10**12:012d}"
        if pid not in seen:
            seen.add(pid)
            village = r["desa_code"].replace(".", "")
            entries.append(
                {
                    "fullUrl": pid,
                    "resource": {
                        "resourceType": "Patient",
                        "name": [{"text": r["name"]}],
                        "gender": "male" if r["sex"] == "L" else "female",
                        "birthDate": r["birth_date"].isoformat(),
                        "address": [
                            {
                                "extension": [
                                    {
                                        "url": "https://fhir.kemkes.go.id/r4/StructureDefinition/administrativeCode",
                                        "extension": [{"url": "village", "valueCode": village}],
                                    }
                                ]
                            }
                        ],
                    },
                }
            )
        for code, value, unit in (("29463-7", r["weight_kg"], "kg"), ("8306-3", r["height_cm"], "cm")):
            entries.append(
                {
                    "fullUrl": f"urn:uuid:00000000-0000-4000-9000-{i * 2 + (code == '8306-3'):012d}",
                    "resource": {
                        "resourceType": "Observation",
                        "status": "final",
                        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                        "subject": {"reference": pid},
                        "effectiveDateTime": r["measurement_date"].isoformat(),
                        "valueQuantity": {
                            "value": value,
                            "unit": unit,
                            "system": "http://unitsofmeasure.org",
                            "code": unit,
                        },
                    },
                }
            )
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _duckdb_read(rows: list[dict[str, Any]]) -> float:
    import duckdb

    path = WORK / f"weighings-{len(rows)}.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    con = duckdb.connect()
    t = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', header=true)")  # noqa: S608 - our own path
    seconds = time.perf_counter() - t
    assert con.execute("SELECT COUNT(*) FROM t").fetchone() == (len(rows),)
    return seconds


def _client(user: Any) -> tuple[Any, dict[str, str]]:
    from django.test import Client

    from satuanak.interop.tokens import token_create

    _, secret = token_create(user=user, name="bench", purpose="layanan")
    return Client(), {"Authorization": f"Bearer {secret}"}


def _fhir_import(user: Any, rows: list[dict[str, Any]], duck: float) -> dict[str, Any]:
    client, headers = _client(user)
    per_bundle = 2000
    bodies = [json.dumps(_bundle(rows[i : i + per_bundle])) for i in range(0, len(rows), per_bundle)]
    t = time.perf_counter()
    accepted = 0
    for body in bodies:
        response = client.post(
            "/api/v1/fhir/Bundle/", body, content_type="application/fhir+json", headers=headers
        )
        assert response.status_code == 200, response.content[:500]
        accepted += sum(b["accepted"] for b in response.json()["batches"])
    seconds = time.perf_counter() - t
    assert accepted == len(rows), accepted
    return {
        "fhir_import_rows": len(rows),
        "fhir_import_seconds": round(seconds, 2),
        "fhir_import_rows_per_s": round(len(rows) / seconds),
        "duckdb_read_rows_per_s": round(len(rows) / duck),
        "fhir_import_vs_duckdb": round(seconds / duck, 1),
    }


def _api_measurements(user: Any, rows: list[dict[str, Any]], duck: float) -> dict[str, Any]:
    client, headers = _client(user)
    # Another set of children than the FHIR run's, so nothing is a repeat of what is staged.
    payloads = [
        {"measurements": [r | {"name": "API " + r["name"]} for r in rows[i : i + 500]]}
        for i in range(0, len(rows), 500)
    ]
    bodies = [json.dumps(p, default=str) for p in payloads]
    t = time.perf_counter()
    accepted = 0
    for body in bodies:
        response = client.post("/api/v1/pengukuran/", body, content_type="application/json", headers=headers)
        assert response.status_code == 200, response.content[:500]
        accepted += sum(b["accepted"] for b in response.json()["batches"])
    seconds = time.perf_counter() - t
    assert accepted == len(rows), accepted
    return {
        "api_rows": len(rows),
        "api_seconds": round(seconds, 2),
        "api_rows_per_s": round(len(rows) / seconds),
        "api_vs_duckdb": round(seconds / duck, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    _setup_django()
    user = _populate(args.children)
    results: dict[str, Any] = {}
    r = _export(user, args.children)
    print(
        f"FHIR export: {r['export_children']:,} children in {r['export_seconds']} s "
        f"({r['export_children_per_s']:,} children/s, {r['export_resources_per_s']:,} resources/s; "
        f"{r['export_vs_baseline']}x one query + json.dumps)",
        flush=True,
    )
    results |= r
    rows = _rows(args.rows)
    duck = _duckdb_read(rows)
    r = _fhir_import(user, rows, duck)
    print(
        f"FHIR import: {r['fhir_import_rows']:,} weighings in {r['fhir_import_seconds']} s "
        f"({r['fhir_import_rows_per_s']:,} rows/s; "
        f"DuckDB's plain read {r['duckdb_read_rows_per_s']:,} rows/s, "
        f"{r['fhir_import_vs_duckdb']}x)",
        flush=True,
    )
    results |= r
    r = _api_measurements(user, rows, duck)
    print(
        f"API measurements: {r['api_rows']:,} rows in {r['api_seconds']} s ({r['api_rows_per_s']:,} rows/s, "
        f"{r['api_vs_duckdb']}x DuckDB's plain read)",
        flush=True,
    )
    results |= r
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(results))


if __name__ == "__main__":
    main()

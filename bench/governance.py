"""Benchmark issue 18's data-governance enforcement, each figure beside a baseline in the same
process: the per-agency purpose report over a large audit log, and the per-request cost of
agreements as the source of access.

A scratch SQLite database under var/bench/governance/ gets 12 agencies (the demo's eight codes and
four invented puskesmas) with 40 users, and an audit log of `--events` entries (default 1,000,000)
spread over the 90 days up to `--today` (default 2025-06-30): about 85 % are looks at personal data
(audit.models.PERSONAL_DATA_LOOKS, 90 % of them with `detail.purpose`), the rest sign-ins,
denials, purpose choices and other entries the report leaves out; subjects are drawn from 100,000
children. The log is written with `AuditEvent.objects.bulk_create(batch_size=5000)` (timed, but
setup).

1. Purpose report: `governance.selectors.purpose_report_rows` (and `purpose_report_by_agency`)
   over the last 30 and the last 90 days, beside the same grouping written as one raw SQL
   statement through `connection.cursor()` (LEFT JOIN user and agency, `json_extract` of the
   purpose, COUNT(*) and two COUNT(DISTINCT ...) per agency, purpose and action). rows/s is audit
   rows in the window (every action) per second; ratio is report time over baseline time.
   The ORM's statement (printed with `--show-sql`) is the baseline's apart from two things:
   Django's KT("detail__purpose") on SQLite becomes `CASE WHEN JSON_TYPE(detail, '$."purpose"')
   IN ('true','null','false') THEN JSON_TYPE(...) ELSE JSON_EXTRACT(...) END`, so each row's JSON
   is read twice instead of once, and the grouped rows are sorted (ORDER BY agency, purpose,
   action). At 1,000,000 entries the report took 1.12x the baseline's time for 30 days and 1.06x
   for 90 days (on a shared, loaded 2-core machine). This bench first found both statements
   seeking the `action` index and filtering the dates, so a 30-day report read every look since
   the log began; the index on (action, at) (audit migration 0014) bounds it to the window.
2. Agreements as the source of access: the example umbrella Perbup (`demo_agreements_load`) plus
   `--agreements` PKS (default 50) between random agencies with random sources, purposes and
   validity. `--calls` (default 20,000) calls of `access.agreements.coverage_for(user)` on fresh
   copies of the 40 users (copied before the clock starts, without the per-request cache, so each
   call queries as the first call of a request does), beside `access.policy.policy_for(user.role)`
   (the role table, no query) on the same copies; and `policy_of(user)`, what every reader of a
   child's sources asks, on fresh copies too (cheaper on average: a role that reads no source,
   the planner's or the public's, asks no agreement). The added cost per request is coverage_for's
   time minus policy_for's. Beside it, agreements_in_force's statement written by hand and run
   through the cursor, without building the queryset or the model objects: on this run, most of
   coverage_for's time is Django building and compiling its query (it reads three columns, not
   model objects), not SQLite.

Each step is timed with its peak RSS (Linux: the high-water mark is reset before each step).

    .venv/bin/python bench/governance.py
    .venv/bin/python bench/governance.py --events 200000

The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gc
import json
import os
import random
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

# (code, name, kind, roles of its users)
AGENCIES: list[tuple[str, str, str, list[str]]] = [
    ("diskominfo", "Diskominfo Kabupaten Bengkayang", "diskominfo", ["data_steward"]),
    ("dinkes", "Dinas Kesehatan dan KB Kabupaten Bengkayang", "dinkes", ["health_officer"]),
    ("disdukcapil", "Disdukcapil Kabupaten Bengkayang", "disdukcapil", ["civil_registry_officer"]),
    ("disdikbud", "Disdikbud Kabupaten Bengkayang", "disdikbud", ["education_officer"]),
    ("dinsos-p3a", "Dinas Sosial P3A / UPTD PPA Kabupaten Bengkayang", "dinsos_p3a", ["protection_officer"]),
    ("bappeda", "Bappeda / Gugus Tugas KLA Kabupaten Bengkayang", "bappeda", ["planner"]),
    ("posyandu-sungai-duri", "Kader posyandu wilayah Puskesmas Sungai Duri", "posyandu", ["cadre"]),
    ("public", "Masyarakat / Forum Anak", "public", ["public"]),
    ("pkm-bengkayang", "Puskesmas Bengkayang", "puskesmas", ["puskesmas_staff"]),
    ("pkm-sungai-duri", "Puskesmas Sungai Duri", "puskesmas", ["puskesmas_staff"]),
    ("pkm-ledo", "Puskesmas Ledo", "puskesmas", ["puskesmas_staff", "birth_operator"]),
    ("pkm-sanggau-ledo", "Puskesmas Sanggau Ledo", "puskesmas", ["puskesmas_staff"]),
]
USERS = 40
CHILDREN = 100_000
DAYS = 90
LOOK_SHARE = 0.85  # of entries, looks at personal data
PURPOSE_SHARE = 0.9  # of looks, with a purpose in detail
OTHER_ACTIONS = ["login", "logout", "access_denied", "purpose_chosen", "audit_viewed", "governance_viewed"]
SOURCES = ["siak", "eppgbm", "imunisasi", "kia", "dapodik", "simfoni"]
PURPOSES = ["layanan", "verifikasi", "perlindungan", "perencanaan", "permintaan_subjek", "pengawasan"]


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


@contextmanager
def _measured(out: dict[str, float]) -> Iterator[None]:
    gc.collect()
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    t = time.perf_counter()
    yield
    out["seconds"] = time.perf_counter() - t
    out["peak_mb"] = _status_kb("VmHWM") / 1024


def _setup(work: Path, today: date) -> None:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    os.environ.pop("DATABASE_URL", None)
    os.environ["SATUANAK_SQLITE_PATH"] = str(work / "governance.sqlite3")
    os.environ["SATUANAK_DEBUG"] = "false"
    os.environ["SATUANAK_TODAY"] = today.isoformat()  # the agreements in force are the same every run
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.base")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _people() -> list[Any]:
    """The agencies and their users (40, spread over the agencies round-robin)."""
    from satuanak.accounts.models import Agency, User

    agencies = Agency.objects.bulk_create(
        [Agency(code=code, name=name, kind=kind) for code, name, kind, _ in AGENCIES]
    )
    users = []
    for i in range(USERS):
        agency = agencies[i % len(agencies)]
        roles = AGENCIES[i % len(agencies)][3]
        users.append(
            User(
                username=f"u{i:02d}.{agency.code}",
                password="!",  # unusable; nobody signs in  # noqa: S106
                role=roles[(i // len(agencies)) % len(roles)],
                agency=agency,
            )
        )
    return User.objects.bulk_create(users)


def _audit_log(users: list[Any], events: int, today: date, seed: int) -> None:
    """`events` audit entries over the DAYS days up to `today` (the district's dates)."""
    from django.db import transaction
    from django.utils import timezone

    from satuanak.audit.models import PERSONAL_DATA_LOOKS, AuditEvent

    rng = random.Random(seed)
    tz = timezone.get_current_timezone()
    first = datetime.combine(today - timedelta(days=DAYS - 1), dtime.min, tzinfo=tz).astimezone(UTC)
    span = DAYS * 86_400
    looks = sorted(str(a) for a in PERSONAL_DATA_LOOKS)
    # Some users look much more than others: weights from 1 to 20.
    weights = [rng.randint(1, 20) for _ in users]
    chunk = 50_000
    with transaction.atomic():
        for done in range(0, events, chunk):
            batch = []
            for _ in range(min(chunk, events - done)):
                user = rng.choices(users, weights)[0] if rng.random() > 0.01 else None  # 1 %: a job
                at = first + timedelta(seconds=rng.random() * span)
                if rng.random() < LOOK_SHARE:
                    action = rng.choice(looks)
                    child = rng.randrange(1, CHILDREN + 1)
                    detail = {"purpose": rng.choice(PURPOSES)} if rng.random() < PURPOSE_SHARE else {}
                    subject_type, subject_id, path = "child", str(child), f"/anak/{child}/"
                else:
                    action = rng.choice(OTHER_ACTIONS)
                    detail, subject_type, subject_id, path = {}, "", "", "/"
                batch.append(
                    AuditEvent(
                        at=at,
                        actor=user,
                        actor_username=user.username if user else "",
                        actor_role=user.role if user else "",
                        action=action,
                        subject_type=subject_type,
                        subject_id=subject_id,
                        ip="10.0.0.1",
                        method="GET",
                        path=path,
                        detail=detail,
                    )
                )
            AuditEvent.objects.bulk_create(batch, batch_size=5000)
            del batch


def _baseline_sql() -> str:
    from satuanak.accounts.models import Agency, User
    from satuanak.audit.models import AuditEvent

    audit, user, agency = AuditEvent._meta.db_table, User._meta.db_table, Agency._meta.db_table
    actor = AuditEvent._meta.get_field("actor").column
    agency_fk = User._meta.get_field("agency").column
    return (
        f"SELECT g.name, json_extract(a.detail, '$.purpose'), a.action, COUNT(*), "  # noqa: S608
        f"COUNT(DISTINCT a.subject_id), COUNT(DISTINCT a.actor_username) "
        f"FROM {audit} a LEFT JOIN {user} u ON u.id = a.{actor} "
        f"LEFT JOIN {agency} g ON g.id = u.{agency_fk} "
        f"WHERE a.action IN ({{marks}}) AND a.at >= %s AND a.at < %s GROUP BY 1, 2, 3"
    )


def _window(today: date, days: int) -> tuple[date, date, datetime, datetime]:
    from django.utils import timezone

    tz = timezone.get_current_timezone()
    start = today - timedelta(days=days - 1)
    since = datetime.combine(start, dtime.min, tzinfo=tz)
    until = datetime.combine(today + timedelta(days=1), dtime.min, tzinfo=tz)
    return start, today, since, until


def _report(today: date, days: int) -> dict[str, Any]:
    from django.db import connection

    from satuanak.audit.models import PERSONAL_DATA_LOOKS, AuditEvent
    from satuanak.governance.selectors import purpose_report_by_agency, purpose_report_rows

    start, end, since, until = _window(today, days)
    in_window = AuditEvent.objects.filter(at__gte=since, at__lt=until).count()
    looks = AuditEvent.objects.filter(at__gte=since, at__lt=until, action__in=PERSONAL_DATA_LOOKS).count()

    rep: dict[str, float] = {}
    with _measured(rep):
        rows = purpose_report_rows(start=start, end=end)
        summary = purpose_report_by_agency(rows)

    actions = sorted(str(a) for a in PERSONAL_DATA_LOOKS)
    sql = _baseline_sql().replace("{marks}", ", ".join(["%s"] * len(actions)))
    params = [
        *actions,
        connection.ops.adapt_datetimefield_value(since),
        connection.ops.adapt_datetimefield_value(until),
    ]
    base: dict[str, float] = {}
    with _measured(base), connection.cursor() as cursor:
        cursor.execute(sql, params)
        grouped = cursor.fetchall()

    counted = sum(r.n for r in rows)
    if counted != sum(g[3] for g in grouped) or len(rows) != len(grouped):
        raise SystemExit(f"report and baseline disagree: {counted} in {len(rows)} groups vs {len(grouped)}")
    return {
        "days": days,
        "rows_in_window": in_window,
        "looks_in_window": looks,
        "groups": len(rows),
        "summary_rows": len(summary),
        "seconds": rep["seconds"],
        "peak_mb": rep["peak_mb"],
        "baseline_seconds": base["seconds"],
        "baseline_peak_mb": base["peak_mb"],
    }


def _agreements(extra: int, today: date, seed: int) -> int:
    from satuanak.accounts.models import Agency
    from satuanak.governance.models import DataSharingAgreement
    from satuanak.governance.services import demo_agreements_load

    rng = random.Random(seed + 1)
    demo_agreements_load()
    agencies = list(Agency.objects.all())
    for i in range(extra):
        valid_from = today - timedelta(days=rng.randrange(0, 900))
        until = valid_from + timedelta(days=rng.randrange(180, 1500)) if rng.random() < 0.8 else None
        ended = None
        if rng.random() < 0.1:
            ended = valid_from + timedelta(days=rng.randrange(30, 400))
            if until is not None and ended > until:
                ended = until
        a = DataSharingAgreement.objects.create(
            number=f"BENCH/PKS/{i:03d}",
            title=f"PKS bench {i}",
            kind=DataSharingAgreement.Kind.PKS,
            legal_basis="UU 27/2022 (bench)",
            sources=rng.sample(SOURCES, rng.randint(1, 3)),
            purposes=rng.sample(PURPOSES, rng.randint(1, 3)),
            valid_from=valid_from,
            valid_until=until,
            ended_on=ended,
        )
        a.parties.set(rng.sample(agencies, 2))
    return DataSharingAgreement.objects.count()


def _agreements_sql() -> str:
    """agreements_in_force's statement by hand (every column, as the model reads them)."""
    from satuanak.governance.models import DataSharingAgreement

    table = DataSharingAgreement._meta.db_table
    parties = DataSharingAgreement.parties.through._meta.db_table
    return (
        f"SELECT DISTINCT a.* FROM {table} a LEFT JOIN {parties} p "  # noqa: S608
        f"ON p.datasharingagreement_id = a.id "
        f"WHERE (a.covers_all_agencies OR p.agency_id = %s) AND a.valid_from <= %s "
        f"AND (a.valid_until IS NULL OR a.valid_until >= %s) AND (a.ended_on IS NULL OR a.ended_on >= %s) "
        f"ORDER BY a.valid_from, a.number"
    )


def _fresh(users: list[Any], n: int) -> list[Any]:
    from satuanak.access.agreements import forget_coverage

    out = []
    for i in range(n):
        u = copy.copy(users[i % len(users)])
        forget_coverage(u)
        out.append(u)
    return out


def _per_call(fn: Any, objs: list[Any]) -> dict[str, float]:
    m: dict[str, float] = {}
    with _measured(m):
        for o in objs:
            fn(o)
    m["us_per_call"] = m["seconds"] / len(objs) * 1e6
    return m


def _access(calls: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from satuanak.access.agreements import coverage_for, policy_of
    from satuanak.access.policy import policy_for
    from satuanak.accounts.models import User
    from satuanak.common.clock import today

    users = list(User.objects.select_related("agency").order_by("pk"))
    with CaptureQueriesContext(connection) as q:
        coverage_for(_fresh(users, 1)[0])
    queries = len(q.captured_queries)
    in_force = [len(coverage_for(u).agreement_ids) for u in _fresh(users, len(users))]

    for u in _fresh(users, 200):  # warm up (connection, catalogue, statement cache)
        coverage_for(u)
    cov = _per_call(coverage_for, _fresh(users, calls))
    pol = _per_call(lambda u: policy_for(u.role), _fresh(users, calls))
    pof = _per_call(policy_of, _fresh(users, calls))
    sql, day = _agreements_sql(), connection.ops.adapt_datefield_value(today())
    with connection.cursor() as cursor:
        raw = _per_call(
            lambda u: (cursor.execute(sql, [u.agency_id, day, day, day]), cursor.fetchall()),
            users * (calls // len(users)),
        )
    return {
        "queries_per_call": queries,
        "agreements_in_force_per_user": sum(in_force) / len(in_force),
        "coverage": cov,
        "policy_for": pol,
        "policy_of": pof,
        "raw_sql": raw,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--agreements", type=int, default=50)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2025, 6, 30))
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--show-sql", action="store_true", help="print the report's SQL and the baseline's")
    args = parser.parse_args()
    _setup(ROOT / "var" / "bench" / "governance", args.today)

    print(
        f"building {len(AGENCIES)} agencies, {USERS} users and {args.events:,} audit entries ...", flush=True
    )
    users = _people()
    ins: dict[str, float] = {}
    with _measured(ins):
        _audit_log(users, args.events, args.today, args.seed)
    print(
        f"  insert (setup): {ins['seconds']:.1f} s, {args.events / ins['seconds']:,.0f} rows/s; "
        f"peak {ins['peak_mb']:.0f} MB",
        flush=True,
    )
    if args.show_sql:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from satuanak.governance.selectors import purpose_report_rows

        with CaptureQueriesContext(connection) as q:
            purpose_report_rows(start=args.today, end=args.today)
        for query in q.captured_queries:
            print("report:", query["sql"])
        print("baseline:", _baseline_sql())

    reports = {}
    for days in (30, 90):
        r = _report(args.today, days)
        reports[days] = r
        print(
            f"purpose report, {days} days: {r['rows_in_window']:,} audit rows in the window "
            f"({r['looks_in_window']:,} looks) -> {r['groups']} groups in {r['seconds']:.2f} s "
            f"({r['rows_in_window'] / r['seconds']:,.0f} rows/s, peak {r['peak_mb']:.0f} MB); "
            f"raw SQL baseline {r['baseline_seconds']:.2f} s; "
            f"ratio {r['seconds'] / r['baseline_seconds']:.2f}",
            flush=True,
        )

    total = _agreements(args.agreements, args.today, args.seed)
    acc = _access(args.calls)
    cov, pol, pof, raw = acc["coverage"], acc["policy_for"], acc["policy_of"], acc["raw_sql"]
    added = cov["us_per_call"] - pol["us_per_call"]
    print(
        f"agreements: {total} ({args.agreements} PKS + the example Perbup), "
        f"{acc['agreements_in_force_per_user']:.1f} in force per user on {args.today}; "
        f"coverage_for makes {acc['queries_per_call']} query per fresh user",
        flush=True,
    )
    print(
        f"{args.calls:,} calls on fresh users: coverage_for {cov['us_per_call']:.1f} µs/call, "
        f"policy_of {pof['us_per_call']:.1f} µs/call, policy_for(role) {pol['us_per_call']:.2f} µs/call; "
        f"added per request {added:.1f} µs; the same query by hand (raw SQL, no models) "
        f"{raw['us_per_call']:.1f} µs/call",
        flush=True,
    )

    def r3(x: float) -> float:
        return round(x, 3)

    result: dict[str, Any] = {"events": args.events}
    for days, r in reports.items():
        p = f"report_{days}d"
        result |= {
            f"{p}_rows_in_window": r["rows_in_window"],
            f"{p}_looks": r["looks_in_window"],
            f"{p}_groups": r["groups"],
            f"{p}_seconds": r3(r["seconds"]),
            f"{p}_rows_per_s": round(r["rows_in_window"] / r["seconds"], 1),
            f"{p}_baseline_seconds": r3(r["baseline_seconds"]),
            f"{p}_ratio": round(r["seconds"] / r["baseline_seconds"], 2),
            f"{p}_peak_mb": round(r["peak_mb"], 1),
        }
    result |= {
        "report_peak_mb": round(max(r["peak_mb"] for r in reports.values()), 1),
        "insert_seconds": round(ins["seconds"], 1),
        "insert_rows_per_s": round(args.events / ins["seconds"], 1),
        "agreements": total,
        "agreements_in_force_per_user": round(acc["agreements_in_force_per_user"], 2),
        "calls": args.calls,
        "coverage_queries_per_call": acc["queries_per_call"],
        "coverage_us_per_call": round(cov["us_per_call"], 1),
        "policy_of_us_per_call": round(pof["us_per_call"], 1),
        "policy_for_us_per_call": round(pol["us_per_call"], 3),
        "coverage_added_us": round(added, 1),
        "agreements_raw_sql_us_per_call": round(raw["us_per_call"], 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

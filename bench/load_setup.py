"""bench/load.py's preparation: the district's PostgreSQL database (built once, cached), the
bench's own users and tokens, static files, and the environment the production processes get.

The database is built the way bench/flags.py builds its SQLite one (generate_district, every
export through import_file_run, linkage_run, flags_recompute) but on PostgreSQL, in a child
process so the bench's own memory stays small; the bench users are made in it too. A marker
file written after the last step says the database is complete: a build interrupted half-way
is dropped and made again.

A run never touches that database: it works on a copy made from it (CREATE DATABASE ...
TEMPLATE), dropped afterwards with the files its upload added, so every run starts from the
same district and the cache stays valid however many runs follow.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
# The synthetic district is shared with bench/flags.py (same seed, same folder): generated once.
DISTRICTS = ROOT / "var" / "bench" / "flags"
WORK = ROOT / "var" / "bench" / "load"
REFERENCE_DATE = "2024-12-31"
PG = "postgres://postgres@127.0.0.1:5432"
PSQL_DB = "postgres"  # the maintenance database CREATE/DROP DATABASE run from
# Bench users sign in with this; it exists only in the bench database.
BENCH_PASSWORD = "bench-load-bengkayang-2024"  # noqa: S105  # nosec B105
SOURCES = ("siak", "eppgbm", "imunisasi", "kia", "dapodik", "simfoni")


def database_name(children: int) -> str:
    # The district-size database has the plain name; smaller ones sit beside it, so a quick
    # check never throws away the 100k build.
    return "satuanak_bench_load" if children == 100_000 else f"satuanak_bench_load_{children}"


def run_database_name(children: int) -> str:
    """The copy a run works on: the upload, sessions, tokens and audit rows of a run go there
    and are dropped with it, so every run starts from the same cached district."""
    return database_name(children) + "_run"


def database_url(children: int, *, run: bool = False) -> str:
    return f"{PG}/{run_database_name(children) if run else database_name(children)}"


def _marker(children: int) -> Path:
    return WORK / f"{database_name(children)}.ready.json"


def _psql(sql: str) -> None:
    import psycopg

    # autocommit: CREATE/DROP DATABASE cannot run inside a transaction.
    with psycopg.connect(f"{PG}/{PSQL_DB}", autocommit=True) as conn:
        conn.execute(sql.encode())  # fixed statements around names from database_name()


def _database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG}/{PSQL_DB}", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def clone(children: int) -> float:
    """A fresh copy of the cached database for this run; seconds it took. FILE_COPY copies the
    files after a checkpoint instead of writing the whole database through the WAL."""
    started = time.perf_counter()
    drop_clone(children)
    run, cached = run_database_name(children), database_name(children)
    _psql(f'CREATE DATABASE "{run}" TEMPLATE "{cached}" STRATEGY FILE_COPY')
    return time.perf_counter() - started


def drop_clone(children: int) -> None:
    _psql(f'DROP DATABASE IF EXISTS "{run_database_name(children)}" WITH (FORCE)')


def _run_folders(children: int) -> list[Path]:
    return [WORK / f"staging-{children}", WORK / f"media-{children}"]


def files_now(children: int) -> set[Path]:
    """What the staging and media folders hold, to take a run's additions away after it."""
    return {
        p for folder in _run_folders(children) if folder.is_dir() for p in folder.rglob("*") if p.is_file()
    }


def remove_new_files(children: int, before: set[Path]) -> None:
    # The run's copy of the database is dropped; the staged rows and stored file of its upload
    # belong to no database any more.
    for path in files_now(children) - before:
        path.unlink(missing_ok=True)


def base_env(children: int, *, run: bool = False) -> dict[str, str]:
    """What every process of the bench gets: production settings on a bench database."""
    env = dict(os.environ)
    # Nothing of the developer's own settings leaks into the measured setup, except the sizing
    # knobs deploy/gunicorn.conf.py reads (to try another shape on purpose).
    for key in [k for k in env if k.startswith("SATUANAK_") and not k.startswith("SATUANAK_WEB_")]:
        env.pop(key)
    env.update(
        {
            "DATABASE_URL": database_url(children, run=run),
            "DJANGO_SETTINGS_MODULE": "config.django.production",
            # Random per run, at least 50 characters, as production requires.
            "SATUANAK_SECRET_KEY": secrets.token_urlsafe(48),
            "SATUANAK_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Staged rows and stored copies belong to the database they were imported into.
            "SATUANAK_STAGING_DIR": str(WORK / f"staging-{children}"),
            "SATUANAK_MEDIA_ROOT": str(WORK / f"media-{children}"),
            # The synthetic district's "today", as `make demo` sets it: ages, 12-month windows and
            # overdue lists read as they would on the day its exports were taken.
            "SATUANAK_TODAY": REFERENCE_DATE,
            "PYTHONPATH": str(SRC),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


_PREPARE = r"""
import json, os, sys, time
sys.path.insert(0, {src!r})
import django
django.setup()
from django.core.management import call_command
from pathlib import Path
from datetime import date
from satuanak.core.sources import Source
from satuanak.imports.services import import_file_run
from satuanak.linkage.services import linkage_run
from satuanak.flags.services import flags_recompute
as_of = date.fromisoformat({ref!r})
steps = {{}}
t = time.perf_counter()
call_command("migrate", verbosity=0)
call_command("load_reference", verbosity=0)
steps["migrate_reference_s"] = round(time.perf_counter() - t, 1)
for source in {sources!r}:
    t = time.perf_counter()
    for path in sorted((Path({district!r}) / "exports" / source).iterdir()):
        import_file_run(source=Source(source), path=path)
    steps["import_" + source + "_s"] = round(time.perf_counter() - t, 1)
    print("  imported", source, steps["import_" + source + "_s"], "s", flush=True)
t = time.perf_counter()
linkage_run(as_of=as_of)
steps["linkage_s"] = round(time.perf_counter() - t, 1)
print("  linked", steps["linkage_s"], "s", flush=True)
t = time.perf_counter()
run = flags_recompute(as_of=as_of)
steps["flags_s"] = round(time.perf_counter() - t, 1)
print("  flags", steps["flags_s"], "s", flush=True)
import io
call_command("demo_users", stdout=io.StringIO())
from django.db import connection
with connection.cursor() as cur:
    cur.execute("VACUUM ANALYZE")
print(json.dumps({{"steps": steps, "children_linked": run.stats.get("children")}}))
"""


def prepare(children: int, *, rebuild: bool, users: int = 50) -> dict[str, Any]:
    """The cached database for `children`, built when missing (or asked to), with `users` bench
    users; its marker's content."""
    from satuanak.synth import generate_district

    WORK.mkdir(parents=True, exist_ok=True)
    name = database_name(children)
    marker = _marker(children)
    if not rebuild and marker.is_file() and _database_exists(name):
        info: dict[str, Any] = json.loads(marker.read_text())
        info["reused"] = True
    else:
        started = time.perf_counter()
        district = DISTRICTS / f"district-{children}"
        if not (district / "ground_truth" / "manifest.json").is_file():
            print(f"generating {children:,} children ...", flush=True)
            generate_district(out_dir=district, children=children, seed=2024, data_dir=ROOT / "data")
        marker.unlink(missing_ok=True)
        drop_clone(children)
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _psql(f'CREATE DATABASE "{name}"')
        for folder in _run_folders(children):
            shutil.rmtree(folder, ignore_errors=True)
        print(f"importing, linking and flagging them into PostgreSQL {name} (once) ...", flush=True)
        env = base_env(children)
        env["DJANGO_SETTINGS_MODULE"] = "config.django.base"  # no HTTPS switches needed for commands
        env["SATUANAK_DEBUG"] = "false"  # DEBUG would keep every query of the import in memory
        result = _run_code(_code(_PREPARE, district=str(district), ref=REFERENCE_DATE, sources=SOURCES), env)
        info = {
            "database": name,
            "children": children,
            "prepare_seconds": round(time.perf_counter() - started, 1),
            **result,
            "users": 0,
        }
        info["reused"] = False
    if info.get("users", 0) < users:
        started = time.perf_counter()
        print(f"making {users} bench users in {name} (once; PBKDF2 takes its time) ...", flush=True)
        _run_code(_code(_MAKE_USERS, users=users), base_env(children))
        info["users"] = users
        info["users_seconds"] = round(time.perf_counter() - started, 1)
    marker.write_text(json.dumps({k: v for k, v in info.items() if k != "reused"}, indent=1))
    return info


# The bench's users: a task force of `users` people signed in at once. One data steward (who
# uploads the file), district health officers, and puskesmas staff spread over the puskesmas,
# each seeing only the desa of their puskesmas's service area (access/selectors.py), plus a
# few civil-registry and education officers. Made in the cached database (PBKDF2 makes 50 of
# them take a while); a run asking for more adds the rest to its own copy.
_USERS = r"""
from django.db import transaction
from satuanak.accounts.models import Agency, User
from satuanak.accounts.roles import Role
from satuanak.facilities.models import HealthFacility

def bench_users(users, password):
    pkm = list(HealthFacility.objects.filter(kind=HealthFacility.Kind.PUSKESMAS).order_by("name"))
    codes = ("diskominfo", "dinkes", "disdukcapil", "disdikbud")
    agency = {{c: Agency.objects.filter(code=c).first() for c in codes}}
    made = []
    for i in range(users):
        facility = None
        if i == 0:
            role, ag = Role.DATA_STEWARD, agency["diskominfo"]
        elif i % 10 == 1:
            role, ag = Role.HEALTH_OFFICER, agency["dinkes"]
        elif i % 25 == 2:
            role, ag = Role.CIVIL_REGISTRY_OFFICER, agency["disdukcapil"]
        elif i % 25 == 3:
            role, ag = Role.EDUCATION_OFFICER, agency["disdikbud"]
        else:
            facility = pkm[i % len(pkm)]
            role, ag = Role.PUSKESMAS_STAFF, Agency.objects.filter(health_facility=facility).first()
        with transaction.atomic():
            user, new = User.objects.get_or_create(username=f"load{{i + 1:02d}}")
            if new:
                user.set_password(password)
            user.role, user.agency, user.is_active = role, ag, True
            user.is_staff = user.is_superuser = role == Role.DATA_STEWARD
            user.area_level = User.AreaLevel.DESA if facility else User.AreaLevel.DISTRICT
            user.save()
            if facility:
                user.area_desa.set(facility.service_area.all())
            else:
                user.area_desa.clear()
        made.append((user, facility))
    return made
"""

_MAKE_USERS = (
    r"""
import json, sys
sys.path.insert(0, {src!r})
import django
django.setup()
"""
    + _USERS
    + r"""
bench_users({users!r}, {password!r})
print(json.dumps({{"users": {users!r}}}))
"""
)

# Per run, in the run's copy: one-day API tokens, each user's desa and a sample of the children
# they may open (as a person clicks through their own area), the flags the map can show, and
# a new synthetic population's SIAK export for the steward to upload.
_RUN_SETUP = (
    r"""
import json, sys
sys.path.insert(0, {src!r})
import django
django.setup()
from pathlib import Path
from satuanak.access.selectors import children_visible_to
from satuanak.flags.models import FlagRule
from satuanak.flags.selectors import map_data
from satuanak.interop.tokens import token_create
from satuanak.persons.models import Child
"""
    + _USERS
    + r"""
users, upload_children, upload_seed, upload_dir = (
    {users!r}, {upload_children!r}, {upload_seed!r}, {upload_dir!r})
out = []
for user, facility in bench_users(users, {password!r}):
    _, secret = token_create(user=user, name="bench/load.py", days=1, purpose="layanan")
    visible = children_visible_to(user)
    desa = sorted(set(visible.exclude(desa__isnull=True).values_list("desa__code", flat=True).distinct()))
    ids = list(visible.order_by("?").values_list("pk", flat=True)[:300])
    area = facility.name if facility else "district"
    out.append({{"username": user.username, "role": user.role, "area": area,
                 "token": secret, "desa": desa, "children": ids}})
codes = [c for c in sorted(set(FlagRule.objects.values_list("code", flat=True)))
         if map_data(code=c, period=None) is not None]
from satuanak.synth import generate_district
generate_district(
    out_dir=Path(upload_dir), children=upload_children, seed=upload_seed, data_dir=Path({data!r}))
upload = str(next((Path(upload_dir) / "exports" / "siak").glob("*.csv")))
print(json.dumps({{"users": out, "children": Child.objects.count(), "map_codes": codes, "upload": upload}}))
"""
)


def _code(template: str, **values: Any) -> str:
    return template.format(src=str(SRC), password=BENCH_PASSWORD, data=str(ROOT / "data"), **values)


def _run_code(code: str, env: dict[str, str]) -> dict[str, Any]:
    """Run a code string in a fresh interpreter; its last stdout line is JSON, the others are echoed."""
    proc = subprocess.run(  # noqa: S603 - our own interpreter and code string
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True
    )
    lines = proc.stdout.strip().splitlines()
    for line in lines[:-1]:
        print(line, flush=True)
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def run_setup(children: int, *, users: int, upload_children: int, upload_seed: int) -> dict[str, Any]:
    """Users, tokens and samples in the run's copy, and the file the steward will upload."""
    upload_dir = WORK / f"upload-{upload_seed}"
    shutil.rmtree(upload_dir, ignore_errors=True)
    code = _code(
        _RUN_SETUP,
        users=users,
        upload_children=upload_children,
        upload_seed=upload_seed,
        upload_dir=str(upload_dir),
    )
    result = _run_code(code, base_env(children, run=True))
    result["upload_dir"] = str(upload_dir)
    return result


def cleanup_upload(setup: dict[str, Any]) -> None:
    """The generated upload's folder (the server keeps its own copy under MEDIA_ROOT)."""
    shutil.rmtree(setup["upload_dir"], ignore_errors=True)


def collectstatic(children: int) -> None:
    """Production serves static files from STATIC_ROOT through whitenoise without finders
    (config/django/production.py): they must be collected first, as the deployment does."""
    subprocess.run(
        [sys.executable, "-m", "satuanak", "collectstatic", "--noinput", "--verbosity", "0"],
        env=base_env(children), cwd=ROOT, check=True,
    )  # fmt: skip


if __name__ == "__main__":
    # `python bench/load_setup.py [children] [--rebuild]`: only the preparation.
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), "100000"))
    sys.path.insert(0, str(SRC))
    print(json.dumps(prepare(n, rebuild="--rebuild" in sys.argv)))

"""Benchmark `satuanak backup` and `satuanak restore` at district size, beside pg_dump and
pg_restore of the same database in the same run.

Setup: bench/load.py's cached PostgreSQL database of the default synthetic district (100,000
children, imported, linked and flagged; built by bench/load_setup.py when missing, `--children N`
uses a smaller one beside it) and its media and staging folders. The cached database is never
written to: `backup` records an audit entry in the database it backs up, so it runs on a copy
(`CREATE DATABASE satuanak_bench_backup_src TEMPLATE ...`). The cached folders are only read.

Each step runs in a fresh process as the operator runs it, with production settings
(load_setup.base_env), so wall seconds include Python and Django starting up:

    satuanak backup --new-key KEY                        (not timed)
    satuanak backup --out var/bench/backup/archives/ --key-file KEY
    satuanak restore ARCHIVE --check --key-file KEY      (verify only)
    satuanak restore ARCHIVE --key-file KEY              into a new empty database and new
                                                         empty media/staging folders

Baselines, the bare task done the plain way: `pg_dump --format=custom` of the same copy (the
format the backup puts in its archive) and `pg_restore --no-owner --no-privileges --exit-on-error
--single-transaction` of that dump into another empty database (the flags `restore` gives it).
A CHECKPOINT before every timed step, so none pays for the previous one's dirty pages.

`--repeat N` rounds (default 3) of all five steps, the command and its baseline taking turns at
going first; the medians are reported (and every round's seconds). Each backup adds its audit
entry to the copy, so a later round backs up one row more than the first: the rows reported
are the first round's.

Peak RSS is the step's own process's high-water mark (VmHWM from /proc, sampled every 0.1 s:
the satuanak Python process, or pg_dump/pg_restore for the baselines); the peak of the summed
RSS of it and its children (the pg_dump/pg_restore the commands start), each child's own peak
and when it ran are reported beside it. CPU seconds are os.wait4's, the step and its children.
rows/s is the manifest's total rows (every table, counted by the backup) over wall seconds.

    .venv/bin/python bench/backup.py                     # 100,000 children, 3 rounds
    .venv/bin/python bench/backup.py --children 5000 --repeat 1

Everything it makes (the copy, both restored databases, the key, the archive, the dump, the
restored folders under var/bench/backup/) is removed at the end, whatever happens. The last line
is one JSON object: backup_seconds, backup_rows_per_s, backup_peak_rss_mb, archive_mb,
restore_seconds, restore_rows_per_s, restore_peak_rss_mb, pg_dump_seconds, pg_restore_seconds,
backup_over_pg_dump, restore_over_pg_restore, rows, tables, files, children and the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load_setup

ROOT = load_setup.ROOT
WORK = ROOT / "var" / "bench" / "backup"
SOURCE_DB = "satuanak_bench_backup_src"  # the copy of the cached district that is backed up
RESTORE_DB = "satuanak_bench_restore"  # `satuanak restore` goes here
BASELINE_DB = "satuanak_bench_restore_pg"  # the baseline pg_restore goes here
_VM = ("VmRSS", "VmHWM")
_SUMMARY = re.compile(
    r"(\d+) tabel / tables, (\d+) baris / rows, (\d+) berkas / files \(([^)]*)\), ([\d.]+) s"
)


def _admin(sql: str) -> None:
    import psycopg

    # autocommit: CREATE/DROP DATABASE and CHECKPOINT cannot run inside a transaction.
    with psycopg.connect(f"{load_setup.PG}/{load_setup.PSQL_DB}", autocommit=True) as conn:
        conn.execute(sql.encode())  # fixed statements around this module's own names


def _query(database: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(f"{load_setup.PG}/{database}", autocommit=True) as conn:
        return list(conn.execute(sql.encode()).fetchall())


def _database_mb(name: str) -> float:
    rows = _query(name, "SELECT pg_database_size(current_database())")
    return round(int(rows[0][0]) / 1e6, 1)


def _drop(name: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += _children_of(p)
    return out


def _memory_mb(pid: int) -> tuple[str, float, float]:
    """The process's command name, resident set and its own peak (VmHWM); ("", 0, 0) once gone."""
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "", 0.0, 0.0
    kb = {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in status.splitlines()) if k in _VM}
    return comm, kb.get("VmRSS", 0) / 1024, kb.get("VmHWM", 0) / 1024


class TreeSampler(threading.Thread):
    """Every 0.1 s: the peak (VmHWM) of the step's own process, the summed RSS of it and its
    descendants, and each descendant's command name (pg_dump, pg_restore, git ...) with when it
    was first and last seen and its own peak.

    /proc's VmHWM, not getrusage: a forked child's ru_maxrss starts at its parent's size (the
    high-water mark survives exec), so it would report the bench's own memory as pg_dump's."""

    def __init__(self, pid: int, started: float) -> None:
        super().__init__(name="rss", daemon=True)
        self.pid, self.started = pid, started
        self.own_peak_mb = self.tree_peak_mb = 0.0
        self.seen: dict[str, list[float]] = {}  # comm -> [first seen s, last seen s, peak MB]
        self.halt = threading.Event()
        self.bench_cmdline = Path("/proc/self/cmdline").read_bytes()

    def sample(self) -> None:
        try:
            # Not yet exec'd: still the bench's image (and, after vfork, the bench's memory).
            if Path(f"/proc/{self.pid}/cmdline").read_bytes() == self.bench_cmdline:
                return
        except OSError:
            return
        at = time.perf_counter() - self.started
        total = 0.0
        for p in _tree(self.pid):
            comm, rss, peak = _memory_mb(p)
            total += rss
            if p == self.pid:
                self.own_peak_mb = max(self.own_peak_mb, peak)
            elif comm:
                span = self.seen.setdefault(comm, [at, at, 0.0])
                span[1], span[2] = at, max(span[2], peak)
        self.tree_peak_mb = max(self.tree_peak_mb, total)

    def run(self) -> None:
        while not self.halt.is_set():
            self.sample()
            self.halt.wait(0.1)


@dataclass
class Step:
    name: str
    seconds: float
    peak_rss_mb: float  # the step's own process (VmHWM, sampled)
    tree_rss_mb: float  # the sampled peak of the sum of it and its descendants
    cpu_seconds: float  # user + system of the process and the children it waited for
    stdout: str
    stderr: str
    seen: dict[str, list[float]] = field(default_factory=dict)

    def span(self, comm: str) -> float | None:
        """Seconds a child of this name ran for (to the 0.1 s of the sampling)."""
        if comm not in self.seen:
            return None
        first, last, _peak = self.seen[comm]
        return round(last - first, 1)

    def peak(self, comm: str) -> float | None:
        return round(self.seen[comm][2], 1) if comm in self.seen else None


def timed(name: str, args: list[str], env: dict[str, str] | None = None) -> Step:
    """Run one step in its own process; wall seconds, peak RSS and CPU; exit if it fails."""
    _admin("CHECKPOINT")
    out_path, err_path = WORK / f"{name}.out", WORK / f"{name}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=err)  # noqa: S603 - fixed commands
        sampler = TreeSampler(proc.pid, started)
        sampler.start()
        try:
            # wait4 gives this child's own CPU time, with that of the children it waited for
            # (pg_dump, pg_restore), and none of the bench's other children.
            _pid, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - started
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            sampler.halt.set()
            sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(
            f"{name} failed (exit {proc.returncode}) after {seconds:.1f} s:\n"
            f"{stdout[-2000:]}\n{stderr[-3000:]}"
        )
    return Step(
        name=name,
        seconds=round(seconds, 2),
        peak_rss_mb=round(sampler.own_peak_mb, 1),
        tree_rss_mb=round(sampler.tree_peak_mb, 1),
        cpu_seconds=round(usage.ru_utime + usage.ru_stime, 1),
        stdout=stdout,
        stderr=stderr,
        seen=sampler.seen,
    )


def _summary(step: Step) -> dict[str, Any]:
    """tables, rows, files and the command's own seconds from its summary line."""
    match = _SUMMARY.search(step.stdout)
    if match is None:
        raise SystemExit(f"{step.name}: no summary line in its output:\n{step.stdout[-2000:]}")
    tables, rows, files, size, seconds = match.groups()
    return {
        "tables": int(tables),
        "rows": int(rows),
        "files": int(files),
        "human": size,
        "inner": float(seconds),
    }


def _files_in(*folders: Path) -> tuple[int, int]:
    count = size = 0
    for folder in folders:
        if folder.is_dir():
            for p in folder.rglob("*"):
                if p.is_file() and not p.is_symlink():
                    count += 1
                    size += p.stat().st_size
    return count, size


def _echo(step: Step) -> None:
    for line in step.stdout.strip().splitlines():
        print(f"    {line}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000, help="the district's size")
    parser.add_argument(
        "--repeat", type=int, default=3, help="rounds of every step (default 3); medians are reported"
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    sys.path.insert(0, str(load_setup.SRC))

    t = time.perf_counter()
    # users=0: a reused database is taken as it is; the bench users are bench/load.py's concern.
    info = load_setup.prepare(args.children, rebuild=False, users=0)
    prepared = "reused" if info["reused"] else f"built in {time.perf_counter() - t:.0f} s"
    cached = load_setup.database_name(args.children)
    print(f"database {cached}: {prepared} (its build took {info['prepare_seconds']} s)", flush=True)

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    try:
        result = measure(args, info, cached)
    finally:
        for name in (SOURCE_DB, RESTORE_DB, BASELINE_DB):
            _drop(name)
        # The key, the archive, the plain dump and the restored folders: nothing stays behind.
        shutil.rmtree(WORK, ignore_errors=True)
    print(json.dumps(result))


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


@dataclass
class Made:
    step: Step
    archive: Path
    summary: dict[str, Any]
    detail: dict[str, Any]


def measure(args: argparse.Namespace, info: dict[str, Any], cached: str) -> dict[str, Any]:
    satuanak = [sys.executable, "-m", "satuanak"]
    pg_dump, pg_restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    if pg_dump is None or pg_restore is None:
        raise SystemExit("pg_dump and pg_restore are needed (apt install postgresql-client)")
    source_url = f"{load_setup.PG}/{SOURCE_DB}"

    env = load_setup.base_env(args.children)
    env["DATABASE_URL"] = source_url
    # The cached district's own folders: the backup reads them, nothing writes there.
    media, staging = Path(env["SATUANAK_MEDIA_ROOT"]), Path(env["SATUANAK_STAGING_DIR"])

    t = time.perf_counter()
    _drop(SOURCE_DB)
    _admin(f'CREATE DATABASE "{SOURCE_DB}" TEMPLATE "{cached}" STRATEGY FILE_COPY')
    copy_seconds = time.perf_counter() - t
    database_mb = _database_mb(SOURCE_DB)
    files_before, file_bytes_before = _files_in(media, staging)
    print(
        f"copied it to {SOURCE_DB} in {copy_seconds:.1f} s: database {database_mb:,.0f} MB;"
        f" {files_before:,} files ({file_bytes_before / 1e6:,.1f} MB) in {media.name}/ and {staging.name}/",
        flush=True,
    )

    key = WORK / "bench.key"
    subprocess.run(  # noqa: S603 - our own interpreter and the project's command
        [*satuanak, "backup", "--new-key", str(key)], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )
    restore_env = dict(env)
    restore_env["DATABASE_URL"] = f"{load_setup.PG}/{RESTORE_DB}"
    restored_media, restored_staging = WORK / "restored" / "media", WORK / "restored" / "staging"
    restore_env["SATUANAK_MEDIA_ROOT"] = str(restored_media)
    restore_env["SATUANAK_STAGING_DIR"] = str(restored_staging)
    dump = WORK / "baseline.pgdump"

    def backup(i: int) -> Made:
        out = WORK / f"archives-{i}"
        # A trailing slash: a folder, in which the archive gets its dated name.
        step = timed("backup", [*satuanak, "backup", "--out", f"{out}/", "--key-file", str(key)], env)
        archives = sorted(out.glob("satuanak-*.tar.enc"))
        if len(archives) != 1:
            raise SystemExit(f"expected one archive in {out}, found {archives}")
        audit = _query(
            SOURCE_DB,
            "SELECT detail FROM audit_auditevent WHERE action = 'backup_created' ORDER BY id DESC LIMIT 1",
        )
        detail: dict[str, Any] = audit[0][0] if audit else {}
        if detail.get("size") != archives[0].stat().st_size:
            raise SystemExit(f"the audit entry does not describe the archive: {detail}")
        return Made(step, archives[0], _summary(step), detail)

    def dump_baseline(_i: int) -> Step:
        dump.unlink(missing_ok=True)
        return timed(
            "pg_dump",
            [pg_dump, "--format=custom", "--no-password", f"--file={dump}", f"--dbname={source_url}"],
        )

    def restore(made: Made) -> tuple[Step, int]:
        _drop(RESTORE_DB)
        _admin(f'CREATE DATABASE "{RESTORE_DB}"')
        shutil.rmtree(WORK / "restored", ignore_errors=True)
        step = timed(
            "restore", [*satuanak, "restore", str(made.archive), "--key-file", str(key)], restore_env
        )
        back = _summary(step)
        restored_files, _bytes = _files_in(restored_media, restored_staging)
        if "Dipulihkan / restored" not in step.stdout:
            raise SystemExit(f"restore did not say it restored:\n{step.stdout}")
        want = (made.summary["rows"], made.summary["tables"], made.summary["files"])
        if (back["rows"], back["tables"], back["files"]) != want or restored_files != want[2]:
            raise SystemExit(
                f"restore disagrees with the backup: {back} vs {want} (rows, tables, files);"
                f" {restored_files} files in the restored folders"
            )
        return step, restored_files

    def restore_baseline(tables: int) -> Step:
        _drop(BASELINE_DB)
        _admin(f'CREATE DATABASE "{BASELINE_DB}"')
        step = timed(
            "pg_restore",
            [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
             "--no-password", f"--dbname={load_setup.PG}/{BASELINE_DB}", str(dump)],
        )  # fmt: skip
        held = _query(
            BASELINE_DB,
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'r' AND n.nspname = current_schema()",
        )[0][0]
        if held != tables:
            raise SystemExit(f"the baseline restore holds {held} tables, the archive {tables}")
        return step

    steps: dict[str, list[Step]] = {k: [] for k in ("backup", "check", "restore", "pg_dump", "pg_restore")}
    first: Made | None = None
    restored_files = 0
    for i in range(1, args.repeat + 1):
        # The command and its baseline take turns going first: neither always finds the
        # other's pages in the cache.
        flip = i % 2 == 0
        print(
            f"round {i}/{args.repeat}: backup and pg_dump{' (pg_dump first)' if flip else ''} ...", flush=True
        )
        if flip:
            steps["pg_dump"].append(dump_baseline(i))
        made = backup(i)
        steps["backup"].append(made.step)
        if not flip:
            steps["pg_dump"].append(dump_baseline(i))
        if first is None:
            first = made
            _echo(made.step)
        check = timed(
            "check", [*satuanak, "restore", str(made.archive), "--check", "--key-file", str(key)], env
        )
        if "archive verified" not in check.stdout:
            raise SystemExit(f"restore --check did not say the archive is verified:\n{check.stdout}")
        steps["check"].append(check)
        print(
            f"round {i}/{args.repeat}: restore into an empty {RESTORE_DB}, pg_restore into an empty"
            f" {BASELINE_DB}{' (pg_restore first)' if flip else ''} ...",
            flush=True,
        )
        if flip:
            steps["pg_restore"].append(restore_baseline(made.summary["tables"]))
        step, restored_files = restore(made)
        steps["restore"].append(step)
        if i == 1:
            _echo(step)
        if not flip:
            steps["pg_restore"].append(restore_baseline(made.summary["tables"]))
        print(
            "  " + ", ".join(f"{k} {v[-1].seconds:.1f} s" for k, v in steps.items()),
            flush=True,
        )
        shutil.rmtree(made.archive.parent, ignore_errors=True)  # one archive on disk at a time
    assert first is not None  # at least one round (argparse)

    rows, tables, files = first.summary["rows"], first.summary["tables"], first.summary["files"]
    archive_mb = first.detail["size"] / 1e6
    dump_mb = dump.stat().st_size / 1e6
    file_mb = int(first.detail.get("file_bytes", 0)) / 1e6
    restored_mb = _database_mb(RESTORE_DB)
    seconds = {k: _median([s.seconds for s in v]) for k, v in steps.items()}
    peak = {k: max(s.peak_rss_mb for s in v) for k, v in steps.items()}
    tree = {k: max(s.tree_rss_mb for s in v) for k, v in steps.items()}
    cpu = {k: _median([s.cpu_seconds for s in v]) for k, v in steps.items()}
    print(
        f"district of {args.children:,} children: {tables} tables, {rows:,} rows, {files:,} files"
        f" ({file_mb:,.1f} MB); database {database_mb:,.0f} MB on disk"
    )
    print(f"medians of {args.repeat} round(s); peak RSS the largest of them:")
    print(
        f"{'step':<12}{'wall s':>8}{'min-max':>13}{'rows/s':>11}{'peak RSS MB':>13}{'tree MB':>9}"
        f"{'CPU s':>7}  output"
    )
    outputs = {
        "backup": f"archive {archive_mb:,.1f} MB (encrypted)",
        "check": "verified",
        "restore": f"database {restored_mb:,.0f} MB + {restored_files:,} files",
        "pg_dump": f"dump {dump_mb:,.1f} MB",
        "pg_restore": f"database {_database_mb(BASELINE_DB):,.0f} MB",
    }
    for k, v in steps.items():
        spread = f"{min(s.seconds for s in v):.1f}-{max(s.seconds for s in v):.1f}"
        print(
            f"{k:<12}{seconds[k]:>8.1f}{spread:>13}{rows / seconds[k]:>11,.0f}{peak[k]:>13,.0f}"
            f"{tree[k]:>9,.0f}{cpu[k]:>7.1f}  {outputs[k]}"
        )
    inner_backup = _median([_summary(s)["inner"] for s in steps["backup"]])
    inner_restore = _median([_summary(s)["inner"] for s in steps["restore"]])
    spans = {
        "backup_pg_dump": [x for s in steps["backup"] if (x := s.span("pg_dump")) is not None],
        "restore_pg_restore": [x for s in steps["restore"] if (x := s.span("pg_restore")) is not None],
        "restore_pg_restore_from": [
            s.seen["pg_restore"][0] for s in steps["restore"] if "pg_restore" in s.seen
        ],
    }
    span = {k: _median(v) if v else None for k, v in spans.items()}
    print(
        f"inside the commands: backup {inner_backup} s of its {seconds['backup']:.1f} s wall"
        f" (pg_dump ran ~{span['backup_pg_dump']} s); restore {inner_restore} s of its"
        f" {seconds['restore']:.1f} s wall (pg_restore ran ~{span['restore_pg_restore']} s,"
        f" from {span['restore_pg_restore_from']} s)"
    )
    backup_ratio = round(seconds["backup"] / seconds["pg_dump"], 2)
    restore_ratio = round(seconds["restore"] / seconds["pg_restore"], 2)
    print(
        f"ratios: backup / pg_dump {backup_ratio:.2f}, restore / pg_restore {restore_ratio:.2f};"
        f" archive {archive_mb:,.1f} MB = files {file_mb:,.1f} MB + the rest {archive_mb - file_mb:,.1f} MB"
        f" (pg_dump's own dump {dump_mb:,.1f} MB)"
    )
    in_backup = max((s.peak("pg_dump") or 0.0 for s in steps["backup"]), default=0.0)
    in_restore = max((s.peak("pg_restore") or 0.0 for s in steps["restore"]), default=0.0)
    print(
        f"peak RSS of pg_dump inside backup {in_backup} MB, of pg_restore inside restore {in_restore} MB;"
        f" baselines {peak['pg_dump']} and {peak['pg_restore']} MB"
    )
    return {
        "backup_seconds": seconds["backup"],
        "backup_rows_per_s": round(rows / seconds["backup"]),
        "backup_peak_rss_mb": peak["backup"],
        "backup_tree_peak_rss_mb": tree["backup"],
        "backup_cpu_seconds": cpu["backup"],
        "backup_inner_seconds": inner_backup,
        "backup_pg_dump_seconds": span["backup_pg_dump"],
        "backup_pg_dump_peak_rss_mb": in_backup,
        "archive_mb": round(archive_mb, 1),
        "check_seconds": seconds["check"],
        "check_peak_rss_mb": peak["check"],
        "restore_seconds": seconds["restore"],
        "restore_rows_per_s": round(rows / seconds["restore"]),
        "restore_peak_rss_mb": peak["restore"],
        "restore_tree_peak_rss_mb": tree["restore"],
        "restore_cpu_seconds": cpu["restore"],
        "restore_inner_seconds": inner_restore,
        "restore_pg_restore_seconds": span["restore_pg_restore"],
        "restore_pg_restore_peak_rss_mb": in_restore,
        "restore_verified": True,
        "pg_dump_seconds": seconds["pg_dump"],
        "pg_dump_peak_rss_mb": peak["pg_dump"],
        "pg_dump_mb": round(dump_mb, 1),
        "pg_restore_seconds": seconds["pg_restore"],
        "pg_restore_peak_rss_mb": peak["pg_restore"],
        "backup_over_pg_dump": backup_ratio,
        "restore_over_pg_restore": restore_ratio,
        "rounds": args.repeat,
        **{f"{k}_seconds_all": [s.seconds for s in v] for k, v in steps.items() if args.repeat > 1},
        "rows": rows,
        "tables": tables,
        "files": files,
        "file_mb": round(file_mb, 1),
        "database_mb": database_mb,
        "restored_database_mb": restored_mb,
        "copy_seconds": round(copy_seconds, 1),
        "children": args.children,
        "children_in_database": info.get("children_linked"),
    }


if __name__ == "__main__":
    main()

"""Load test of the production setup: 50 signed-in users working at once for a bounded time,
while one of them uploads a source file that the task worker imports meanwhile.

Setup (bench/load_setup.py): PostgreSQL database `satuanak_bench_load` holding the default
synthetic district (100,000 children; generated, imported, linked and flagged once, then
reused; `--rebuild` makes it again, `--children N` uses a smaller one beside it),
DJANGO_SETTINGS_MODULE=config.django.production, static files collected, gunicorn with
`-c deploy/gunicorn.conf.py` (its workers x threads) and one `satuanak worker`, on loopback.
The clients act as nginx would: they send `X-Forwarded-Proto: https` and each user's own
`X-Forwarded-For`, and keep their cookies themselves (http.client ignores the Secure flag).

Users (threads, one keep-alive connection each, like bench/web.py): a data steward, district
health officers, civil-registry and education officers, and puskesmas staff spread over the
puskesmas, each seeing only their service area's children. All sign in through /masuk/ before
the timed window (PBKDF2 is deliberately slow; sign-ins are not what is measured). Each user
then loops: pick a request by weight, send it, wait a random think time (uniform 0.5-2 s,
`--think LO,HI`) - a person reading a page, not a client hammering the server:

    weight  kind       request
      15    dashboard  /                              (the home page with the map)
      15    map        /peta/data.json?kode=K          (stunting 60 %, else another flag)
       8    geojson    /peta/desa.geojson
      20    list       /anak/?desa=D                   (a desa of the user's area)
      25    child      /anak/<id>/                     (a child of the user's area)
       4    api_list   /api/v1/anak/?desa=D&limit=50   (bearer token, the user's own)
       4    api_child  /api/v1/anak/<id>/
       3    api_agg    /api/v1/agregat/?penanda=stunting
       6    static     one of the assets the dashboard links (CSS, JS, icon)

"pages" are the first five kinds (HTML and JSON pages); "api" the three API kinds. Nothing is
cached on the client: every request goes to the server.

The import: when the window opens, the steward opens /impor/ and uploads a SIAK CSV of a new
synthetic population (`--import-children`, default 3,000 children, i.e. about 5,000 rows with
their parents; a new seed per run, so never a duplicate of an earlier file), then follows the
batch page as its browser does (it refreshes every 2 s) and goes back to the mix. The bench
polls the batch in the database until it is done and reports import_seconds from the upload;
the linkage run and flags recompute the worker starts after it are reported too.

Baseline, same run, same users and think time: /healthz (no database) for `--baseline-seconds`
before the mix; the figures are best read as ratios to it on a noisy machine. Errors are any
status other than the one the request should get (200; 302 for the sign-in and the upload)
and connection errors.

    .venv/bin/python bench/load.py                           # 100,000 children, 50 users, 120 s
    .venv/bin/python bench/load.py --children 5000 --seconds 30

The last line is one JSON object with rps, p50/p95/p99_ms, errors, pages_p95_ms, api_p95_ms,
import_done, import_seconds, baseline_rps, baseline_p95_ms, server_peak_rss_mb and the rest.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import resource
import runpy
import secrets
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load_setup

ROOT = load_setup.ROOT
WORK = load_setup.WORK

MIX: list[tuple[str, int]] = [
    ("dashboard", 15),
    ("map", 15),
    ("geojson", 8),
    ("list", 20),
    ("child", 25),
    ("api_list", 4),
    ("api_child", 4),
    ("api_agg", 3),
    ("static", 6),
]
PAGES = ("dashboard", "map", "geojson", "list", "child")
API = ("api_list", "api_child", "api_agg")
TIMEOUT = 60.0  # per request; well above any acceptable answer, below gunicorn's 120 s


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Sample:
    kind: str
    seconds: float
    ok: bool
    status: int  # 0 = connection error
    at: float  # when it started, relative to the window's start


class Recorder:
    """Every request's latency and outcome; threads append under one lock (cheap at ~40 req/s)."""

    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.lock = threading.Lock()

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


@dataclass
class Client:
    """One person's browser: a keep-alive connection to the server and a cookie jar."""

    port: int
    ip: str  # what nginx would pass as X-Forwarded-For
    cookies: dict[str, str] = field(default_factory=dict)
    conn: http.client.HTTPConnection | None = None
    reconnects: int = 0

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        cookies: bool = True,
    ) -> tuple[int, bytes, http.client.HTTPResponse]:
        sent = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.ip,
            "Accept-Encoding": "gzip",
            "Accept-Language": "id,en;q=0.8",
            "User-Agent": "satuanak-bench-load/1",
        }
        if cookies and self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        # A browser silently resends a GET when the server had already closed the kept
        # connection (gunicorn's keepalive is 5 s, e.g. between the bench's phases; a worker
        # may be recycled): so do we, once, and count it. Only on a reused connection.
        for attempt in (0, 1):
            fresh = self.conn is None
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=sent)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if fresh or attempt or method != "GET":
                    raise
                self.reconnects += 1
                continue
            except (OSError, http.client.HTTPException):
                self.close()
                raise
            for header in response.msg.get_all("Set-Cookie") or []:
                name, _, value = header.split(";", 1)[0].partition("=")
                if value:
                    self.cookies[name.strip()] = value.strip()
                else:
                    self.cookies.pop(name.strip(), None)
            if response.will_close:
                self.close()
            return response.status, data, response
        raise AssertionError("unreachable")


_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
_STATIC = re.compile(rb'(?:href|src)="(/static/[^"]+)"')


def _post_page_form(client: Client, path: str, fields: str, who: str) -> tuple[int, Any]:
    """GET a page for its CSRF token, then POST its form as the browser would (same origin)."""
    status, body, _ = client.request("GET", path)
    match = _CSRF.search(body)
    if status != 200 or match is None:
        raise SystemExit(f"{path} for {who}: status {status}")
    origin = f"https://127.0.0.1:{client.port}"
    status, _, response = client.request(
        "POST",
        path,
        body=f"csrfmiddlewaretoken={match.group(1).decode()}&{fields}".encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": origin,
            "Referer": origin + path,
        },
    )
    return status, response


def sign_in(client: Client, username: str, password: str) -> None:
    status, response = _post_page_form(
        client, "/masuk/", f"username={username}&password={password}&next=/", username
    )
    # A wrong password would count towards the lockout (5 per user): stop at the first failure.
    if status != 302 or "sessionid" not in client.cookies:
        raise SystemExit(f"sign-in of {username} failed: status {status} {response.getheader('Location')}")
    # Personal-data pages need the session's purpose (access/purpose.py), chosen once, as staff do.
    status, _ = _post_page_form(client, "/tujuan/", "tujuan=layanan&next=/", username)
    if status != 302:
        raise SystemExit(f"purpose of {username} refused: status {status}")


def _multipart(fields: dict[str, str], file_field: str, path: Path) -> tuple[bytes, str]:
    boundary = "----satuanak" + uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{path.name}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
    )
    parts.append(path.read_bytes())
    parts.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class User:
    index: int
    username: str
    token: str
    desa: list[str]
    children: list[int]
    client: Client
    rng: random.Random


@dataclass
class ImportState:
    upload_path: Path
    batch_id: int | None = None
    uploaded_at: float | None = None  # perf_counter at the upload POST
    uploaded_wall: datetime | None = None
    done_at: float | None = None
    status: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    error: str = ""


class Run:
    def __init__(self, args: argparse.Namespace, port: int, users: list[User], statics: list[str]) -> None:
        self.args = args
        self.port = port
        self.users = users
        self.statics = statics
        self.map_codes: list[str] = []
        self.kinds = [k for k, _ in MIX]
        self.weights = [w for _, w in MIX]

    def think(self, user: User) -> None:
        lo, hi = self.args.think
        time.sleep(user.rng.uniform(lo, hi))

    def pick(self, user: User) -> tuple[str, str, dict[str, str], bool]:
        """A request by the mix's weights: kind, path, extra headers, whether cookies go along."""
        return self.request_for(user, user.rng.choices(self.kinds, self.weights)[0])

    def request_for(self, user: User, kind: str) -> tuple[str, str, dict[str, str], bool]:
        rng = user.rng
        bearer = {"Authorization": f"Bearer {user.token}"}
        desa = rng.choice(user.desa)
        if kind == "dashboard":
            return kind, "/", {}, True
        if kind == "map":
            others = [c for c in self.map_codes if c != "stunting"]
            code = "stunting" if rng.random() < 0.6 or not others else rng.choice(others)
            return kind, f"/peta/data.json?kode={code}", {}, True
        if kind == "geojson":
            return kind, "/peta/desa.geojson", {}, True
        if kind == "list":
            return kind, f"/anak/?desa={desa}", {}, True
        if kind == "child":
            return kind, f"/anak/{rng.choice(user.children)}/", {}, True
        # An API client is a program with a token, not a browser: no session cookie.
        if kind == "api_list":
            return kind, f"/api/v1/anak/?desa={desa}&limit=50", bearer, False
        if kind == "api_child":
            return kind, f"/api/v1/anak/{rng.choice(user.children)}/", bearer, False
        if kind == "api_agg":
            return kind, "/api/v1/agregat/?penanda=stunting", bearer, False
        return "static", rng.choice(self.statics), {}, True

    def timed(
        self, user: User, rec: Recorder, t0: float, kind: str, method: str, path: str, expect: int, **kw: Any
    ) -> tuple[int, bytes, http.client.HTTPResponse | None]:
        start = time.perf_counter()
        try:
            status, body, response = user.client.request(method, path, **kw)
        except (OSError, http.client.HTTPException):
            rec.add(Sample(kind, time.perf_counter() - start, False, 0, start - t0))
            return 0, b"", None
        rec.add(Sample(kind, time.perf_counter() - start, status == expect, status, start - t0))
        return status, body, response

    def user_loop(self, user: User, rec: Recorder, t0: float, stop: float, imp: ImportState | None) -> None:
        if imp is not None:
            self.upload(user, rec, t0, stop, imp)
        while time.perf_counter() < stop:
            kind, path, headers, cookies = self.pick(user)
            self.timed(user, rec, t0, kind, "GET", path, 200, headers=headers, cookies=cookies)
            self.think(user)

    def upload(self, user: User, rec: Recorder, t0: float, stop: float, imp: ImportState) -> None:
        """The steward's import: the upload page, the POST, then the batch page while it refreshes."""
        status, body, _ = self.timed(user, rec, t0, "import_page", "GET", "/impor/", 200)
        match = _CSRF.search(body)
        if match is None:
            imp.error = f"upload page: status {status}"
            return
        self.think(user)  # choosing the file
        payload, content_type = _multipart(
            {"csrfmiddlewaretoken": match.group(1).decode(), "sumber": "siak"}, "berkas", imp.upload_path
        )
        origin = f"https://127.0.0.1:{self.port}"
        imp.uploaded_at = time.perf_counter()
        imp.uploaded_wall = datetime.now(UTC)
        status, _, response = self.timed(
            user, rec, t0, "upload", "POST", "/impor/", 302, body=payload,
            headers={"Content-Type": content_type, "Origin": origin, "Referer": origin + "/impor/"},
        )  # fmt: skip
        location = response.getheader("Location", "") if response is not None else ""
        found = re.search(r"/impor/(\d+)/", location)
        if status != 302 or found is None:
            imp.error = f"upload: status {status} {location}"
            return
        imp.batch_id = int(found.group(1))
        # The batch page reloads itself every 2 s while the import runs (<meta http-equiv=refresh>).
        while time.perf_counter() < stop:
            status, body, _ = self.timed(user, rec, t0, "import_page", "GET", f"/impor/{imp.batch_id}/", 200)
            if status == 200 and b'http-equiv="refresh"' not in body:
                break
            time.sleep(2.0)


def drive(run: Run, seconds: float, *, imp: ImportState | None = None, only: str | None = None) -> Recorder:
    """All users for `seconds`; `only` = one path for every request (the baseline)."""
    rec = Recorder()
    t0 = time.perf_counter()
    stop = t0 + seconds

    def baseline(user: User) -> None:
        assert only is not None
        while time.perf_counter() < stop:
            run.timed(user, rec, t0, "healthz", "GET", only, 200, cookies=False)
            run.think(user)

    threads = [
        threading.Thread(
            target=baseline if only else run.user_loop,
            args=(u,) if only else (u, rec, t0, stop, imp if u.index == 0 else None),
            name=f"user-{u.username}",
            daemon=True,
        )
        for u in run.users
    ]
    # Users do not all start in the same millisecond: spread over the first think time.
    for t in threads:
        t.start()
        time.sleep(run.args.think[0] / max(1, len(threads)))
    for t in threads:
        t.join(timeout=seconds + TIMEOUT + 30)
    return rec


def stats(samples: list[Sample], seconds: float) -> dict[str, Any]:
    lat = sorted(s.seconds for s in samples)

    def q(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 1) if lat else 0.0

    bad = [s for s in samples if not s.ok]
    codes: dict[str, int] = {}
    for s in bad:
        codes[str(s.status)] = codes.get(str(s.status), 0) + 1
    return {
        "requests": len(lat),
        "rps": round(len(lat) / seconds, 2) if seconds else 0.0,
        "p50_ms": q(0.50),
        "p95_ms": q(0.95),
        "p99_ms": q(0.99),
        "max_ms": round(lat[-1] * 1000, 1) if lat else 0.0,
        "errors": len(bad),
        "error_statuses": codes,
    }


def _line(name: str, r: dict[str, Any]) -> str:
    codes = f"  {r['error_statuses']}" if r["error_statuses"] else ""
    return (
        f"  {name:12} {r['requests']:>6} req {r['rps']:>7} req/s  p50 {r['p50_ms']:>7} ms  "
        f"p95 {r['p95_ms']:>7} ms  p99 {r['p99_ms']:>7} ms  max {r['max_ms']:>7} ms"
        f"  errors {r['errors']}{codes}"
    )


def _children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of one process in MB. PSS shares the pages preload_app leaves common to the
    master and its workers out between them, so its sum is what the processes really take."""
    rss = pss = 0.0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss, pss


class MemorySampler(threading.Thread):
    """Peak of the summed RSS (and PSS) of gunicorn's master and workers, and of the task worker."""

    def __init__(self, server_pid: int, worker_pid: int) -> None:
        super().__init__(name="memory", daemon=True)
        self.server_pid, self.worker_pid = server_pid, worker_pid
        self.server_rss = self.server_pss = self.worker_rss = 0.0
        self.halt = threading.Event()

    def sample(self) -> None:
        pids = [self.server_pid, *_children_of(self.server_pid)]
        mem = [_memory_mb(p) for p in pids]
        self.server_rss = max(self.server_rss, sum(r for r, _ in mem))
        self.server_pss = max(self.server_pss, sum(p for _, p in mem))
        worker = [self.worker_pid, *_children_of(self.worker_pid)]
        self.worker_rss = max(self.worker_rss, sum(_memory_mb(p)[0] for p in worker))

    def run(self) -> None:
        while not self.halt.wait(1.0):
            self.sample()


def _jiffies(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


class CpuMeter:
    """Where the machine's CPU went during the window: the web server, the task worker, the
    PostgreSQL backends of the run's database, this bench, and everything else (on a shared
    machine: other people's processes, which the latencies pay for too)."""

    def __init__(self, server_pid: int, worker_pid: int, url: str) -> None:
        self.server_pid, self.worker_pid, self.url = server_pid, worker_pid, url

    def _pg_pids(self) -> list[int]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        return [int(r[0]) for r in rows]

    def snapshot(self) -> dict[str, Any]:
        cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        values = [int(v) for v in cpu[:8]]
        groups = {
            "gunicorn": [self.server_pid, *_children_of(self.server_pid)],
            "worker": [self.worker_pid, *_children_of(self.worker_pid)],
            "postgres": self._pg_pids(),
            "bench": [os.getpid()],
        }
        return {
            "at": time.perf_counter(),
            "busy": sum(values) - values[3] - values[4],  # all but idle and iowait
            "pids": {g: {p: _jiffies(p) for p in pids} for g, pids in groups.items()},
        }

    @staticmethod
    def cores(start: dict[str, Any], end: dict[str, Any]) -> dict[str, float]:
        """Cores used on average between two snapshots, per group and in all."""
        tick = os.sysconf("SC_CLK_TCK")
        seconds = end["at"] - start["at"]
        out: dict[str, float] = {}
        for group, pids in end["pids"].items():
            before = start["pids"].get(group, {})
            used = sum(j - before.get(p, 0) for p, j in pids.items())
            out[group] = round(used / tick / seconds, 2)
        out["machine"] = round((end["busy"] - start["busy"]) / tick / seconds, 2)
        out["other"] = round(out["machine"] - sum(out[g] for g in end["pids"]), 2)
        return out


def poll_import(imp: ImportState, url: str, window_end: float, stop_at: float) -> None:
    """The batch's state straight from the database, once a second, until done or `stop_at`;
    then the linkage run and flags recompute the worker started after it."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        while time.perf_counter() < stop_at and not imp.error:
            if imp.batch_id is None and time.perf_counter() > window_end:
                return  # the steward never got the file up (imp.error says why)
            if imp.batch_id is not None:
                row = conn.execute(
                    "SELECT status, rows_in, accepted, rejected, inserted, updated, started_at, finished_at"
                    " FROM imports_importbatch WHERE id = %s",
                    (imp.batch_id,),
                ).fetchone()
                if row is not None:
                    imp.status = str(row[0])
                    if imp.status in ("done", "duplicate", "failed"):
                        imp.done_at = time.perf_counter()
                        started, finished = row[6], row[7]
                        imp.detail = {
                            "rows_in": row[1],
                            "accepted": row[2],
                            "rejected": row[3],
                            "inserted": row[4],
                            "updated": row[5],
                            "import_run_seconds": round((finished - started).total_seconds(), 1)
                            if started and finished
                            else None,
                        }
                        return
            time.sleep(1.0)


def followups(url: str, since: datetime) -> dict[str, Any]:
    """The linkage run and flags recompute that followed the upload (tasks of the worker)."""
    import psycopg

    out: dict[str, Any] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for name, table in (("linkage", "linkage_linkagerun"), ("flags", "flags_flagrun")):
            row = conn.execute(
                f"SELECT status, started_at, finished_at FROM {table} WHERE started_at >= %s"  # noqa: S608 - fixed table names
                " ORDER BY started_at LIMIT 1",
                (since,),
            ).fetchone()
            if row is None:
                out[f"{name}_status"] = "not started"
                continue
            out[f"{name}_status"] = row[0]
            if row[2] is not None:
                out[f"{name}_seconds"] = round((row[2] - row[1]).total_seconds(), 1)
    return out


def wait_ready(port: int, procs: list[subprocess.Popen[bytes]], seconds: float = 120.0) -> None:
    """Until /readyz answers 200: the database is reachable and a task worker is beating."""
    client = Client(port=port, ip="127.0.0.1")
    end = time.perf_counter() + seconds
    last = ""
    while time.perf_counter() < end:
        for p in procs:
            if p.poll() is not None:
                raise SystemExit(f"a server process exited with {p.returncode}; see {WORK / 'server.log'}")
        try:
            status, body, _ = client.request("GET", "/readyz")
            if status == 200:
                return
            last = body.decode(errors="replace")[:300]
        except (OSError, http.client.HTTPException) as exc:
            last = repr(exc)
        time.sleep(0.5)
    raise SystemExit(f"server not ready after {seconds:.0f} s: {last}")


def _unit_nice(unit: Path) -> int:
    """The Nice= of a systemd unit file (0 when it sets none)."""
    found = re.findall(r"^Nice=(-?\d+)\s*$", unit.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return int(found[-1]) if found else 0


def _stop(proc: subprocess.Popen[bytes], timeout: float = 40.0) -> None:
    if proc.poll() is None:
        proc.terminate()  # gunicorn and the worker finish what they hold on SIGTERM
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120.0, help="the timed window of the mix")
    parser.add_argument("--baseline-seconds", type=float, default=20.0)
    parser.add_argument(
        "--think",
        type=lambda s: tuple(float(x) for x in s.split(",")),
        default=(0.5, 2.0),
        help="a user's pause between requests, uniform LO,HI seconds (default 0.5,2)",
    )
    parser.add_argument("--children", type=int, default=100_000, help="the district's size")
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument("--import-children", type=int, default=3000, help="size of the uploaded SIAK file")
    parser.add_argument("--import-timeout", type=float, default=900.0, help="how long to wait for it after")
    parser.add_argument("--seed", type=int, default=0, help="0 = a new one each run (the upload must be new)")
    args = parser.parse_args()
    if len(args.think) != 2 or not 0 <= args.think[0] <= args.think[1]:
        parser.error("--think LO,HI with 0 <= LO <= HI")
    seed = args.seed or secrets.randbelow(1_000_000_000) + 1
    sys.path.insert(0, str(load_setup.SRC))

    t = time.perf_counter()
    info = load_setup.prepare(args.children, rebuild=args.rebuild, users=max(50, args.users))
    prepared = "reused" if info["reused"] else f"built in {time.perf_counter() - t:.0f} s"
    print(f"database {info['database']}: {prepared} (its build took {info['prepare_seconds']} s)", flush=True)
    load_setup.collectstatic(args.children)
    files_before = load_setup.files_now(args.children)
    print(f"copied it for this run in {load_setup.clone(args.children):.1f} s", flush=True)
    url = load_setup.database_url(args.children, run=True)
    setup: dict[str, Any] = {}
    try:
        print(
            f"setting up {args.users} users' tokens and a {args.import_children:,}-child SIAK file ...",
            flush=True,
        )
        setup = load_setup.run_setup(
            args.children, users=args.users, upload_children=args.import_children, upload_seed=seed
        )
        result = measure(args, seed, info, setup, url)
    finally:
        load_setup.drop_clone(args.children)
        load_setup.remove_new_files(args.children, files_before)
        if setup:
            load_setup.cleanup_upload(setup)
    print(json.dumps(result))


def measure(
    args: argparse.Namespace, seed: int, info: dict[str, Any], setup: dict[str, Any], url: str
) -> dict[str, Any]:
    upload_path = Path(setup["upload"])
    upload_rows = sum(1 for _ in upload_path.open("rb")) - 1
    port = _free_port()
    env = load_setup.base_env(args.children, run=True)
    env["SATUANAK_BIND"] = f"127.0.0.1:{port}"
    WORK.mkdir(parents=True, exist_ok=True)
    log = (WORK / "server.log").open("wb")
    gunicorn_conf = ROOT / "deploy" / "gunicorn.conf.py"
    # The settings gunicorn will read, read the same way (the file takes them from the environment).
    conf = runpy.run_path(str(gunicorn_conf))
    satuanak = [sys.executable, "-m", "satuanak"]  # `satuanak` is this package's console script
    procs: list[subprocess.Popen[bytes]] = []
    memory: MemorySampler | None = None
    users: list[User] = []
    try:
        # Own sessions: a Ctrl-C reaches only this script, which then stops them in order below.
        # At the priority its systemd unit gives it (Nice=): background work yields to pages.
        nice = _unit_nice(ROOT / "deploy" / "systemd" / "satuanak-worker.service")
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and the project's command
            [*satuanak, "worker"], cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True,
            preexec_fn=(lambda: os.nice(nice)) if nice else None,
        )  # fmt: skip
        procs.append(worker)
        server = subprocess.Popen(  # noqa: S603 - our own interpreter, gunicorn and the deploy config
            [sys.executable, "-m", "gunicorn", "-c", str(gunicorn_conf), "config.wsgi:application"],
            cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        procs.append(server)
        wait_ready(port, procs)
        workers = len(_children_of(server.pid))
        threads = int(conf["threads"])
        print(
            f"setup: gunicorn -c deploy/gunicorn.conf.py: {workers} workers x {threads} threads (gthread),"
            f" 1 satuanak worker, PostgreSQL {info['database']} (a copy): {setup['children']:,} children"
            f" (district of {args.children:,}), config.django.production, port {port}",
            flush=True,
        )
        memory = MemorySampler(server.pid, worker.pid)
        memory.start()

        for i, u in enumerate(setup["users"][: args.users]):
            ip = f"10.{20 + i // 250}.{i % 250}.{10 + i % 7}"
            users.append(
                User(
                    i,
                    u["username"],
                    u["token"],
                    u["desa"],
                    u["children"],
                    Client(port, ip),
                    random.Random(seed + i),
                )
            )
        t = time.perf_counter()

        def sign_in_all(some: list[User]) -> None:
            for x in some:
                sign_in(x.client, x.username, load_setup.BENCH_PASSWORD)

        # Four at a time: PBKDF2 takes a core for a good fraction of a second per sign-in.
        sign_ins = [threading.Thread(target=sign_in_all, args=(users[k::4],)) for k in range(4)]
        for th in sign_ins:
            th.start()
        for th in sign_ins:
            th.join()
        if any("sessionid" not in u.client.cookies for u in users):
            raise SystemExit("not every user could sign in; see the lines above")
        print(f"signed in {len(users)} users in {time.perf_counter() - t:.1f} s", flush=True)
        _, home, _ = users[0].client.request("GET", "/")
        statics = sorted({m.decode() for m in _STATIC.findall(home)})
        run = Run(args, port, users, statics)
        run.map_codes = setup["map_codes"]
        # Warm every kind once per server thread: first-request imports and per-process caches
        # are not what a server that has been up for a day pays.
        warm = Recorder()
        for u in users[: workers * threads]:
            for kind in run.kinds:
                _, path, headers, cookies = run.request_for(u, kind)
                run.timed(u, warm, 0.0, kind, "GET", path, 200, headers=headers, cookies=cookies)
        if any(not s.ok for s in warm.samples):
            bad = [(s.kind, s.status) for s in warm.samples if not s.ok][:10]
            raise SystemExit(f"warm-up requests failed: {bad}")

        print(f"baseline: {len(users)} users on /healthz for {args.baseline_seconds:.0f} s ...", flush=True)
        base = stats(drive(run, args.baseline_seconds, only="/healthz").samples, args.baseline_seconds)
        print(_line("healthz", base), flush=True)

        print(
            f"mix: {len(users)} users for {args.seconds:.0f} s, think {args.think[0]}-{args.think[1]} s;"
            f" upload of {upload_path.name} ({upload_rows:,} rows,"
            f" {upload_path.stat().st_size / 1e6:.1f} MB)",
            flush=True,
        )
        imp = ImportState(upload_path=upload_path)
        meter = CpuMeter(server.pid, worker.pid, url)
        cpu_start = meter.snapshot()
        window_start = time.perf_counter()
        poller = threading.Thread(
            target=poll_import,
            args=(imp, url, window_start + args.seconds, window_start + args.seconds + args.import_timeout),
            daemon=True,
        )
        poller.start()
        rec = drive(run, args.seconds, imp=imp)
        cpu = CpuMeter.cores(cpu_start, meter.snapshot())
        window_end = window_start + args.seconds
        if imp.batch_id is not None and imp.done_at is None:
            print("window over; waiting for the import to finish ...", flush=True)
        poller.join(timeout=args.import_timeout + 5)
        after = followups(url, imp.uploaded_wall) if imp.uploaded_wall else {}
        memory.sample()
    finally:
        if memory is not None:
            memory.halt.set()
        for p in reversed(procs):  # the web server first, then the worker
            _stop(p)
        log.close()
        for u in users:
            u.client.close()

    assert memory is not None  # set before anything that returns normally
    samples = rec.samples
    seconds = args.seconds
    kinds = {
        k: stats([s for s in samples if s.kind == k], seconds) for k in [*run.kinds, "import_page", "upload"]
    }
    overall = stats(samples, seconds)
    pages = stats([s for s in samples if s.kind in PAGES], seconds)
    api = stats([s for s in samples if s.kind in API], seconds)
    print("per kind:")
    for name, r in kinds.items():
        if r["requests"]:
            print(_line(name, r))
    print(_line("pages", pages))
    print(_line("api", api))
    print(_line("all", overall))
    # Pages over time: what the import and the linkage and flags runs after it cost the users.
    step = max(5.0, round(seconds / 12 / 5) * 5)
    print(f"pages over time ({step:.0f} s slices):")
    for lo in range(0, int(seconds), int(step)):
        part = [s for s in samples if s.kind in PAGES and lo <= s.at < lo + step]
        r = stats(part, step)
        print(
            f"  {lo:>4}-{lo + step:<4.0f}s {r['rps']:>7} req/s"
            f"  p50 {r['p50_ms']:>7} ms  p95 {r['p95_ms']:>7} ms"
        )
    import_done = imp.status == "done"
    import_seconds = round(imp.done_at - imp.uploaded_at, 1) if imp.done_at and imp.uploaded_at else None
    in_window = bool(imp.done_at and imp.done_at <= window_end)
    print(
        f"import: batch {imp.batch_id} {imp.status or imp.error or 'not uploaded'}"
        f" in {import_seconds} s from the upload ({'within' if in_window else 'NOT within'} the window);"
        f" {json.dumps(imp.detail)}; after it: {json.dumps(after)}"
    )
    reconnects = sum(u.client.reconnects for u in run.users)
    server_errors = sum(
        1 for line in (WORK / "server.log").open(errors="replace") if '"level": "ERROR"' in line
    )
    print(
        f"memory: gunicorn master + {workers} workers peak RSS {memory.server_rss:.0f} MB"
        f" (PSS {memory.server_pss:.0f} MB), task worker {memory.worker_rss:.0f} MB;"
        f" reconnects after keep-alive closes {reconnects}; ERROR lines in the server log: {server_errors}"
    )
    print(
        "cpu in the window (cores of 2): "
        + ", ".join(f"{k} {v}" for k, v in cpu.items())
        + f"; gunicorn {cpu['gunicorn'] * 1000 / max(overall['rps'], 0.001):.0f} ms CPU per request"
    )
    summary = {
        "rps": overall["rps"],
        "p50_ms": overall["p50_ms"],
        "p95_ms": overall["p95_ms"],
        "p99_ms": overall["p99_ms"],
        "errors": overall["errors"],
        "pages_p50_ms": pages["p50_ms"],
        "pages_p95_ms": pages["p95_ms"],
        "pages_p99_ms": pages["p99_ms"],
        "pages_errors": pages["errors"],
        "api_p95_ms": api["p95_ms"],
        "api_errors": api["errors"],
        "requests": overall["requests"],
        "users": len(run.users),
        "seconds": seconds,
        "think_s": list(args.think),
        "import_done": import_done,
        "import_seconds": import_seconds,
        "import_in_window": in_window,
        "import_rows": upload_rows,
        **{f"import_{k}": v for k, v in imp.detail.items() if k != "import_run_seconds"},
        "import_run_seconds": imp.detail.get("import_run_seconds"),
        **after,
        "baseline_rps": base["rps"],
        "baseline_p95_ms": base["p95_ms"],
        "baseline_errors": base["errors"],
        "pages_p95_over_baseline": round(pages["p95_ms"] / base["p95_ms"], 1) if base["p95_ms"] else None,
        "children": setup["children"],
        "district_children": args.children,
        "gunicorn_workers": workers,
        "gunicorn_threads": threads,
        "task_worker_nice": nice,
        "server_peak_rss_mb": round(memory.server_rss, 1),
        "server_peak_pss_mb": round(memory.server_pss, 1),
        "task_worker_peak_rss_mb": round(memory.worker_rss, 1),
        "bench_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "reconnects": reconnects,
        "server_error_log_lines": server_errors,
        **{f"{k}_p95_ms": r["p95_ms"] for k, r in kinds.items() if r["requests"]},
        **{f"{k}_errors": r["errors"] for k, r in kinds.items() if r["errors"]},
        **{f"cpu_{k}_cores": v for k, v in cpu.items()},
        "seed": seed,
    }
    return summary


if __name__ == "__main__":
    main()

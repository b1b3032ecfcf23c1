"""Benchmark the map-data and dashboard endpoints under concurrent clients, beside a trivial
endpoint (/sehat/, no database) of the same server in the same run.

The server is gunicorn (2 workers x 4 threads on this 2-core machine: the production shape)
on loopback, over the database bench/flags.py prepared (the default district, flags computed);
the clients are threads with keep-alive connections. Each endpoint is driven for the same time
with the same number of clients; latencies are per request.

    .venv/bin/python bench/web.py                  # 20 clients, 15 s per endpoint
    .venv/bin/python bench/web.py --clients 5 --seconds 5

The last line is one JSON object with map_rps, trivial_rps, map_p95_ms, errors and the rest.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENDPOINTS = {
    "trivial": "/sehat/",
    "map": "/peta/data.json?kode=stunting",
    "dashboard": "/",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def drive(port: int, path: str, *, clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        bad = 0
        while time.perf_counter() < stop:
            t = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append(time.perf_counter() - t)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def q(p: float) -> float:
        return (
            round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1) if latencies else 0.0
        )

    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": q(0.5),
        "p95_ms": q(0.95),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--children", type=int, default=100_000, help="the district bench/flags.py prepared")
    args = parser.parse_args()
    work = ROOT / "var" / "bench" / "flags"
    db = work / f"flags-{args.children}.sqlite3"
    if not db.exists():
        print("preparing the district's database with bench/flags.py ...", flush=True)
        prepare = [sys.executable, str(ROOT / "bench" / "flags.py"), "--children", str(args.children)]
        subprocess.run(prepare, check=True)  # noqa: S603 - our own interpreter and script
    port = _free_port()
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "SATUANAK_SQLITE_PATH": str(db),
            "SATUANAK_STAGING_DIR": str(work / f"staging-{args.children}"),
            "SATUANAK_DEBUG": "false",
            "SATUANAK_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SATUANAK_SECRET_KEY": "bench-only-not-secret-" + "x" * 40,
            "DJANGO_SETTINGS_MODULE": "config.django.base",
            "PYTHONPATH": str(ROOT / "src"),
        }
    )
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and server
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        results: dict[str, dict[str, Any]] = {}
        for name, path in ENDPOINTS.items():
            drive(port, path, clients=2, seconds=1.0)  # warm: imports, caches, connections
            results[name] = drive(port, path, clients=args.clients, seconds=args.seconds)
            r = results[name]
            print(
                f"{name:10} {path:34} {r['rps']:>8} req/s  p50 {r['p50_ms']:>6} ms  p95 {r['p95_ms']:>6} ms"
                f"  errors {r['errors']}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
    summary = {
        "clients": args.clients,
        "map_rps": results["map"]["rps"],
        "trivial_rps": results["trivial"]["rps"],
        "map_p95_ms": results["map"]["p95_ms"],
        "map_share_of_trivial": round(results["map"]["rps"] / results["trivial"]["rps"], 3),
        "errors": sum(r["errors"] for r in results.values()),
        **{f"{n}_{k}": v for n, r in results.items() for k, v in r.items()},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

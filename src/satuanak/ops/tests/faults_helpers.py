"""Helpers for test_faults.py: the real processes (task workers, gunicorn) run against the test
database, a small real disk to fill, and waiting for things to happen.

Every subprocess is our own interpreter with a fixed argument list (no shell, nothing from
outside the test), started in its own session so that stopping it cannot reach the test run.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[4]
MOUNT = "/usr/bin/mount"
UMOUNT = "/usr/bin/umount"


# --- processes --------------------------------------------------------------------------------------


def database_env() -> dict[str, str]:
    """Environment that points a subprocess at the test database this test process uses."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user = quote(str(db.get("USER") or ""))
        password = db.get("PASSWORD") or ""
        auth = f"{user}:{quote(str(password))}@" if password else (f"{user}@" if user else "")
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or "5432"
        return {"DATABASE_URL": f"postgres://{auth}{host}:{port}/{quote(str(db['NAME']))}"}
    return {"SATUANAK_SQLITE_PATH": str(Path(str(db["NAME"])).resolve())}


def subprocess_env(*, media: Path, staging: Path, **extra: str) -> dict[str, str]:
    """The production settings (config.django.base: the database task backend), on the test
    database, with this test's media and staging folders."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(database_env())
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.django.base",
            "SATUANAK_DEBUG": "false",
            "SATUANAK_MEDIA_ROOT": str(media),
            "SATUANAK_STAGING_DIR": str(staging),
            "SATUANAK_LOG_LEVEL": "INFO",
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def output(self, tail: int = 6000) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return f"--- {self.name} (pid {self.pid}), last output ---\n{text[-tail:]}"

    def kill_hard(self) -> None:
        """SIGKILL, as the OOM killer or a power cut would: no handler runs, no cleanup."""
        self.popen.kill()
        # Reaped at once: a zombie still answers kill(pid, 0) and would pass for a live worker.
        self.popen.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        if self.popen.poll() is not None:
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)


def start(name: str, argv: list[str], *, env: dict[str, str], log_dir: Path) -> Process:
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments, no shell
            argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Process(name, popen, log)


def worker_argv(*extra: str, script: Path | None = None) -> list[str]:
    """`satuanak worker` as the service runs it, polling fast so the test is quick."""
    entry = str(script) if script else str(ROOT / "manage.py")
    return [
        sys.executable,
        entry,
        *([] if script else ["worker"]),
        "--interval",
        "0.2",
        "--no-startup-delay",
        *extra,
    ]


def gunicorn_argv() -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        "config.wsgi:application",
    ]


def child_pids(pid: int) -> set[int]:
    """Direct children of a process (gunicorn's workers of its master)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(
    condition: Callable[[], Any], *, timeout: float, what: str, every: float = 0.1, logs: Any = ()
) -> Any:
    """Poll until `condition()` is truthy and return it; fail naming what did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            details = "\n".join(p.output() for p in logs)
            raise AssertionError(f"not within {timeout:.0f} s: {what}\n{details}")
        time.sleep(every)


# --- HTTP --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: str


def get(port: int, path: str, *, cookie: str = "", timeout: float = 15) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        conn.close()


# --- a small disk -------------------------------------------------------------------------------------


@contextlib.contextmanager
def small_disk(path: Path, *, size_kb: int) -> Iterator[Path]:
    """A real file system of `size_kb` (tmpfs) mounted on `path`, unmounted afterwards: writes
    to it fail with ENOSPC as on a full server disk, which no mock reproduces faithfully
    (partial files, where the error surfaces, what libraries make of it)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(  # noqa: S603 - fixed arguments: the system's mount, a folder of ours
        [MOUNT, "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0755", "satuanak-faults", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.fail(
            f"Cannot mount a {size_kb} kB tmpfs on {path} to fill a disk for real "
            f"({mounted.stderr.strip() or mounted.returncode}). These tests need root (or "
            "CAP_SYS_ADMIN) and `mount -t tmpfs`: run them as root, as CI does.",
            pytrace=False,
        )
    try:
        yield path
    finally:
        unmounted = subprocess.run([UMOUNT, str(path)], capture_output=True, check=False)  # noqa: S603 - as above
        if unmounted.returncode != 0:  # a file still open: detach it now, freed when closed
            subprocess.run([UMOUNT, "-l", str(path)], capture_output=True, check=False)  # noqa: S603 - as above


def fill(path: Path, *, leave_bytes: int) -> Path:
    """Fill the disk under `path` until about `leave_bytes` are free."""
    filler = path / "filler.bin"
    room = shutil.disk_usage(path).free - leave_bytes
    with filler.open("wb") as f:
        f.write(b"\0" * max(room, 0))
    return filler


def files_under(root: Path) -> list[str]:
    """Every file under `root`, hidden ones (temporary files) included, relative and sorted."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def signal_name(code: int | None) -> str:
    return signal.Signals(-code).name if code is not None and code < 0 else str(code)

"""Structured logs: one JSON object per line, each with the request id of the request (or the
task) it came from, so an operator can follow one upload from the browser through nginx,
gunicorn and the worker with `journalctl -u 'satuanak-*' | grep <id>`.

Selected with SATUANAK_LOG_FORMAT=json (the production default); plain text otherwise.
No personal data goes into a log line: paths are logged without their query strings (a search
for a child's name or NIK travels in one), and users by id.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

_request_id: ContextVar[str | None] = ContextVar("satuanak_request_id", default=None)

# Attributes every LogRecord has; anything else was passed in `extra=` and is logged as a field.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


def request_id_set(value: str | None) -> None:
    _request_id.set(value)


def request_id_get() -> str | None:
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _request_id.get() or None,
            "process": record.process,
        }
        for key, value in record.__dict__.items():
            if key == "request":
                # Django passes the request itself; its repr holds the query string.
                entry["path"] = getattr(value, "path", None)
            elif key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)

"""Logs: one line per event, text or JSON (COMMONS_LOG_FORMAT), each with its request id.

A request id names one request from the moment it arrives: taken from the client's (or the
proxy's) `X-Request-Id` when it is sane, otherwise made here. The web keeps it in a context
variable while the request runs, so every line logged meanwhile carries it; the inbox stores
it with the activity it received and the outbox with the activity it published, so the
worker's lines for processing the one and delivering the other carry it too.

The JSON formatter is our own: a dozen lines on the standard library's `json`, with the
field names we document, rather than one more dependency (python-json-logger) on a machine
that is upgraded rarely.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

REQUEST_ID: ContextVar[str | None] = ContextVar("commons_request_id", default=None)
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,99}")

# LogRecord's own attributes; anything else on a record came in `extra=` and is a field.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


def request_id_from(header: str | None) -> str:
    """Return the client's request id when it is sane (1-100 plain characters), else a new one."""
    if header and _SANE.fullmatch(header):
        return header
    return new_request_id()


def new_request_id() -> str:
    return os.urandom(16).hex()  # the shape of nginx's $request_id


def current_request_id() -> str | None:
    """The id of the request (or processed activity) this code runs for, if any."""
    return REQUEST_ID.get()


@contextlib.contextmanager
def request_context(request_id: str | None) -> Iterator[None]:
    """Run a block on behalf of a request: its lines, and what it publishes, carry the id."""
    token = REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        REQUEST_ID.reset(token)


class RequestIdFilter(logging.Filter):
    """Give each record the current request id unless it came with one (`extra=`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        return True


def _one_line(text: str) -> str:
    return text.replace("\r", "").replace("\n", " | ")


class TextFormatter(logging.Formatter):
    """`2026-12-02T11:00:00Z INFO commons.worker [request-id] message key=value ...`, one line
    (a traceback's lines are joined with ' | ')."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", self.converter(record.created))
        request_id = getattr(record, "request_id", None)
        parts = [stamp, record.levelname, record.name]
        if request_id:
            parts.append(f"[{request_id}]")
        parts.append(record.getMessage())
        extras = _extras(record)
        parts.extend(f"{key}={value}" for key, value in extras.items())
        line = " ".join(str(part) for part in parts)
        if record.exc_info:
            line += " | " + self.formatException(record.exc_info)
        return _one_line(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, pid, the record's
    `extra=` fields, and `exc` (the traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "pid": record.process,
        }
        entry.update(_extras(record))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and k[0] != "_"}


def formatter_for(log_format: str = "text") -> logging.Formatter:
    """The formatter COMMONS_LOG_FORMAT names (a factory for logging.config too)."""
    return JsonFormatter() if log_format == "json" else TextFormatter()


ACCESS_LOGGER = "commons.request"


def configure(log_format: str = "text", level: str = "INFO", requests: bool = True) -> None:
    """Send every logger's records to standard error, one line each, in `log_format`.

    Called by the process entry points (`commons serve`'s web processes, `commons worker`),
    never on import: tests and other hosts keep their own logging. `requests`: log one line
    per HTTP request (logger `commons.request`).
    """
    handler = logging.StreamHandler()
    handler.setFormatter(formatter_for(log_format))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO if requests else logging.WARNING)


def dict_config(log_format: str = "text", level: str = "INFO", requests: bool = True) -> dict:
    """The same as `configure`, as a logging.config dictionary (gunicorn's logconfig_dict),
    which also gives gunicorn's own lines our format."""
    ours = {"handlers": ["stderr"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"commons": {"()": formatter_for, "log_format": log_format}},
        "filters": {"request_id": {"()": RequestIdFilter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "commons",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", **ours},
            ACCESS_LOGGER: {"level": "INFO" if requests else "WARNING", **ours},
        },
    }

"""Talk to the node's SPARQL index process; start it when nobody has.

See `server.sparql.owner` for the design. Each web process is only a client: it sends a
query over the owner's abstract Unix socket and waits at most the time limit plus a
little, so a stuck query can never hold a web process longer than that.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from server.sparql.owner import recv_frame, send_frame

ROOT = Path(__file__).resolve().parents[2]
LOAD_WAIT = 3.0  # seconds a request waits for a starting index before "retry later"
START_WAIT = 15.0  # seconds to wait for a new owner to listen

_lock = threading.Lock()
_started: dict[str, subprocess.Popen] = {}


class App(Protocol):
    """What the client reads of an application: its config (a Flask app is one).

    `config["SETTINGS"]` names the node (data directory and database URL); `SPARQL_*`
    keys override the limits.
    """

    @property
    def config(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Limits:
    """What a query may use; set with COMMONS_SPARQL_* variables or app.config SPARQL_*."""

    timeout: float = 10.0
    max_rows: int = 10_000
    max_bytes: int = 32 * 1024 * 1024
    slots: int = 1
    queue_wait: float = 0.5
    memory_mb: int = 1024


def limits(app: App) -> Limits:
    """Read the limits from the app config, else the environment, else the defaults."""
    default = Limits()

    def read(name: str, kind: type) -> object:
        value = app.config.get(f"SPARQL_{name.upper()}")
        if value is None:
            value = os.environ.get(f"COMMONS_SPARQL_{name.upper()}") or getattr(default, name)
        return kind(value)

    return Limits(**{name: read(name, type(getattr(default, name))) for name in vars(default)})


@dataclass
class Answer:
    """The owner's answer: status ok, error, busy, loading, timeout or failed."""

    status: str
    content_type: str = "text/plain; charset=utf-8"
    body: bytes = b""
    message: str = ""


def socket_name(app: App) -> str:
    """Return the abstract socket name of this node's owner (data directory + database)."""
    settings = app.config["SETTINGS"]
    key = f"{Path(settings.data_dir).resolve()}|{settings.database_url}"
    return "commons-sparql-" + hashlib.sha256(key.encode()).hexdigest()[:20]


STORES = ("disk", "memory")


def store_kind(app: App) -> str:
    """Where the index keeps the dataset: "disk" (the default) or "memory"."""
    kind = app.config.get("SPARQL_STORE") or os.environ.get("COMMONS_SPARQL_STORE") or "disk"
    return kind if kind in STORES else "disk"


def _database_key(app: App) -> str:
    url = app.config["SETTINGS"].database_url
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def store_dir(app: App) -> Path:
    """The folder of the on-disk index of this node's database: `<data_dir>/sparql/<key>`."""
    return Path(app.config["SETTINGS"].data_dir).resolve() / "sparql" / _database_key(app)


def _connect(name: str, timeout: float) -> socket.socket:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(timeout)
    try:
        conn.connect("\0" + name)
    except OSError:
        conn.close()
        raise
    return conn


def _start_owner(app: App, name: str) -> None:
    """Start an owner process beside this one (it exits if another already serves)."""
    with _lock:
        running = _started.get(name)
        if running is not None and running.poll() is None:
            return
        lim = limits(app)
        env = dict(os.environ)
        env["COMMONS_DATABASE_URL"] = app.config["SETTINGS"].database_url
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        # Run as a script, not `-m server.sparql.owner`: the owner needs neither Flask nor
        # our models, and skipping their imports starts it a second sooner.
        command = [
            sys.executable,
            str(Path(__file__).with_name("owner.py")),
            "--socket",
            name,
            "--parent",
            str(os.getpid()),
            "--slots",
            str(lim.slots),
            "--queue-wait",
            str(lim.queue_wait),
            "--memory-mb",
            str(lim.memory_mb),
        ]
        if store_kind(app) == "disk":
            command += ["--store-dir", str(store_dir(app)), "--store-key", _database_key(app)]
        _started[name] = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, close_fds=True
        )


def _exchange(name: str, request: dict, timeout: float) -> tuple[dict, bytes]:
    conn = _connect(name, timeout)
    try:
        send_frame(conn, json.dumps(request).encode())
        header = json.loads(recv_frame(conn))
        body = recv_frame(conn)
        return header, body
    finally:
        conn.close()


def _ask(app: App, request: dict, timeout: float) -> tuple[dict, bytes]:
    """Send a request, starting the owner when none listens; raise OSError if none comes."""
    name = socket_name(app)
    try:
        return _exchange(name, request, timeout)
    except (ConnectionRefusedError, FileNotFoundError):
        pass
    _start_owner(app, name)
    deadline = time.monotonic() + START_WAIT
    while True:
        try:
            return _exchange(name, request, timeout)
        except (ConnectionRefusedError, FileNotFoundError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def query(app: App, text: str, select_format: str, graph_format: str) -> Answer:
    """Run a query in the index process and return its answer."""
    lim = limits(app)
    request = {
        "op": "query",
        "query": text,
        "select_format": select_format,
        "graph_format": graph_format,
        "timeout": lim.timeout,
        "max_rows": lim.max_rows,
        "max_bytes": lim.max_bytes,
    }
    loading_since: float | None = None
    while True:
        started = time.monotonic()
        try:
            header, body = _ask(app, request, lim.timeout + 5)
        except (EOFError, OSError, ValueError):
            # The owner cut the connection: it killed the query at the time limit.
            if time.monotonic() - started >= lim.timeout * 0.9:
                message = f"the query ran past the time limit of {lim.timeout:g} s"
                return Answer("timeout", message=message)
            return Answer(
                "failed",
                message="its process ended early; it most likely needed more memory than allowed",
            )
        status = header.get("status", "failed")
        if status == "loading":
            # Wait a little for an index that is loading (counted from its first answer,
            # not from the start of its process), then tell the client to come back.
            loading_since = loading_since or time.monotonic()
            if time.monotonic() - loading_since < LOAD_WAIT:
                time.sleep(0.1)
                continue
        content_type = header.get("content_type", "text/plain")
        return Answer(status, content_type, body, header.get("message", ""))


def status(app: App, start: bool = True) -> dict:
    """Return the owner's state ("ready" with a triple count, or "loading")."""
    try:
        if start:
            header, _ = _ask(app, {"op": "ping"}, 10)
        else:
            header, _ = _exchange(socket_name(app), {"op": "ping"}, 10)
    except (EOFError, OSError, ValueError):
        return {"status": "down"}
    return header


def stop(app: App) -> None:
    """Stop this node's owner, if one runs (tests and `commons reindex` use it)."""
    name = socket_name(app)
    with contextlib.suppress(EOFError, OSError, ValueError):
        _exchange(name, {"op": "stop"}, 5)
    with _lock:
        process = _started.pop(name, None)
    if process is not None:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

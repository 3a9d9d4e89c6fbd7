"""`commons serve`: gunicorn for the web, and one supervised background worker beside it.

The web is gunicorn with `workers` sync processes (2 by default): each answers one request
at a time, which suits the inbox (CPU-bound signature checks; gthread workers sometimes sent
every keep-alive connection to one process, see FEDERATION.md). Nothing a client sends can
keep them all busy: key fetches made for inbox requests are bounded across the processes
(federation/verify.py). The background worker is one `commons worker` process, restarted
with backoff if it dies; how it fares is written to DATA_DIR/worker-status.json, which
`commons deliveries` shows (with the heartbeats every worker writes to the database).

Logs: every process writes one line per event to standard error, in COMMONS_LOG_FORMAT
(gunicorn's own lines too). Metrics: the web processes share PROMETHEUS_MULTIPROC_DIR
(DATA_DIR/metrics unless set), emptied here before they start (server/ops/metrics.py).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

WORKER_COMMAND = [sys.executable, "-c", "from server.cli import main; main()", "worker"]
STATUS_FILE = "worker-status.json"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # read by prometheus_client when it is imported
ACCESS_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'

log = logging.getLogger("commons.serve")


class _Gunicorn(BaseApplication):
    """Run our WSGI app inside gunicorn without a config file."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from server import create_app

        return create_app()


def _stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class WorkerSupervisor:
    """Keep one `commons worker` running: a worker that dies is restarted with backoff.

    The wait doubles from `first_backoff` up to `max_backoff` while the worker keeps dying,
    and starts again from `first_backoff` once it has run `stable_after` seconds. Any exit
    while `commons serve` runs counts as a death: gunicorn's arbiter reaps every child of
    this process, so the exit code read here may be 0 whatever happened.
    """

    def __init__(
        self,
        status_path: Path,
        command: list[str] = WORKER_COMMAND,
        first_backoff: float = 1.0,
        max_backoff: float = 60.0,
        stable_after: float = 60.0,
    ) -> None:
        self.status_path, self.command = status_path, command
        self.first_backoff, self.max_backoff = first_backoff, max_backoff
        self.stable_after = stable_after
        self.process: subprocess.Popen | None = None
        # The worker serves no requests: it keeps out of the web's metrics directory.
        self.env = {k: v for k, v in os.environ.items() if k != MULTIPROC_ENV}
        self.restarts = 0
        self.last_exit: dict[str, Any] | None = None
        self.stopping = threading.Event()
        self._started = 0.0

    def start(self) -> None:
        """Start the worker and the thread that watches it."""
        self._spawn()
        threading.Thread(target=self._watch, name="worker-supervisor", daemon=True).start()

    def _spawn(self) -> None:
        self.process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, env=self.env)
        self._started = time.monotonic()
        self._write("running")

    def _watch(self) -> None:
        backoff = self.first_backoff
        while not self.stopping.wait(0.5):
            code = self.process.poll()
            if code is None:
                continue
            if self.stopping.is_set():
                return
            if time.monotonic() - self._started >= self.stable_after:
                backoff = self.first_backoff
            self.restarts += 1
            self.last_exit = {"code": code, "at": _stamp(), "pid": self.process.pid}
            log.warning(
                "the background worker (pid %s) died with code %s; restarting in %g s",
                self.process.pid,
                code,
                backoff,
            )
            self._write("restarting")
            if self.stopping.wait(backoff):
                return
            backoff = min(backoff * 2, self.max_backoff)
            self._spawn()

    def _write(self, state: str) -> None:
        status = {
            "state": state,
            "pid": self.process.pid if self.process else None,
            "started_at": _stamp() if state == "running" else None,
            "restarts": self.restarts,
            "last_exit": self.last_exit,
            "supervisor_pid": os.getpid(),
        }
        try:
            self.status_path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.status_path.with_suffix(".tmp")
            temporary.write_text(json.dumps(status))
            temporary.replace(self.status_path)
        except OSError as exc:  # the status is for admins; the worker matters more
            log.warning("cannot write %s: %s", self.status_path, exc)

    def stop(self) -> None:
        """Stop watching, then stop the worker (terminate, then kill after 15 s)."""
        self.stopping.set()
        worker = self.process
        if worker is not None and worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()
        self._write("stopped")


def worker_status(data_dir: Path) -> dict[str, Any] | None:
    """Return what `commons serve` last wrote about its worker, None if it never did."""
    try:
        return json.loads((Path(data_dir) / STATUS_FILE).read_text())
    except (OSError, ValueError):
        return None


def serve(host: str, port: int, workers: int = 2, with_worker: bool = True) -> None:
    """Serve until stopped. The worker is started once here, never per web process.

    It is a separate `commons worker` process, not a multiprocessing child: gunicorn forks
    its web processes from this one, and they must not inherit a child to wait for.
    """
    from server.config import Settings
    from server.ops import logs

    settings = Settings.from_env()
    data_dir = Path(settings.data_dir)
    if settings.metrics:
        _prepare_metrics(data_dir)
    supervisor: WorkerSupervisor | None = None
    if with_worker:
        supervisor = WorkerSupervisor(data_dir / STATUS_FILE)
        supervisor.start()
    # COMMONS_ACCESS_LOG: "-" (the default) one line per request on standard error, in
    # COMMONS_LOG_FORMAT; "" none; a path, gunicorn's access log in that file.
    access = os.environ.get("COMMONS_ACCESS_LOG", "-")
    options = {
        "bind": f"{host}:{port}",
        "workers": max(1, workers),
        "worker_class": "sync",
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": access if access not in {"", "-"} else None,
        "access_log_format": ACCESS_FORMAT,
        "logconfig_dict": logs.dict_config(
            settings.log_format, settings.log_level, requests=access == "-"
        ),
        "child_exit": _child_exit,
        "preload_app": False,
    }
    parent = os.getpid()
    try:
        _Gunicorn(options).run()
    finally:
        if os.getpid() == parent and supervisor is not None:
            supervisor.stop()


def _prepare_metrics(data_dir: Path) -> None:
    """Give the web processes one metrics directory, empty, before any of them starts.

    The variable must be set before prometheus_client is first imported in this process
    (its children inherit the module as imported here).
    """
    os.environ.setdefault(MULTIPROC_ENV, str((data_dir / "metrics").resolve()))
    path = Path(os.environ[MULTIPROC_ENV])
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.db"):  # the previous run's processes
        old.unlink(missing_ok=True)


def _child_exit(server: Any, worker: Any) -> None:
    """gunicorn hook: a web process exited; its live gauges no longer count."""
    if os.environ.get(MULTIPROC_ENV):
        from server.ops.metrics import mark_dead

        mark_dead(worker.pid)

"""The background worker: runs due jobs in a loop (delivery, inbox, backfill, indexes).

Jobs are plain functions listed by `jobs()`; each does a bounded batch of work and returns
how many things it did, so the loop sleeps only when nothing was due.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask

from server.extensions import db

log = logging.getLogger("commons.worker")

Job = Callable[[Flask], int]


def jobs() -> list[tuple[str, Job]]:
    """Return the background jobs, in the order one pass runs them."""
    from federation.backfill import run_backfills
    from federation.delivery import run_deliveries
    from federation.inbox import requeue_stale, run_inbox
    from server.harvest.jobs import run_harvest
    from server.importer.jobs import run_imports
    from server.services.mail import run_mail

    return [
        ("inbox", run_inbox),
        ("requeue", requeue_stale),
        ("deliveries", run_deliveries),
        ("backfill", run_backfills),
        ("harvest", run_harvest),
        ("mail", run_mail),
        ("imports", run_imports),
    ]


class WorkerBusy(RuntimeError):
    """Another worker already runs against this SQLite database."""


class Heartbeat:
    """This worker's sign of life in the database (`WorkerHeartbeat`), which /healthz reads.

    Written by the loop, between jobs, every `every` seconds: a worker stuck in a job stops
    beating like a dead one. A beat that fails (the database is away) is only logged.
    """

    FORGET_AFTER = timedelta(days=1)  # rows of workers silent this long are removed

    def __init__(self, app: Flask) -> None:
        self.app = app
        limit = app.config["SETTINGS"].health_worker_max_age or 120.0
        self.every = min(5.0, max(limit / 4, 0.2))
        self.host = socket.gethostname()[:255]
        self.pid = os.getpid()
        self.name = f"{self.host}:{self.pid}"
        self.started_at = None
        self.last = 0.0

    def beat(self) -> None:
        from server.models import clock
        from server.models.heartbeat import WorkerHeartbeat

        self.last = time.monotonic()
        if self.started_at is None:
            self.started_at = clock.now()
        with self.app.app_context():
            try:
                WorkerHeartbeat.beat(self.name, self.host, self.pid, self.started_at)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - the next beat tries again
                db.session.rollback()
                log.warning("heartbeat not recorded: %s", exc)
            finally:
                db.session.remove()

    def due(self) -> bool:
        return time.monotonic() - self.last >= self.every

    def start(self) -> None:
        from server.models import clock
        from server.models.heartbeat import WorkerHeartbeat

        with self.app.app_context():
            try:
                WorkerHeartbeat.prune(clock.now() - self.FORGET_AFTER)
                db.session.commit()
            except Exception:  # noqa: BLE001 - tidying only
                db.session.rollback()
            finally:
                db.session.remove()
        self.beat()

    def stop(self) -> None:
        from server.models.heartbeat import WorkerHeartbeat

        with self.app.app_context():
            try:
                WorkerHeartbeat.forget(self.name)
                db.session.commit()
            except Exception:  # noqa: BLE001 - its row ages out instead
                db.session.rollback()
            finally:
                db.session.remove()


class Worker:
    """Run registered jobs until stopped; on SQLite, hold a lock so only one runs."""

    def __init__(self, app: Flask, idle_sleep: float = 0.5) -> None:
        self.app = app
        self.idle_sleep = idle_sleep
        self.stopping = False
        self._lock_file = None
        self.jobs = jobs()
        self.heartbeat: Heartbeat | None = None  # set by run()

    def _acquire_sqlite_lock(self) -> None:
        settings = self.app.config["SETTINGS"]
        if not settings.is_sqlite:
            return
        path = Path(settings.data_dir) / "worker.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")  # noqa: SIM115 - held for the worker's lifetime
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise WorkerBusy(
                "another worker is already running on this SQLite database "
                "(use PostgreSQL to run several)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_file = handle
        # Holding the lock proves no other worker runs: whatever is claimed was claimed by
        # a worker that died, so it is due again now.
        from federation import delivery, inbox

        with self.app.app_context():
            released = delivery.release_claims() + inbox.release_claims()
            db.session.remove()
        if released:
            log.info("released %d claims left by a stopped worker", released)

    def stop(self, *_: object) -> None:
        self.stopping = True

    def run_once(self) -> int:
        """Run every job once; return how much work was done in all."""
        done = 0
        for name, fn in self.jobs:
            with self.app.app_context():
                try:
                    done += fn(self.app) or 0
                except Exception:  # one failing job must not stop the others
                    db.session.rollback()
                    log.exception("job %s failed", name)
                finally:
                    db.session.remove()
            if self.heartbeat is not None and self.heartbeat.due():
                self.heartbeat.beat()
        return done

    def run(self, once: bool = False) -> None:
        """Loop over the jobs until SIGTERM/SIGINT (or one pass with `once`)."""
        from federation import validators

        self._acquire_sqlite_lock()
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        count = 0 if once else self.app.config["SETTINGS"].worker_validators
        validators.start(count)
        self.heartbeat = Heartbeat(self.app)
        self.heartbeat.start()
        log.info(
            "worker started (pid %s, %d jobs, up to %d inbox validators)",
            os.getpid(),
            len(self.jobs),
            count,
        )
        try:
            while not self.stopping:
                done = self.run_once()
                if once:
                    break
                if not done:
                    time.sleep(min(self.idle_sleep, self.heartbeat.every))
        finally:
            validators.stop()
            self.heartbeat.stop()
        log.info("worker stopped")

"""The background worker: runs due jobs in a loop (delivery, inbox, backfill, indexes).

Jobs are plain functions listed by `jobs()`; each does a bounded batch of work and returns
how many things it did, so the loop sleeps only when nothing was due.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import time
from collections.abc import Callable
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


class Worker:
    """Run registered jobs until stopped; on SQLite, hold a lock so only one runs."""

    def __init__(self, app: Flask, idle_sleep: float = 0.5) -> None:
        self.app = app
        self.idle_sleep = idle_sleep
        self.stopping = False
        self._lock_file = None
        self.jobs = jobs()

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
        return done

    def run(self, once: bool = False) -> None:
        """Loop over the jobs until SIGTERM/SIGINT (or one pass with `once`)."""
        from federation import validators

        self._acquire_sqlite_lock()
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        count = 0 if once else self.app.config["SETTINGS"].worker_validators
        validators.start(count)
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
                    time.sleep(self.idle_sleep)
        finally:
            validators.stop()
        log.info("worker stopped")

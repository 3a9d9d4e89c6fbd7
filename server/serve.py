"""`commons serve`: gunicorn for the web, and one background worker process beside it."""

from __future__ import annotations

import logging
import multiprocessing
import os
from typing import Any

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    """Run our WSGI app inside gunicorn without a config file."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # noqa: ANN201
        from server import create_app

        return create_app()


def _worker_main() -> None:
    from server import create_app
    from server.worker import Worker, WorkerBusy

    logging.basicConfig(level=logging.INFO, format="[worker] %(message)s")
    try:
        idle = float(os.environ.get("COMMONS_WORKER_IDLE") or 0.5)
        Worker(create_app(), idle_sleep=idle).run()
    except WorkerBusy as exc:
        logging.getLogger("commons.worker").warning("%s", exc)


def serve(host: str, port: int, workers: int = 2, with_worker: bool = True) -> None:
    """Serve until stopped. The worker is started once here, never per web process."""
    worker: multiprocessing.Process | None = None
    if with_worker:
        worker = multiprocessing.get_context("spawn").Process(target=_worker_main, name="commons-worker")
        worker.start()
    options = {
        "bind": f"{host}:{port}",
        "workers": max(1, workers),
        "worker_class": "sync",
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": os.environ.get("COMMONS_ACCESS_LOG", "-") or None,
        "preload_app": False,
    }
    parent = os.getpid()
    try:
        _Gunicorn(options).run()
    finally:
        # gunicorn forks its web processes from here: only the parent owns the worker.
        if os.getpid() == parent and worker is not None and worker.is_alive():
            worker.terminate()
            worker.join(10)

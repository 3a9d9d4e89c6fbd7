"""`commons serve`: gunicorn for the web, and one background worker process beside it."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from gunicorn.app.base import BaseApplication

WORKER_COMMAND = [sys.executable, "-c", "from server.cli import main; main()", "worker"]


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


def serve(host: str, port: int, workers: int = 2, with_worker: bool = True) -> None:
    """Serve until stopped. The worker is started once here, never per web process.

    It is a separate `commons worker` process, not a multiprocessing child: gunicorn forks
    its web processes from this one, and they must not inherit a child to wait for.
    """
    worker: subprocess.Popen | None = None
    if with_worker:
        worker = subprocess.Popen(WORKER_COMMAND, stdin=subprocess.DEVNULL)
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
        if os.getpid() == parent and worker is not None and worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(15)
            except subprocess.TimeoutExpired:
                worker.kill()

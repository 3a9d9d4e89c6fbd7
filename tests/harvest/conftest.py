"""Fixtures for harvest tests: a node served over real HTTP, as harvesters meet it.

Each node gets its own SQLite file, so the module-wide demo node (read-only tests) never
meets the tables the rest of the suite empties between tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

from server import create_app
from server.extensions import db


class _Dispatch:
    """A WSGI app that forwards to the node once it exists (the port comes first)."""

    def __init__(self) -> None:
        self.app: Any = None

    def __call__(self, environ: dict, start_response: Any) -> Any:
        return self.app(environ, start_response)


class LiveNode:
    """A node on 127.0.0.1: its app, its base URL, and helpers to change its content."""

    def __init__(self, tmp: Path, demo: bool = True, **config: Any) -> None:
        dispatch = _Dispatch()
        self.server = make_server("127.0.0.1", 0, dispatch, threaded=True)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.app = create_app(
            {
                "data_dir": tmp / "instance",
                "database_url": f"sqlite:///{tmp / 'harvest.db'}",
                "base_url": self.base_url,
                "node_handle": "fabrique",
                "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "rate_limits": "off",  # harvesters here ask more than 30 queries a minute
                **config,
            }
        )
        dispatch.app = self.app
        with self.app.app_context():
            from server.services.demo import seed_demo
            from server.services.node import initialise_node

            db.create_all()
            initialise_node()
            if demo:
                seed_demo()
        self.index_ready = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.harvest()

    def url(self, path: str) -> str:
        return self.base_url + path

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(self.url(path), timeout=30, **kwargs)

    @contextmanager
    def context(self) -> Iterator[None]:
        with self.app.app_context():
            yield

    def harvest(self) -> int:
        """Run the background job once, as the worker would (fresh records and dumps)."""
        from server.harvest.jobs import run_harvest

        with self.app.app_context():
            done = run_harvest(self.app)
            db.session.remove()
        return done

    def wait_for_index(self) -> None:
        """Start the SPARQL index and wait until it has loaded (once per node)."""
        from server.sparql import client as index

        deadline = time.monotonic() + 60
        while not self.index_ready:
            self.index_ready = index.status(self.app).get("status") == "ready"
            if not self.index_ready:
                assert time.monotonic() < deadline, "the SPARQL index did not load"
                time.sleep(0.1)

    def close(self) -> None:
        from server.sparql import client as index

        index.stop(self.app)
        self.server.shutdown()
        self.thread.join(10)
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def demo_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """The demo node over HTTP, shared by a module's read-only tests."""
    node = LiveNode(tmp_path_factory.mktemp("demo-node"))
    yield node
    node.close()


@pytest.fixture
def live_node(tmp_path: Path) -> Iterator[LiveNode]:
    """A node of its own (thesaurus, no demo items), for a test that changes content."""
    node = LiveNode(tmp_path, demo=False)
    yield node
    node.close()


def item_iri(node: LiveNode, path: str) -> str:
    return node.base_url + path

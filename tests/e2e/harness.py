"""Real node processes on 127.0.0.1 for end-to-end tests: `commons init`, `commons serve`."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import requests
from sqlalchemy import create_engine, text

COMMAND = [sys.executable, "-c", "from server.cli import main; main()"]
SETUP_SCRIPT = """
import json, sys
from server.cli import commons
for args in json.loads(sys.argv[1]):
    commons.main(args, prog_name="commons", standalone_mode=False)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def node_database_url(base_url: str | None, name: str, tmp: Path) -> str:
    """A database of its own for one node: a SQLite file, or a PostgreSQL schema."""
    if not base_url or not base_url.startswith("postgresql"):
        return f"sqlite:///{tmp / 'commons.db'}"
    schema = f"node_{name}_{os.getpid()}"
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options={quote(f'-csearch_path={schema}')}"


class Node:
    """One node: its own port, data directory and database, served by `commons serve`."""

    def __init__(
        self, name: str, tmp: Path, database_url: str | None = None, **settings: str
    ) -> None:
        self.name = name
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.handle = name
        self.data_dir = tmp / name
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.database_url = node_database_url(database_url, name, self.data_dir)
        self.env = {
            **os.environ,
            "COMMONS_BASE_URL": self.base_url,
            "COMMONS_DATA_DIR": str(self.data_dir),
            "COMMONS_DATABASE_URL": self.database_url,
            "COMMONS_NODE_HANDLE": name,
            "COMMONS_NODE_NAME": f"Node {name}",
            "COMMONS_ALLOW_PRIVATE_ADDRESSES": "1",
            "COMMONS_WORKER_IDLE": "0.1",
            "COMMONS_ACCESS_LOG": "",
            "COMMONS_RATE_LIMITS": "off",
            **settings,
        }
        self.process: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self._engine = None
        self.log = self.data_dir / "serve.log"

    @property
    def acct(self) -> str:
        return f"{self.handle}@127.0.0.1:{self.port}"

    @property
    def actor(self) -> str:
        return f"{self.base_url}/actor"

    def cli(
        self, *args: str, input: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess:
        """Run a `commons` command against this node."""
        result = subprocess.run(
            [*COMMAND, *args],
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"commons {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def start(self, workers: int = 2, with_worker: bool = True) -> Node:
        """Serve the node and wait until it answers."""
        args = ["serve", "--port", str(self.port), "--workers", str(workers)]
        if not with_worker:
            args.append("--no-worker")
        self.process = subprocess.Popen(
            [*COMMAND, *args],
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"node {self.name} exited:\n{self.log.read_text()}")
            try:
                if requests.get(f"{self.base_url}/.well-known/nodeinfo", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(f"node {self.name} did not start:\n{self.log.read_text()}")

    def start_worker(self, **env: str) -> subprocess.Popen:
        """Run one `commons worker` process beside a node served with --no-worker."""
        process = subprocess.Popen(
            [*COMMAND, "worker"],
            env={**self.env, **env},
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers.append(process)
        return process

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the whole process group (gunicorn and the worker), and any lone workers."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        for worker in self.workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(10)
        self.workers = []
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def setup(self, demo: bool = False) -> Node:
        """Initialise the node, optionally load the demo, make an editor and its token.

        The `commons` commands run in one process: each command on its own would pay the
        interpreter and application start-up again.
        """
        email = f"editor-{self.name}@example.org"
        commands = [
            ["init"],
            *([["seed-demo"]] if demo else []),
            ["user", "create", email, "--role", "editor", "--password-stdin"],
            ["token", "create", email],
        ]
        result = subprocess.run(
            [sys.executable, "-c", SETUP_SCRIPT, json.dumps(commands)],
            env=self.env,
            input="a long enough password\n",
            capture_output=True,
            text=True,
            timeout=180,
        )
        if result.returncode != 0:
            raise AssertionError(f"setup of {self.name} failed:\n{result.stdout}\n{result.stderr}")
        self.token = result.stdout.strip().splitlines()[-1]
        return self

    def query(self, sql: str, **params: object) -> list[tuple]:
        """Read this node's database directly (to check state without starting a process)."""
        if self._engine is None:
            self._engine = create_engine(self.database_url)
        with self._engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]

    def following(self, other: Node) -> tuple[str, str | None, int] | None:
        """Return (state, backfill state, items backfilled) of this node's follow of `other`."""
        rows = self.query(
            "SELECT f.state, f.backfill_state, f.backfill_count FROM follow f "
            "JOIN actor a ON a.id = f.followed_id WHERE a.iri = :iri",
            iri=other.actor,
        )
        return rows[0] if rows else None

    def follower_state(self, other: Node) -> str | None:
        """Return the state of `other`'s follow of this node, None when there is none."""
        rows = self.query(
            "SELECT f.state FROM follow f JOIN actor a ON a.id = f.follower_id WHERE a.iri = :iri",
            iri=other.actor,
        )
        return rows[0][0] if rows else None

    def deliveries(self) -> dict[str, int]:
        """Count this node's deliveries by state."""
        return dict(self.query("SELECT state, count(*) FROM delivery GROUP BY state"))

    def get_json(self, url: str, **params: str) -> dict:
        response = requests.get(
            url, params=params, headers={"Accept": "application/activity+json"}, timeout=10
        )
        response.raise_for_status()
        return response.json()

    def post_outbox(self, activity: dict) -> requests.Response:
        """Use the write API as a script would."""
        return requests.post(
            f"{self.base_url}/actor/outbox",
            data=json.dumps(activity),
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/activity+json",
            },
            timeout=30,
        )


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2, message: str = "condition"):
    """Poll until `predicate()` returns something truthy; fail with `message` after `timeout`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except (requests.RequestException, KeyError, ValueError) as exc:
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message} (last: {last!r})")

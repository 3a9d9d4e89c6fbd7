"""Shared harness for bench/bench_federation.py's parts: node set-up, waiting, the figures table.

Imported by bench/bench_federation.py, which puts the repository and bench/ on sys.path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import federation_load as load
from sqlalchemy import create_engine, text

from tests.e2e.harness import Node

REPO = Path(__file__).resolve().parents[1]

# Run inside a node's environment: what Node.setup() does (init, an editor, a token), through
# the same `commons` commands, in one process instead of three (each start costs ~2 s of CPU).
_SETUP = """
import sys
from click.testing import CliRunner
from server.cli import commons
email = sys.stdin.readline().strip()
runner = CliRunner()
for args, stdin in ((["init"], None),
                    (["user", "create", email, "--role", "editor", "--password-stdin"],
                     "a long enough password\\n"),
                    (["token", "create", email], None)):
    result = runner.invoke(commons, args, input=stdin)
    if result.exit_code:
        sys.exit(f"commons {' '.join(args)} failed: {result.output} {result.exception!r}")
print(result.output.strip().splitlines()[-1])
"""


class Table:
    """Rows of figures, printed at the end."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, name: str, figure: str, detail: str = "", reference: str = "") -> None:
        self.rows.append((name, figure, detail, reference))
        print(f"  {name}: {figure}  {detail}", flush=True)

    def note(self, line: str) -> None:
        self.rows.append((line, "", "", ""))

    def print(self) -> None:
        width = max(len(r[0]) for r in self.rows if r[1]) + 2
        fig = max(len(r[1]) for r in self.rows) + 2
        ref = max(len(r[3]) for r in self.rows) + 2
        print(f"\n{'measure':<{width}}{'figure':>{fig}}  {'reference':<{ref}}detail")
        for name, figure, detail, reference in self.rows:
            if not figure:
                print(name)
            else:
                print(f"{name:<{width}}{figure:>{fig}}  {reference:<{ref}}{detail}")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {load.loadavg()}] {message}", flush=True)


def run_in_node(node: Node, code: str, payload: Any) -> str:
    """Run a helper script in the node's environment; return its output."""
    stdin = payload if isinstance(payload, str) else json.dumps(payload)
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=node.env,
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if result.returncode != 0:
        raise RuntimeError(f"helper in node {node.name} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def setup(node: Node) -> Node:
    """Node.setup() in one process: init, an editor account and its API token."""
    node.token = (
        run_in_node(node, _SETUP, f"editor-{node.name}@example.org\n").strip().splitlines()[-1]
    )
    return node


def wait_until(predicate, timeout: float, interval: float = 0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


def postgres_available(url: str) -> str:
    """Return "" when PostgreSQL answers, else why not."""
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return ""
    except Exception as exc:  # noqa: BLE001 - any failure means: skip PostgreSQL rows
        return str(exc).splitlines()[0]


def drop_schema(node: Node) -> None:
    if not node.database_url.startswith("postgresql"):
        return
    schema = f"node_{node.name}_{os.getpid()}"
    base = node.database_url.split("?")[0]
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def count(engine, sql: str, **params: Any) -> int:
    """Return the one integer a COUNT query answers."""
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar() or 0)


def write_api_experience(title: str) -> dict:
    """A bare Experience, as a script posts it to the write API (tests/e2e/test_federation.py)."""
    return {
        "type": ["Article", "Experience"],
        "name": title,
        "nameMap": {"fr": title},
        "summary": "Résumé",
        "summaryMap": {"fr": "Résumé"},
        "dct:language": "fr",
        "dct:license": "https://creativecommons.org/licenses/by-sa/4.0/",
        "authors": ["Collectif de test"],
    }

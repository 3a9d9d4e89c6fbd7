"""Part 1 of bench/bench_federation.py, the inbox: baselines, then a node on SQLite and on
PostgreSQL accepting signed Creates with its worker stopped, then workers draining the backlog.

Imported by bench/bench_federation.py, which puts the repository and bench/ on sys.path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import federation_load as load
import requests
from federation_harness import REPO, Table, count, drop_schema, log, run_in_node, setup, wait_until
from sqlalchemy import create_engine, text

from tests.e2e.harness import Node, free_port
from tests.federation.peer import Peer

INBOX_PEERS, ACTORS_PER_PEER = 4, 30
WRK_THREADS, WRK_CONNECTIONS = 1, 8

# Run inside a node's environment: the node follows the bench actors (accepted, no backfill).
_SEED_FOLLOWS = """
import json, sys
from server import create_app
from server.extensions import db
from server.models import Actor, Follow
from federation.actors import fetch_actor
app = create_app()
with app.app_context():
    local = Actor.local()
    for n, iri in enumerate(json.load(sys.stdin)):
        db.session.add(Follow(follower=local, followed=fetch_actor(iri), state="accepted",
                              activity_iri=f"{local.iri}/bench-follows/{n}", backfill_state="done"))
    db.session.commit()
"""


class InboxLoad:
    """The actors, their Peer servers and the signing pool shared by every inbox row."""

    def __init__(self, stack: ExitStack, keys: list[tuple[str, str]]) -> None:
        supply = iter(keys)
        self.peers = [stack.enter_context(Peer()) for _ in range(INBOX_PEERS)]
        self.actors = [
            actor
            for peer in self.peers
            for actor in load.add_actors(
                peer, [f"bench{n}" for n in range(ACTORS_PER_PEER)], supply
            )
        ]
        self.signer = load.Signer(
            [load.SigningActor(a.iri, a.key_id, a.private_pem) for a in self.actors]
        )
        stack.callback(self.signer.close)


def inbox_baselines(table: Table, inbox: InboxLoad, tmp: Path, seconds: float) -> None:
    port = free_port()
    keys = tmp / "baseline-keys.json"
    keys.write_text(json.dumps({a.key_id: a.public_pem for a in inbox.actors}))
    pool, signing = inbox.signer.sign(1200, "baseline", f"127.0.0.1:{port}")
    log(f"baselines: {len(pool)} requests signed in {signing:.1f} s")
    env = {**os.environ, "BENCH_KEYS": str(keys), "BENCH_SQLITE": str(tmp / "baseline.db")}
    # The options `commons serve` gives gunicorn (server/serve.py), access log off likewise.
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--timeout",
            "60",
            "--graceful-timeout",
            "10",
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(REPO),
            "--pythonpath",
            str(REPO / "bench"),
            "--log-level",
            "warning",
            "federation_baseline_app:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        if not wait_until(lambda: _answers(base + "/inbox"), timeout=30, interval=0.2):
            raise RuntimeError("the baseline server did not start")
        rows = [
            ("bare", "bare Flask route, 202", "4,100/s"),
            ("verify", "same route, parse + verify (ours, keys cached)", "3,450/s"),
            ("store", "same + sqlite3 INSERT + COMMIT of the body", ""),
        ]
        for route, name, reference in rows:
            url = f"{base}/inbox"
            prefix = tmp / f"baseline-{route}"
            load.write_pool(pool, prefix, WRK_THREADS, f"X-Bench-Route: {route}")
            load.run_wrk(url, prefix, "loop", WRK_THREADS, WRK_CONNECTIONS, 1)  # warm both workers
            result = load.run_wrk(
                url, prefix, "loop", WRK_THREADS, WRK_CONNECTIONS, seconds, server.pid
            )
            table.add(
                f"inbox baseline: {name}", f"{result.rate:,.0f}/s", _detail(result), reference
            )
    finally:
        os.killpg(server.pid, 15)
        server.wait(20)


def _answers(url: str) -> bool:
    try:
        return requests.post(url, data=b"{}", timeout=1).status_code == 202
    except requests.RequestException:
        return False


def _detail(result: load.LoadResult) -> str:
    server, client = result.cpu_ms(result.server_cpu), result.cpu_ms(result.client_cpu)
    text_ = (
        f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, n={result.accepted}; "
        f"CPU per request: server {server:.2f} ms, wrk {client:.2f} ms "
        f"(CPU-bound estimate with {os.cpu_count()} idle cores: {result.capacity:,.0f}/s)"
    )
    if result.other or result.errors:
        text_ += (
            f", NOT 202: {result.other} (last {result.other_status}), socket errors {result.errors}"
        )
    return text_


def _states(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(
            conn.execute(text("SELECT state, COUNT(*) FROM inbox_message GROUP BY state")).all()
        )


def inbox_node(
    table: Table,
    inbox: InboxLoad,
    tmp: Path,
    label: str,
    database_url: str | None,
    seconds: float,
    window: float,
) -> None:
    node = Node(f"inbox{label.lower()[:2]}", tmp, database_url)
    engine = None
    try:
        setup(node)
        node.start(workers=2, with_worker=False)
        run_in_node(node, _SEED_FOLLOWS, [a.iri for a in inbox.actors])
        engine = create_engine(node.database_url)
        host = f"127.0.0.1:{node.port}"
        url = f"{node.base_url}/inbox"

        # Warm-up: every actor's key fetched and parsed in both web processes; gives a rate
        # from which the timed pool is sized (requests cannot be replayed: ids are unique).
        warm, signing = inbox.signer.sign(3 * len(inbox.actors), f"warm{label}", host, seed=2)
        load.write_pool(warm, tmp / f"warm-{label}", WRK_THREADS)
        warm_result = load.run_wrk(
            url, tmp / f"warm-{label}", "once", WRK_THREADS, WRK_CONNECTIONS, 60
        )
        size = int(min(40_000, max(300, warm_result.rate * 1.3 * seconds)))
        pool, signing = inbox.signer.sign(size, f"run{label}", host, seed=3)
        log(f"{label}: warm-up {warm_result.rate:.0f}/s; {size} requests signed in {signing:.1f} s")
        load.write_pool(pool, tmp / f"pool-{label}", WRK_THREADS)
        before = sum(_states(engine).values())
        result = load.run_wrk(
            url,
            tmp / f"pool-{label}",
            "once",
            WRK_THREADS,
            WRK_CONNECTIONS,
            max(60, 4 * seconds),
            node.process.pid,
        )
        stored = sum(_states(engine).values()) - before
        table.add(
            f"inbox, node on {label}: accepted and stored",
            f"{result.rate:,.0f}/s",
            f"{_detail(result)}, {result.seconds:.1f} s, rows stored {stored}",
            "target >= 2,000/s" if label == "SQLite" else "",
        )

        # Processing: workers drain the backlog in phases, each given an equal share of it,
        # so that the baseline (no validator process) is measured in the same run.
        backlog = sum(_states(engine).values())
        items_before = count(engine, "SELECT COUNT(*) FROM item")
        phases = [(1, "0"), (1, "1")] if label == "SQLite" else [(1, "0"), (1, "1"), (2, "1")]
        share = backlog // len(phases)
        for number, (workers, checkers) in enumerate(phases, 1):
            until = backlog if number == len(phases) else share * number
            rate, cpu_ms, how = _drain(node, engine, until, window, workers, checkers)
            who = f"{workers} worker{'s' if workers > 1 else ''}"
            who += f", {checkers} validator each" if checkers != "0" else ", no validator"
            table.add(
                f"inbox, node on {label}: processing ({who})",
                f"{rate:,.1f}/s",
                f"{how}; CPU {cpu_ms:.2f} ms/message (workers and their validators)",
                f"keep up with {result.rate:,.0f}/s" if checkers != "0" else "baseline",
            )
        states = _states(engine)
        items = count(engine, "SELECT COUNT(*) FROM item") - items_before
        table.note(f"  {label}: backlog {backlog}; states after {states}; items stored {items}")
    finally:
        node.stop()
        if engine is not None:
            engine.dispose()
        drop_schema(node)


def _final(engine) -> int:
    states = _states(engine)
    return states.get("done", 0) + states.get("rejected", 0) + states.get("failed", 0)


def _drain(
    node: Node, engine, until: int, window: float, workers: int, checkers: str
) -> tuple[float, float, str]:
    """Run `workers` worker processes until `until` messages are final (or `window` seconds
    after the first); return the steady rate, the CPU per message, and how it ended.

    The rate and CPU are taken after the first fifth of the phase's messages: a worker that
    has just started is still starting its validator processes (about half a second), and
    validates in its own process meanwhile."""
    began = _final(engine)
    started = [node.start_worker(COMMONS_WORKER_VALIDATORS=checkers) for _ in range(workers)]
    samples: list[tuple[float, int, float]] = []  # (time, final messages, workers' CPU s)
    deadline = time.monotonic() + window + 30
    while time.monotonic() < deadline:
        final = _final(engine)
        samples.append((time.monotonic(), final, sum(load.group_cpu(w.pid) for w in started)))
        if final >= until:
            break
        first = next((t for t, n, _ in samples if n > began), None)
        if first is not None and time.monotonic() - first >= window:
            break
        time.sleep(0.1)
    for worker in started:
        worker.terminate()
    for worker in started:
        worker.wait(60)
    steady = began + (min(until, samples[-1][1]) - began) // 5 if samples else began
    active = [sample for sample in samples if sample[1] > steady]
    rate, cpu_ms = 0.0, 0.0
    if len(active) >= 2 and active[-1][1] > active[0][1]:
        done = active[-1][1] - active[0][1]
        rate = done / (active[-1][0] - active[0][0])
        cpu_ms = (active[-1][2] - active[0][2]) * 1000 / done
    processed = (samples[-1][1] if samples else began) - began
    how = f"{processed} messages" + ("" if processed >= until - began else f" in {window:.0f} s")
    return rate, cpu_ms, how

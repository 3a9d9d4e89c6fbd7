"""Benchmark federation over real processes: inbox throughput, fan-out, convergence.

Run: .venv/bin/python bench/bench_federation.py [--only inbox,fanout,convergence] [--seconds 10]

Prints figures only, never asserts on them. Everything runs on 127.0.0.1; the load
generator (wrk, one thread, + bench/wrk/replay.lua) shares the machine with the servers it
measures, and so may other people's processes: beside each rate it prints the CPU time the
server's processes and wrk spent per request (from /proc), steadier than a rate on a shared
machine, and what rate that CPU cost would allow on idle cores (an estimate, not a figure).

1. Inbox. Real node processes (tests/e2e/harness.py: `commons serve --workers 2`, gunicorn
   sync workers), on SQLite and on PostgreSQL, receive signed `Create` activities, each with
   a real Experience and a unique activity and object id, from 120 actors on 4 Peer servers
   (tests/federation/peer.py), every one of them followed by the node (Follow rows seeded
   directly, as tests/federation/test_processing.py does), so "processed" means validated
   against the shapes and stored as an item. All requests are signed before timing (draft-
   cavage + Digest, federation.signatures.sign_request) and replayed by wrk once each, after
   a warm-up that puts every key in both web processes' caches. "accepted" is 202s per
   second with the worker stopped (each one stored: the bench counts the rows); then
   `commons worker` processes drain the backlog in phases, each taking an equal share of it:
   one worker with no validator process (COMMONS_WORKER_VALIDATORS=0: the baseline), one worker
   with its validator process (the default), and on PostgreSQL two workers; each phase's
   steady rate (after its first fifth) and CPU per message (workers and validators) are
   measured from the database and /proc.
   Baselines in the same run, gunicorn with the same options: a bare Flask route answering
   202, the same route verifying only (parse + verify with federation.signatures, keys
   cached), and verifying plus one sqlite3 INSERT + COMMIT.
2. Fan-out. One node followed by 50 Peer servers (one actor each, 50 origins and shared
   inboxes; their keys are reused from the inbox actors, key generation being slow); an item
   is published with the write API; time until all 50 Peers hold the Create. Fan-out and
   convergence nodes run with COMMONS_WORKER_IDLE=0.5, `commons serve`'s default.
3. Convergence. Five nodes all following each other (`follow` service, accepted and
   backfilled); an item is published on one; time until it is in the database of the four
   others (checked once more on their /experiences page at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from anywhere
sys.path.insert(0, str(REPO / "bench"))

import federation_load as load  # noqa: E402
import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from tests.e2e.harness import Node, free_port  # noqa: E402
from tests.federation.peer import Peer  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
INBOX_PEERS, ACTORS_PER_PEER = 4, 30
FANOUT_PEERS = 50
CONVERGENCE_NODES = 5
WRK_THREADS, WRK_CONNECTIONS = 1, 8

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

# Run inside a node's environment: follow other nodes by handle, as `commons follow` does.
_FOLLOW = """
import json, sys
from server import create_app
from server.services.federation import follow
app = create_app()
with app.app_context():
    for target in json.load(sys.stdin):
        follow(target)
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


# --- 1. inbox -----------------------------------------------------------------------------


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


def _count(engine, sql: str, **params: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar() or 0)


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
        items_before = _count(engine, "SELECT COUNT(*) FROM item")
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
        items = _count(engine, "SELECT COUNT(*) FROM item") - items_before
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


# --- 2. fan-out ---------------------------------------------------------------------------


class TimedList(list):
    """Peer.received, with the moment each POST arrived."""

    def append(self, entry: dict) -> None:
        entry["at"] = time.monotonic()
        super().append(entry)


def _write_api_experience(title: str) -> dict:
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


def fanout(table: Table, tmp: Path, keys: list[tuple[str, str]], rounds: int, idle: str) -> None:
    from federation.signatures import sign_request

    supply = iter(keys)
    with ExitStack() as stack:
        peers = [stack.enter_context(Peer()) for _ in range(FANOUT_PEERS)]
        for peer in peers:
            peer.received = TimedList()
        actors = [load.add_actors(peer, ["follower"], supply)[0] for peer in peers]
        node = Node("fanout", tmp, None, COMMONS_WORKER_IDLE=idle)
        stack.callback(node.stop)
        setup(node)
        node.start(workers=2)
        for actor in actors:
            follow = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "type": "Follow",
                "id": f"{actor.iri}/follows/{uuid.uuid4()}",
                "actor": actor.iri,
                "object": node.actor,
            }
            body = json.dumps(follow).encode()
            headers = sign_request(
                "POST",
                f"{node.base_url}/inbox",
                {"Content-Type": load.AS_JSON},
                body,
                actor.key_id,
                actor.private_pem,
            )
            status = requests.post(
                f"{node.base_url}/inbox", data=body, headers=headers, timeout=30
            ).status_code
            if status != 202:
                raise RuntimeError(f"Follow answered {status}")

        def accepted() -> bool:
            return all(any(r["body"].get("type") == "Accept" for r in p.received) for p in peers)

        if not wait_until(accepted, timeout=90, interval=0.2):
            raise RuntimeError("not every follower got its Accept")
        log(f"fan-out: {FANOUT_PEERS} followers accepted")
        totals, firsts, api = [], [], []
        for n in range(rounds):
            time.sleep(0.3)
            started = time.monotonic()
            response = node.post_outbox(
                _write_api_experience(f"Bench fan-out {n} {uuid.uuid4().hex[:8]}")
            )
            answered = time.monotonic()
            if response.status_code != 201:
                raise RuntimeError(
                    f"write API answered {response.status_code}: {response.text[:300]}"
                )
            iri = response.headers["Location"]

            def arrivals(iri=iri) -> list[float] | None:
                times = []
                for peer in peers:
                    hit = [
                        r["at"]
                        for r in list(peer.received)
                        if r["body"].get("type") == "Create"
                        and isinstance(r["body"].get("object"), dict)
                        and r["body"]["object"].get("id") == iri
                    ]
                    if not hit:
                        return None
                    times.append(hit[0])
                return times

            times = wait_until(arrivals, timeout=60, interval=0.005)
            if not times:
                got = sum(
                    1
                    for p in peers
                    if any(r["body"].get("type") == "Create" for r in list(p.received))
                )
                table.add(
                    f"fan-out to {FANOUT_PEERS} nodes, round {n}",
                    "timed out",
                    f"{got} reached in 60 s",
                    "target < 3 s",
                )
                continue
            totals.append(max(times) - started)
            firsts.append(min(times) - started)
            api.append(answered - started)
        if totals:
            table.add(
                f"fan-out: all {FANOUT_PEERS} deliveries done (median of {len(totals)})",
                f"{statistics.median(totals):.2f} s",
                f"max {max(totals):.2f} s; first delivery {statistics.median(firsts):.2f} s; "
                f"write API answered in {statistics.median(api):.2f} s; worker idle sleep {idle} s",
                "target < 3 s",
            )


# --- 3. convergence ---------------------------------------------------------------------------


def convergence(table: Table, tmp: Path, rounds: int, idle: str) -> None:
    nodes = [
        Node(f"conv{n}", tmp, None, COMMONS_WORKER_IDLE=idle) for n in range(CONVERGENCE_NODES)
    ]
    engines = []
    try:
        with ThreadPoolExecutor(CONVERGENCE_NODES) as pool:
            list(pool.map(lambda node: setup(node).start(workers=2), nodes))
            list(
                pool.map(
                    lambda node: run_in_node(
                        node, _FOLLOW, [o.acct for o in nodes if o is not node]
                    ),
                    nodes,
                )
            )
        engines = [create_engine(node.database_url) for node in nodes]
        others = CONVERGENCE_NODES - 1
        settled_sql = (
            "SELECT COUNT(*) FROM follow f JOIN actor a ON a.id = f.follower_id "
            "WHERE a.is_local AND f.state = 'accepted' AND f.backfill_state = 'done'"
        )
        if not wait_until(
            lambda: all(_count(e, settled_sql) == others for e in engines), timeout=90, interval=0.3
        ):
            raise RuntimeError(
                "the five nodes did not all follow each other (accepted, backfilled)"
            )
        log("convergence: 5 nodes follow each other")
        totals, title = [], ""
        for n in range(rounds):
            time.sleep(0.3)
            source = n % CONVERGENCE_NODES
            title = f"Bench convergence {n} {uuid.uuid4().hex[:8]}"
            started = time.monotonic()
            response = nodes[source].post_outbox(_write_api_experience(title))
            if response.status_code != 201:
                raise RuntimeError(
                    f"write API answered {response.status_code}: {response.text[:300]}"
                )
            iri = response.headers["Location"]
            seen: dict[int, float] = {}
            lock = threading.Lock()

            def watch(index: int, iri=iri, seen=seen, lock=lock) -> None:
                found = wait_until(
                    lambda: _count(
                        engines[index], "SELECT COUNT(*) FROM item WHERE iri = :iri", iri=iri
                    ),
                    timeout=30,
                    interval=0.01,
                )
                if found:
                    with lock:
                        seen[index] = time.monotonic()

            watchers = [
                threading.Thread(target=watch, args=(i,))
                for i in range(CONVERGENCE_NODES)
                if i != source
            ]
            for thread in watchers:
                thread.start()
            for thread in watchers:
                thread.join()
            if len(seen) < others:
                table.add(
                    f"convergence, round {n}",
                    "timed out",
                    f"{len(seen)} of {others} in 30 s",
                    "target < 2 s",
                )
                continue
            totals.append(max(seen.values()) - started)
        on_pages = sum(
            title
            in requests.get(
                f"{node.base_url}/experiences", headers={"Accept": "text/html"}, timeout=10
            ).text
            for i, node in enumerate(nodes)
            if i != (rounds - 1) % CONVERGENCE_NODES
        )
        if totals:
            table.add(
                f"convergence: item on all {others} others (median of {len(totals)})",
                f"{statistics.median(totals):.2f} s",
                f"max {max(totals):.2f} s; last item on /experiences of {on_pages}/{others}; "
                f"worker idle sleep {idle} s",
                "target < 2 s",
            )
    finally:
        for engine in engines:
            engine.dispose()
        with ThreadPoolExecutor(CONVERGENCE_NODES) as pool:
            list(pool.map(lambda node: node.stop(), nodes))


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="inbox,fanout,convergence")
    parser.add_argument("--seconds", type=float, default=10.0, help="timed inbox load per row")
    parser.add_argument(
        "--window", type=float, default=15.0, help="longest worker processing window"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="publishes per fan-out/convergence row"
    )
    parser.add_argument(
        "--worker-idle",
        default="0.5",
        help="COMMONS_WORKER_IDLE for fan-out and convergence (0.5: `commons serve`'s default)",
    )
    parser.add_argument(
        "--pg",
        default=os.environ.get("COMMONS_BENCH_DATABASE_URL")
        or os.environ.get("COMMONS_TEST_DATABASE_URL")
        or DEFAULT_PG,
    )
    args = parser.parse_args()
    sections = set(args.only.split(","))
    if shutil.which("wrk") is None and "inbox" in sections:
        sys.exit("wrk is needed for the inbox rows (apt-get install wrk)")
    began, load_before = time.monotonic(), load.loadavg()
    log(f"{os.cpu_count()} cores; load average {load_before} (other processes share this machine)")
    table = Table()
    tmp = Path(tempfile.mkdtemp(prefix="bench-federation-"))
    try:
        # Fan-out actors reuse inbox keys (their own actors and origins): key generation is slow.
        needed = (
            INBOX_PEERS * ACTORS_PER_PEER
            if "inbox" in sections
            else FANOUT_PEERS * ("fanout" in sections)
        )
        keys = load.key_pairs(needed) if needed else []
        log(f"{len(keys)} RSA-2048 keys generated")
        if "inbox" in sections:
            with ExitStack() as stack:
                inbox = InboxLoad(stack, keys[: INBOX_PEERS * ACTORS_PER_PEER])
                table.note(
                    f"Inbox: signed Creates (real Experience, unique ids) from "
                    f"{len(inbox.actors)} actors on {INBOX_PEERS} peers; gunicorn 2 sync workers; "
                    f"wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS}, pre-signed"
                )
                inbox_baselines(table, inbox, tmp, args.seconds)
                inbox_node(table, inbox, tmp, "SQLite", None, args.seconds, args.window)
                why_not = postgres_available(args.pg)
                if why_not:
                    table.add("inbox, node on PostgreSQL", "skipped", why_not)
                else:
                    inbox_node(table, inbox, tmp, "PostgreSQL", args.pg, args.seconds, args.window)
                table.note(
                    "  FEDERATION.md, same kind of machine: httpsig as it is 1,270/s; "
                    "Fedify 2.3.6 inbox 305/s"
                )
        if "fanout" in sections:
            fanout(table, tmp, keys[:FANOUT_PEERS], args.rounds, args.worker_idle)
        if "convergence" in sections:
            convergence(table, tmp, args.rounds, args.worker_idle)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    table.print()
    print(
        f"\n{os.cpu_count()} cores shared with other processes; load average (1, 5, 15 min) "
        f"at start {load_before}, at end {load.loadavg()}; {time.monotonic() - began:.0f} s in all"
    )


if __name__ == "__main__":
    main()

"""Part 3 of bench/bench_federation.py, convergence: nodes all following each other; an item
published on one, and the time until it is in every other's database.

Imported by bench/bench_federation.py, which puts the repository and bench/ on sys.path.
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from federation_harness import (
    Table,
    count,
    log,
    run_in_node,
    setup,
    wait_until,
    write_api_experience,
)
from sqlalchemy import create_engine

from tests.e2e.harness import Node

CONVERGENCE_NODES = 5

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
            lambda: all(count(e, settled_sql) == others for e in engines), timeout=90, interval=0.3
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
            response = nodes[source].post_outbox(write_api_experience(title))
            if response.status_code != 201:
                raise RuntimeError(
                    f"write API answered {response.status_code}: {response.text[:300]}"
                )
            iri = response.headers["Location"]
            seen: dict[int, float] = {}
            lock = threading.Lock()

            def watch(index: int, iri=iri, seen=seen, lock=lock) -> None:
                found = wait_until(
                    lambda: count(
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

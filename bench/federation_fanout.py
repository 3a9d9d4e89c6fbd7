"""Part 2 of bench/bench_federation.py, fan-out: one node followed by FANOUT_PEERS Peer servers
publishes an item; the time until every Peer holds the Create.

Imported by bench/bench_federation.py, which puts the repository and bench/ on sys.path.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import federation_load as load
import requests
from federation_harness import Table, log, setup, wait_until, write_api_experience

from tests.e2e.harness import Node
from tests.federation.peer import Peer

FANOUT_PEERS = 50


class TimedList(list):
    """Peer.received, with the moment each POST arrived."""

    def append(self, entry: dict) -> None:
        entry["at"] = time.monotonic()
        super().append(entry)


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
                write_api_experience(f"Bench fan-out {n} {uuid.uuid4().hex[:8]}")
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

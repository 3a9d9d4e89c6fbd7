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

Each part is a module beside this script: federation_inbox.py, federation_fanout.py,
federation_convergence.py; federation_harness.py holds what they share (node set-up, waiting,
the table of figures) and federation_load.py the load generation (keys, signing, wrk).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from anywhere
sys.path.insert(0, str(REPO / "bench"))

import federation_load as load  # noqa: E402
from federation_convergence import convergence  # noqa: E402
from federation_fanout import FANOUT_PEERS, fanout  # noqa: E402
from federation_harness import Table, log, postgres_available  # noqa: E402
from federation_inbox import (  # noqa: E402
    ACTORS_PER_PEER,
    INBOX_PEERS,
    WRK_CONNECTIONS,
    WRK_THREADS,
    InboxLoad,
    inbox_baselines,
    inbox_node,
)

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


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

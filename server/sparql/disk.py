"""The index kept on disk: a pyoxigraph (RocksDB) store in the node's data directory.

A node with 50,000 items holds about two million triples: some 600 MB in a memory store,
a few tens of MB of process memory on disk (the files sit in the page cache, which the
kernel can take back). The layout, under `<data_dir>/sparql/`:

    state.json          {"store": "store-<key>-<n>", "key": ..., "floor": ..., "triples": ...}
    store-<key>-<n>/    the RocksDB store that state.json names; one writer at a time
    build-<key>-<n>/    a store being built (a leftover of a crash is removed at the next build)

`key` names the database (a hash of its URL): a store built from another database is never
used. `floor` is the last `harvest_change` id whose change the store holds, written only
after the store has flushed those changes to its files, so it is never ahead of them: a
process killed mid-write (a query stopped at the time limit, a crash) replays the changes
after the floor, which is harmless (each replaces a whole graph). A store that cannot
catch up (the log was trimmed past its floor, or the database went back in time) is
rebuilt from the harvest records; so is a missing or unreadable one.

Plain code, like the rest of `server.sparql`: neither Flask nor our models.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from sqlalchemy import text
from sqlalchemy.engine import Engine

STATE = "state.json"
CHUNK = 500  # records read from the database at a time while building


class StoreGone(Exception):
    """No usable store on disk: build one."""


def read_state(root: Path, key: str) -> dict[str, Any]:
    """Return the state of the store built from this database, or raise StoreGone."""
    try:
        state = json.loads((root / STATE).read_text())
    except (FileNotFoundError, ValueError) as exc:
        raise StoreGone(str(exc)) from exc
    if state.get("key") != key or not (root / str(state.get("store", ""))).is_dir():
        raise StoreGone("the store on disk belongs to another database or is missing")
    return state


def write_state(root: Path, state: dict[str, Any]) -> None:
    """Replace state.json atomically (a crash leaves the old one or the new one)."""
    temporary = root / (STATE + ".tmp")
    with open(temporary, "w") as handle:
        json.dump(state, handle)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(root / STATE)
    with contextlib.suppress(OSError):  # make the rename itself durable
        directory = os.open(root, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


class _Quads(io.RawIOBase):
    """The live records as one N-Quads stream (one named graph per record), read in chunks.

    Fed to `Store.bulk_load`, which sorts everything once rather than per chunk."""

    def __init__(self, rows: Any) -> None:
        self.rows = rows
        self.buffer = b""
        self.records = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self.buffer:
            chunk = self.rows.fetchmany(CHUNK)
            if not chunk:
                return 0
            self.records += len(chunk)
            # split("\n"), not splitlines(): a literal may hold U+2028 and the like.
            self.buffer = "".join(
                line[:-2] + f" <{graph}> .\n"
                for graph, ntriples in chunk
                for line in ntriples.split("\n")
                if line.endswith(" .")
            ).encode()
        size = min(len(target), len(self.buffer))
        target[:size] = self.buffer[:size]
        self.buffer = self.buffer[size:]
        return size


def build(engine: Engine, root: Path, key: str) -> dict[str, Any]:
    """Build a new store from the live records, then make it the current one.

    The log's newest id is read first: changes committed while building are replayed by
    the first catch-up. Runs in a child process of the owner (bulk loading takes memory
    that it gives back by exiting)."""
    root.mkdir(parents=True, exist_ok=True)
    for leftover in root.glob("build-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    name = f"{key}-{time.time_ns()}"
    building = root / f"build-{name}"
    with engine.connect() as conn:
        floor = conn.execute(text("SELECT max(id) FROM harvest_change")).scalar() or 0
    store = ox.Store(str(building))
    with engine.connect() as conn:
        rows = conn.execution_options(stream_results=True).execute(
            text("SELECT graph, ntriples FROM harvest_record WHERE deleted = :no ORDER BY id"),
            {"no": False},
        )
        quads = _Quads(rows)
        store.bulk_load(io.BufferedReader(quads, 1 << 20), format=ox.RdfFormat.N_QUADS)
    # Compacted once here, queries that join most of the dataset take about a third less
    # CPU (measured at 50,000 items: 1.05 s -> 0.75 s for experiences counted by theme).
    store.optimize()
    store.flush()
    del store
    final = root / f"store-{name}"
    building.rename(final)
    state = {"store": final.name, "key": key, "floor": floor, "records": quads.records}
    write_state(root, state)
    for old in root.glob("store-*"):
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return state

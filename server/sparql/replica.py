"""An in-memory copy of the dataset that follows the database's change log.

Each harvest record is a named graph (the resource's IRI) in a pyoxigraph memory store;
queries see the union. The replica loads the live records in chunks, then replays
`harvest_change` rows it has not seen: each names a graph to render again from its record
(or to drop, for a tombstone); "*" asks for a reload from scratch.

Imports neither Flask nor our models: the SPARQL owner process runs it as plain code.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine

CHUNK = 2000  # records loaded between two looks at the socket
RELOAD = "*"


class ChangeCursor:
    """Follow `harvest_change` by id, tolerating ids that commit out of order.

    On PostgreSQL a transaction may commit after a later-numbered one; an id missing below
    the highest seen is kept as a gap and looked for again for `grace` seconds.
    """

    def __init__(self, grace: float = 30.0) -> None:
        self.floor = 0
        self.seen: set[int] = set()
        self.gaps: dict[int, float] = {}
        self.grace = grace

    def start(self, last_id: int) -> None:
        self.floor, self.seen, self.gaps = last_id, set(), {}

    def take(self, rows: list[tuple[int, str]], now: float) -> list[str]:
        """Return the graphs of rows not seen yet, and move the floor past settled ids."""
        fresh = [(i, g) for i, g in rows if i > self.floor and i not in self.seen]
        self.seen.update(i for i, _ in fresh)
        for i, _ in fresh:
            self.gaps.pop(i, None)
        top = max(self.seen, default=self.floor)
        for missing in range(self.floor + 1, top):
            if missing not in self.seen:
                self.gaps.setdefault(missing, now)
        for i in [i for i, since in self.gaps.items() if now - since > self.grace]:
            del self.gaps[i]
            self.seen.add(i)
        while self.floor + 1 in self.seen:
            self.floor += 1
            self.seen.discard(self.floor)
        return [g for _, g in fresh]


class NeedsReload(Exception):
    """The change log asked for a reload from scratch."""


class Replica:
    """The dataset in memory, kept in step with the database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = ox.Store()
        self.cursor = ChangeCursor()
        self.loaded = 0
        self.last_poll = 0.0

    def load_steps(self) -> Iterator[None]:
        """Load every live record, CHUNK at a time; yield between chunks."""
        self.store = ox.Store()
        self.loaded = 0
        with self.engine.connect() as conn:
            last = conn.execute(text("SELECT max(id) FROM harvest_change")).scalar() or 0
        self.cursor.start(last)  # read first: changes made while loading are replayed
        with self.engine.connect() as conn:
            rows = conn.execution_options(yield_per=CHUNK).execute(
                text("SELECT graph, ntriples FROM harvest_record WHERE deleted = :no ORDER BY id"),
                {"no": False},
            )
            for chunk in rows.partitions(CHUNK):
                self._load_chunk(chunk)
                yield

    def _load_chunk(self, chunk: Any) -> None:
        quads: list[str] = []
        for graph, ntriples in chunk:
            suffix = f" <{graph}> .\n"
            # split("\n"), not splitlines(): a literal may hold U+2028 and the like.
            quads += [line[:-2] + suffix for line in ntriples.split("\n") if line.endswith(" .")]
        self.store.load("".join(quads).encode(), format=ox.RdfFormat.N_QUADS)
        self.loaded += len(chunk)

    def catch_up(self) -> int:
        """Apply every logged change not seen yet; raise NeedsReload on "*"."""
        now = time.monotonic()
        self.last_poll = now
        with self.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, graph FROM harvest_change WHERE id > :floor ORDER BY id"),
                {"floor": self.cursor.floor},
            ).all()
            if not rows:
                return 0
            graphs = self.cursor.take([(r[0], r[1]) for r in rows], now)
            if RELOAD in graphs:
                raise NeedsReload
            wanted = list(dict.fromkeys(g for g in graphs if g.startswith(("http://", "https://"))))
            for start in range(0, len(wanted), 500):
                self._apply(conn, wanted[start : start + 500])
        return len(wanted)

    def _apply(self, conn: Any, graphs: list[str]) -> None:
        query = text(
            "SELECT graph, ntriples, deleted FROM harvest_record WHERE graph IN :graphs"
        ).bindparams(bindparam("graphs", expanding=True))
        records = {g: (nt, deleted) for g, nt, deleted in conn.execute(query, {"graphs": graphs})}
        for graph in graphs:
            node = ox.NamedNode(graph)
            if self.store.contains_named_graph(node):
                self.store.remove_graph(node)
            ntriples, deleted = records.get(graph, ("", True))
            if not deleted and ntriples:
                self.store.load(ntriples.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=node)


class DiskReplica(Replica):
    """The dataset in a store on disk (`server.sparql.disk`), kept in step the same way.

    Only one process opens it (the index's query worker): RocksDB allows one writer.
    `layout` is the `server.sparql.disk` module (passed in: the owner loads its siblings
    without the `server` package)."""

    def __init__(self, engine: Engine, layout: Any, root: Any, key: str) -> None:
        self.engine = engine
        self.layout = layout
        self.root = root
        self.key = key
        self.cursor = ChangeCursor()
        self.loaded = 0
        self.last_poll = 0.0
        self.saved_floor = 0
        self.state: dict[str, Any] = {}
        self.store = None  # type: ignore[assignment]

    def open(self) -> None:
        """Open the current store and check the change log still reaches back to its floor;
        raise NeedsReload when it must be built again."""
        try:
            self.state = self.layout.read_state(self.root, self.key)
            self.store = ox.Store(str(self.root / self.state["store"]))
        except (self.layout.StoreGone, OSError) as exc:
            raise NeedsReload(str(exc)) from exc
        floor = int(self.state.get("floor", 0))
        with self.engine.connect() as conn:
            low, high = conn.execute(text("SELECT min(id), max(id) FROM harvest_change")).one()
        if high is not None and (floor > high or (low is not None and low > floor + 1)):
            # The database went back in time (a restore), or changes past the floor were
            # trimmed from the log before this store saw them.
            raise NeedsReload("the change log no longer reaches the store's floor")
        self.cursor.start(floor)
        self.saved_floor = floor

    def persist(self) -> None:
        """Write the floor once the store's files hold what it covers (never ahead of them)."""
        if self.store is None or self.cursor.floor == self.saved_floor:
            return
        self.store.flush()
        self.state["floor"] = self.cursor.floor
        self.layout.write_state(self.root, self.state)
        self.saved_floor = self.cursor.floor

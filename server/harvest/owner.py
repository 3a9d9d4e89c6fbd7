"""The SPARQL index process: one per node, holding the dataset in a pyoxigraph memory store.

Design. pyoxigraph's on-disk store allows one writing process and leaves readers in other
processes undefined, and its queries cannot be interrupted from Python. So:

- One *owner* process per node (per data directory and database) holds the index in
  memory: each harvest record in a named graph (its IRI), queried as the union of them all.
  It is started on demand by the first web process that needs it (`server.harvest.index`)
  and listens on an abstract Unix socket whose name derives from the data directory and
  the database URL; binding that name is the election, so a second owner simply exits.
  It exits when the process that started it goes away; the next query starts another.
- It loads the live records from the database in chunks (answering "loading" meanwhile),
  then catches up from the `harvest_change` log before every query and twice a second:
  a publish committed through any web process is visible to the very next query.
- Every query runs in a child forked from the owner: the store is shared copy-on-write,
  the child runs at a lower CPU priority with a memory ceiling, and the owner kills it
  with SIGKILL at the time limit, which stops its CPU use at once. At most `slots`
  children run at a time; a query waits `queue_wait` seconds for a slot, then is answered
  "busy" (503), so a flood of pathological queries never holds the web processes that
  serve pages and the inbox.

The owner never writes to the database and imports neither Flask nor our models.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import select
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine


def _results_module() -> Any:
    """Import `results` without the `server` package when run as a script (a second faster)."""
    if __package__:
        from server.harvest import results as module

        return module
    spec = importlib.util.spec_from_file_location("_commons_results", Path(__file__).with_name("results.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


results = _results_module()
CHUNK = 2000  # records loaded between two looks at the socket
POLL = 0.5  # seconds between catch-ups when idle
RELOAD = "*"


def send_frame(conn: socket.socket, payload: bytes) -> None:
    conn.sendall(struct.pack(">I", len(payload)) + payload)


def recv_frame(conn: socket.socket, limit: int = 64 * 1024 * 1024) -> bytes:
    head = _recv_exactly(conn, 4)
    (size,) = struct.unpack(">I", head)
    if size > limit:
        raise ValueError("frame too large")
    return _recv_exactly(conn, size)


def _recv_exactly(conn: socket.socket, size: int) -> bytes:
    chunks, got = [], 0
    while got < size:
        chunk = conn.recv(min(size - got, 1 << 20))
        if not chunk:
            raise EOFError("connection closed")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def reply(conn: socket.socket, header: dict[str, Any], body: bytes = b"") -> None:
    send_frame(conn, json.dumps(header).encode())
    send_frame(conn, body)


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
        expired = [i for i, since in self.gaps.items() if now - since > self.grace]
        for i in expired:
            del self.gaps[i]
            self.seen.add(i)
        while self.floor + 1 in self.seen:
            self.floor += 1
            self.seen.discard(self.floor)
        return [g for _, g in fresh]


@dataclass
class Job:
    conn: socket.socket
    request: dict[str, Any]
    arrived: float
    pid: int = 0
    deadline: float = 0.0


@dataclass
class Owner:
    engine: Engine
    name: str
    parent: int
    slots: int = 1
    queue_wait: float = 0.5
    memory_limit: int = 1 << 30
    store: ox.Store = field(default_factory=ox.Store)
    cursor: ChangeCursor = field(default_factory=ChangeCursor)
    loading: Any = None
    loaded: int = 0
    queue: list[Job] = field(default_factory=list)
    running: dict[int, Job] = field(default_factory=dict)
    last_poll: float = 0.0
    server: socket.socket | None = None

    # --- index -----------------------------------------------------------------------

    def _load_steps(self) -> Any:
        """Load every live record, CHUNK at a time (a generator: the loop answers between)."""
        self.store = ox.Store()
        self.loaded = 0
        with self.engine.connect() as conn:
            last = conn.execute(text("SELECT max(id) FROM harvest_change")).scalar() or 0
        self.cursor.start(last)
        with self.engine.connect() as conn:
            rows = conn.execution_options(yield_per=CHUNK).execute(
                text("SELECT graph, ntriples FROM harvest_record WHERE deleted = :no ORDER BY id"),
                {"no": False},
            )
            for chunk in rows.partitions(CHUNK):
                self._load_chunk(chunk)
                yield
        self.catch_up(force=True)

    def _load_chunk(self, chunk: Any) -> None:
        quads = []
        for graph, ntriples in chunk:
            suffix = f" <{graph}> .\n"
            # split("\n"), not splitlines(): a literal may hold U+2028 and the like.
            quads += [line[:-2] + suffix for line in ntriples.split("\n") if line.endswith(" .")]
        self.store.load("".join(quads).encode(), format=ox.RdfFormat.N_QUADS)
        self.loaded += len(chunk)

    def catch_up(self, force: bool = False) -> None:
        """Apply every logged change not seen yet."""
        now = time.monotonic()
        if not force and now - self.last_poll < 0.01:
            return
        self.last_poll = now
        with self.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, graph FROM harvest_change WHERE id > :floor ORDER BY id"),
                {"floor": self.cursor.floor},
            ).all()
            graphs = self.cursor.take([(r[0], r[1]) for r in rows], now)
            if RELOAD in graphs:
                self.loading = self._load_steps()
                return
            wanted = list(dict.fromkeys(g for g in graphs if g.startswith(("http://", "https://"))))
            for start in range(0, len(wanted), 500):
                self._apply(conn, wanted[start : start + 500])

    def _apply(self, conn: Any, graphs: list[str]) -> None:
        records = {
            graph: (ntriples, deleted)
            for graph, ntriples, deleted in conn.execute(
                text("SELECT graph, ntriples, deleted FROM harvest_record WHERE graph IN :graphs")
                .bindparams(_expanding("graphs")),
                {"graphs": graphs},
            )
        }
        for graph in graphs:
            node = ox.NamedNode(graph)
            if self.store.contains_named_graph(node):
                self.store.remove_graph(node)
            ntriples, deleted = records.get(graph, ("", True))
            if not deleted and ntriples:
                self.store.load(ntriples.encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=node)

    # --- queries ---------------------------------------------------------------------

    def accept(self, server: socket.socket) -> None:
        conn, _ = server.accept()
        conn.settimeout(5)
        try:
            request = json.loads(recv_frame(conn, limit=1 << 20))
        except (OSError, ValueError, EOFError):
            conn.close()
            return
        op = request.get("op")
        if op == "stop":
            reply(conn, {"status": "stopping"})
            conn.close()
            raise SystemExit(0)
        if self.loading is not None:
            reply(conn, {"status": "loading", "loaded": self.loaded})
            conn.close()
        elif op == "ping":
            self.catch_up()
            reply(conn, {"status": "ready", "triples": len(self.store), "floor": self.cursor.floor})
            conn.close()
        else:
            self.queue.append(Job(conn, request, time.monotonic()))

    def start_jobs(self) -> None:
        now = time.monotonic()
        while self.queue and len(self.running) < self.slots:
            self.catch_up()
            job = self.queue.pop(0)
            job.deadline = time.monotonic() + float(job.request.get("timeout", 10))
            job.pid = os.fork()
            if job.pid == 0:
                self._child(job)
            self.running[job.pid] = job
        for job in [j for j in self.queue if now - j.arrived > self.queue_wait]:
            self.queue.remove(job)
            _safe_reply(job.conn, {"status": "busy"})
            job.conn.close()

    def _child(self, job: Job) -> None:
        """Run one query and answer it, then exit (never returns)."""
        code = 0
        try:
            os.nice(10)  # pages and the inbox come first
            soft = _vm_size() + self.memory_limit
            resource.setrlimit(resource.RLIMIT_AS, (soft, soft))
            for other in [*self.queue, *self.running.values()]:
                other.conn.close()
            if self.server is not None:
                self.server.close()
            request = job.request
            try:
                media_type, body = results.run(
                    self.store,
                    request["query"],
                    request.get("select_format", "json"),
                    request.get("graph_format", "turtle"),
                    int(request.get("max_rows", 10000)),
                )
                if len(body) > int(request.get("max_bytes", 1 << 26)):
                    raise results.TooManyResults("the results are larger than the configured cap")
                reply(job.conn, {"status": "ok", "content_type": media_type}, body)
            except (SyntaxError, ValueError) as exc:
                reply(job.conn, {"status": "error", "message": str(exc)})
            except MemoryError:
                reply(job.conn, {"status": "error", "message": "the query needs more memory than allowed"})
            except OSError as exc:
                reply(job.conn, {"status": "error", "message": f"the query failed: {exc}"})
        except BaseException:  # noqa: BLE001 - a child must always exit, never return
            code = 1
        finally:
            os._exit(code)

    def reap(self) -> None:
        now = time.monotonic()
        for pid, job in list(self.running.items()):
            if job.deadline <= now:
                _kill(pid)
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                # After a kill nothing more is written: the client reads the cut as a timeout.
                job.conn.close()
                del self.running[pid]

    def shutdown(self) -> None:
        for pid in list(self.running):
            _kill(pid)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass

    def serve(self, server: socket.socket) -> None:
        self.server = server
        self.loading = self._load_steps()
        while True:
            if os.getppid() != self.parent:
                return
            deadlines = [j.deadline for j in self.running.values()]
            wait = 0.0 if self.loading is not None else POLL
            if deadlines:
                wait = min(wait, max(0.0, min(deadlines) - time.monotonic()))
            if self.queue:
                wait = min(wait, 0.02)
            readable, _, _ = select.select([server], [], [], wait)
            if readable:
                self.accept(server)
            if self.loading is not None:
                current = self.loading
                try:
                    next(current)
                except StopIteration:
                    if self.loading is current:  # unless the load asked for another one
                        self.loading = None
            else:
                self.start_jobs()
                if time.monotonic() - self.last_poll > POLL:
                    self.catch_up()
            self.reap()


def _expanding(name: str) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name, expanding=True)


def _safe_reply(conn: socket.socket, header: dict[str, Any]) -> None:
    try:
        reply(conn, header)
    except OSError:
        pass


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _vm_size() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * resource.getpagesize()


def engine_for(url: str) -> Engine:
    """Open the node's database read-only in spirit: short connections, SQLite waits."""
    if url.startswith("sqlite"):
        return create_engine(url, connect_args={"timeout": 30})
    return create_engine(url, pool_size=1, max_overflow=2, pool_pre_ping=True)


def main(argv: list[str] | None = None) -> int:
    """Run an owner until its parent exits (the database URL comes from the environment)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True)
    parser.add_argument("--parent", type=int, default=os.getppid())
    parser.add_argument("--slots", type=int, default=1)
    parser.add_argument("--queue-wait", type=float, default=0.5)
    parser.add_argument("--memory-mb", type=int, default=1024)
    args = parser.parse_args(argv)
    if not __package__ and sys.path and Path(sys.path[0]).resolve() == Path(__file__).parent.resolve():
        del sys.path[0]  # run as a script: our folder must not shadow top-level modules
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind("\0" + args.socket)
    except OSError:
        return 0  # another owner already serves this node
    server.listen(128)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    owner = Owner(
        engine=engine_for(os.environ["COMMONS_DATABASE_URL"]),
        name=args.socket,
        parent=args.parent,
        slots=max(1, args.slots),
        queue_wait=args.queue_wait,
        memory_limit=args.memory_mb * 1024 * 1024,
    )
    try:
        owner.serve(server)
    finally:
        owner.shutdown()
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

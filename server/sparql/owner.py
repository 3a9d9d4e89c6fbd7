"""The SPARQL index process: one per node, holding the dataset on disk or in memory.

Design. pyoxigraph's queries cannot be interrupted from Python, and its on-disk store
allows one writing process (readers in other processes are undefined). So:

- One *owner* process per node (per data directory and database). The first web process
  that needs SPARQL starts it (`server.sparql.client`); it listens on an abstract Unix
  socket named after the data directory and database URL. Binding the name is the
  election: a second owner simply exits. It exits when the process that started it goes
  away, and the next query starts another.
- Queries run in *query workers* forked from the owner, at a lower CPU priority under a
  memory ceiling. Each catches up from the `harvest_change` log before every query, so a
  publish committed by any web process is visible to the very next query, and serves
  query after query. The owner passes each client connection to an idle worker and kills
  a worker with SIGKILL at the time limit, which stops its CPU use at once; it then forks
  a fresh one.
- On disk (the default, `COMMONS_SPARQL_STORE=disk`): the store lives in the data
  directory (`server.sparql.disk`: layout, build, crash safety). The owner holds no copy;
  its one worker opens the store, the only process that does (one writer), so `slots` is
  1. A fresh worker opens it in a fraction of a second: a killed query costs nothing
  more. A missing or unusable store is built by a child of the owner (queries meanwhile
  answer "loading"). Memory: tens of MB instead of a copy of the dataset.
- In memory (`COMMONS_SPARQL_STORE=memory`): the owner loads the live records into a
  memory store (`replica.Replica`: one named graph per resource, queried as their union)
  and forks the workers once loaded; they share its memory copy-on-write until their
  queries touch it (about twice the dataset in all). Faster on queries that join most of
  the dataset, and reloaded from the database at each start.
- At most `slots` workers run. A query waits `queue_wait` seconds for an idle one, then
  is answered "busy" (503), so a flood of pathological queries never holds the web
  processes that serve pages and the inbox for longer than that.

The owner never writes to the database and imports neither Flask nor our models.
"""

from __future__ import annotations

import argparse
import contextlib
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
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

POLL = 0.5  # seconds between two catch-ups of the owner's own copy


def _sibling(name: str) -> Any:
    """Import a sibling module; without the `server` package when run as a script (faster)."""
    if __package__:
        return importlib.import_module(f"{__package__}.{name}")
    spec = importlib.util.spec_from_file_location(
        f"_commons_{name}", Path(__file__).with_name(f"{name}.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


results = _sibling("results")
replica = _sibling("replica")
disk = _sibling("disk")
KEEP_UP = 60.0  # seconds: an idle worker on disk catches up this often (the log is trimmed)
QUIET = 5.0  # seconds without a query before it does
START_LIMIT = 300.0  # seconds a worker may take to open the store and catch up


def send_frame(conn: socket.socket, payload: bytes) -> None:
    conn.sendall(struct.pack(">I", len(payload)) + payload)


def recv_frame(conn: socket.socket, limit: int = 64 * 1024 * 1024) -> bytes:
    (size,) = struct.unpack(">I", _recv_exactly(conn, 4))
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


def _safe_reply(conn: socket.socket, header: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        reply(conn, header)
    conn.close()


@dataclass
class Job:
    conn: socket.socket
    request: dict[str, Any]
    arrived: float


@dataclass
class Worker:
    pid: int
    control: socket.socket
    deadline: float = 0.0  # 0 when idle
    starting: bool = False  # on disk: opening the store and catching up, not serving yet


@dataclass
class Owner:
    engine: Engine
    parent: int
    slots: int = 1
    queue_wait: float = 0.5
    memory_limit: int = 1 << 30
    store_dir: Path | None = None  # on disk (`server.sparql.disk`) when set, else in memory
    store_key: str = ""
    data: Any = None
    loading: Any = None
    queue: list[Job] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    server: socket.socket | None = None
    kept_up: float = 0.0
    last_query: float = 0.0

    def __post_init__(self) -> None:
        if self.store_dir is None:
            self.data = replica.Replica(self.engine)
        else:
            # On disk, the owner holds no copy: its one worker opens the store (one writer).
            self.data = replica.DiskReplica(self.engine, disk, self.store_dir, self.store_key)
            self.slots = 1

    @property
    def on_disk(self) -> bool:
        return self.store_dir is not None

    # --- the owner's own copy -------------------------------------------------------

    def reload(self) -> None:
        for worker in list(self.workers):
            self._retire(worker)
        self.loading = self._build_steps() if self.on_disk else self.data.load_steps()

    def start(self) -> None:
        """Load the memory copy; on disk, build a store only when none can be used."""
        if self.on_disk:
            try:
                disk.read_state(self.store_dir, self.store_key)
                return
            except disk.StoreGone:
                pass
        self.reload()

    def _build_steps(self) -> Any:
        """Build the store on disk in a child process; yield until it is done."""
        while True:
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    self._forget_sockets()
                    self.engine.dispose(close=False)
                    os.nice(5)
                    disk.build(self.engine, self.store_dir, self.store_key)
                    code = 0
                except BaseException:  # noqa: BLE001 - say why, then exit: never return
                    traceback.print_exc()
                finally:
                    os._exit(code)
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                yield
            if os.waitstatus_to_exitcode(status) == 0:
                return
            retry = time.monotonic() + 5  # the database may be starting: try again soon
            while time.monotonic() < retry:
                yield

    def catch_up(self) -> None:
        if self.on_disk:
            return  # the worker catches up, before each query and when idle (keep_up)
        try:
            self.data.catch_up()
        except replica.NeedsReload:
            self.reload()

    # --- workers --------------------------------------------------------------------

    def fork_worker(self) -> None:
        self.catch_up()
        if self.loading is not None:
            return
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            ours.close()
            self._worker_main(theirs)
        theirs.close()
        if self.on_disk:  # it says "done" once it has opened the store and caught up
            self.workers.append(Worker(pid, ours, time.monotonic() + START_LIMIT, True))
        else:
            self.workers.append(Worker(pid, ours))

    def _forget_sockets(self) -> None:
        """In a child: close the owner's sockets (the listening one, workers', clients')."""
        for other in [*self.workers, *self.queue]:
            (other.control if isinstance(other, Worker) else other.conn).close()
        if self.server is not None:
            self.server.close()

    def _worker_main(self, control: socket.socket) -> None:
        """Serve the queries the owner hands over, until it closes the control socket."""
        code = 0
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            self._forget_sockets()
            self.engine.dispose(close=False)  # the owner's pooled connections stay its own
            os.nice(10)  # pages and the inbox come first
            if self.on_disk:
                self.data.open()
                self.data.catch_up()
                self.data.persist()
                control.send(b"done")
            ceiling = _vm_size() + self.memory_limit
            resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
            while True:
                message, fds, _, _ = socket.recv_fds(control, 1 << 20, 1)
                if message == b"keep-up":
                    # Idle: catch up, and record the floor once the store has flushed
                    # (not after each query: a flush takes a while, and a floor behind
                    # the store only means changes replayed after a crash).
                    self.data.catch_up()
                    self.data.persist()
                elif not message or not fds:
                    break
                else:
                    conn = socket.socket(fileno=fds[0])
                    try:
                        self._answer(conn, json.loads(message))
                    finally:
                        conn.close()
                control.send(b"done")
        except replica.NeedsReload:
            code = 3
        except BaseException:  # noqa: BLE001 - a worker must exit, never return to the loop
            code = 1
        os._exit(code)

    def _answer(self, conn: socket.socket, request: dict[str, Any]) -> None:
        try:
            self.data.catch_up()
        except replica.NeedsReload:
            _safe_reply(conn, {"status": "loading"})
            raise
        try:
            media_type, body = results.run(
                self.data.store,
                request["query"],
                request.get("select_format", "json"),
                request.get("graph_format", "turtle"),
                int(request.get("max_rows", 10000)),
            )
            if len(body) > int(request.get("max_bytes", 1 << 26)):
                raise results.TooManyResults("the results are larger than the configured cap")
            reply(conn, {"status": "ok", "content_type": media_type}, body)
        except (SyntaxError, ValueError) as exc:
            reply(conn, {"status": "error", "message": str(exc)})
        except MemoryError:
            reply(conn, {"status": "error", "message": "the query needs more memory than allowed"})
        except OSError as exc:
            reply(conn, {"status": "error", "message": f"the query failed: {exc}"})

    def _retire(self, worker: Worker) -> int | None:
        """Stop a worker; return its exit code if it had exited by itself."""
        code = None
        with contextlib.suppress(ChildProcessError):
            done, status = os.waitpid(worker.pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
        _kill(worker.pid)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(worker.pid, 0)
        worker.control.close()
        self.workers.remove(worker)
        return code

    def keep_up(self) -> None:
        """On disk: have an idle worker catch up and save its floor now and then (the log is
        trimmed after a day), after a few quiet seconds."""
        now = time.monotonic()
        quiet = now - self.last_query > QUIET
        if not self.on_disk or self.queue or not quiet or now - self.kept_up < KEEP_UP:
            return
        for worker in self.workers:
            if not worker.deadline:
                with contextlib.suppress(OSError):
                    worker.control.send(b"keep-up")
                    worker.deadline = now + 10 * KEEP_UP
                    self.kept_up = now
                return

    # --- the loop -------------------------------------------------------------------

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
            _safe_reply(conn, {"status": "stopping"})
            raise SystemExit(0)
        if self.loading is not None or self.starting():
            _safe_reply(conn, {"status": "loading", "loaded": self.data.loaded})
        elif op == "ping":
            self.catch_up()
            if self.on_disk:  # counting two million triples on disk takes seconds: not here
                state: dict[str, Any] = {"store": "disk", "path": str(self.store_dir)}
            else:
                state = {"store": "memory", "triples": len(self.data.store)}
            _safe_reply(
                conn,
                {
                    "status": "ready",
                    **state,
                    "floor": self.data.cursor.floor,
                    "workers": [w.pid for w in self.workers],
                    "pid": os.getpid(),
                },
            )
        else:
            self.last_query = time.monotonic()
            self.queue.append(Job(conn, request, self.last_query))

    def dispatch(self) -> None:
        now = time.monotonic()
        for worker in self.workers:
            if not self.queue:
                break
            if worker.deadline:
                continue
            job = self.queue.pop(0)
            payload = json.dumps(job.request).encode()
            try:
                socket.send_fds(worker.control, [payload], [job.conn.fileno()])
                worker.deadline = time.monotonic() + float(job.request.get("timeout", 10))
            except OSError:
                self.queue.insert(0, job)
                continue
            job.conn.close()  # the worker holds it now: its exit or kill ends the exchange
        for job in [j for j in self.queue if now - j.arrived > self.queue_wait]:
            self.queue.remove(job)
            _safe_reply(job.conn, {"status": "loading" if self.starting() else "busy"})

    def starting(self) -> bool:
        """Whether no worker serves yet because they are all opening the store."""
        return bool(self.workers) and all(w.starting for w in self.workers)

    def tend(self, ready: list[socket.socket]) -> None:
        """Hear from workers, kill the overdue, replace the dead."""
        now = time.monotonic()
        for worker in list(self.workers):
            if worker.control in ready:
                try:
                    message = worker.control.recv(64)
                except OSError:
                    message = b""
                if message:
                    worker.deadline, worker.starting = 0.0, False
                else:
                    if self._retire(worker) == 3 and self.on_disk:
                        self.reload()  # the worker found the store unusable or "*" logged
                        return
                    continue
            if worker.deadline and worker.deadline <= now:
                # The client reads the closed connection as "stopped at the time limit".
                self._retire(worker)
        while self.loading is None and len(self.workers) < self.slots:
            self.fork_worker()

    def serve(self, server: socket.socket) -> None:
        self.server = server
        self.start()
        last_poll = time.monotonic()
        while os.getppid() == self.parent:
            deadlines = [w.deadline for w in self.workers if w.deadline]
            wait = POLL
            if self.loading is not None:
                wait = 0.1 if self.on_disk else 0.0  # a child builds the store on disk
            if deadlines:
                wait = min(wait, max(0.0, min(deadlines) - time.monotonic()))
            if self.queue:
                wait = min(wait, 0.02)
            ready, _, _ = select.select([server, *(w.control for w in self.workers)], [], [], wait)
            if server in ready:
                self.accept(server)
            if self.loading is not None:
                current = self.loading
                try:
                    next(current)
                except StopIteration:
                    if self.loading is current:
                        self.loading = None
                        self.catch_up()
                continue
            self.tend(ready)
            self.dispatch()
            self.keep_up()
            if time.monotonic() - last_poll > POLL:
                self.catch_up()
                last_poll = time.monotonic()

    def shutdown(self) -> None:
        for worker in list(self.workers):
            self._retire(worker)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _vm_size() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * resource.getpagesize()


def engine_for(url: str) -> Engine:
    """Open the node's database for reading: SQLite waits for locks rather than failing."""
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
    parser.add_argument("--store-dir", type=Path, help="keep the index on disk, here")
    parser.add_argument("--store-key", default="", help="names the database the store mirrors")
    args = parser.parse_args(argv)
    if (
        not __package__
        and sys.path
        and Path(sys.path[0]).resolve() == Path(__file__).parent.resolve()
    ):
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
        parent=args.parent,
        slots=max(1, args.slots),
        queue_wait=args.queue_wait,
        memory_limit=args.memory_mb * 1024 * 1024,
        store_dir=args.store_dir,
        store_key=args.store_key,
    )
    try:
        owner.serve(server)
    finally:
        owner.shutdown()
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

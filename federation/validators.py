"""Check inbound objects in a helper process while the worker stores the ones before.

Validating an object against the shapes is pure computation (no database, no network),
about a third of what the worker spends on a Create, and the worker is one process
(exactly one on SQLite). So on a machine with a spare core, the worker sends the raw
activities it has claimed to `Validators`, helper processes, and finds their verdicts ready
when it reaches each group (`federation.inbox`). A verdict is what
`vocab.validation.validate` returns for the object embedded in the activity; the worker
still decides whether it trusts that embedded copy, and validates in its own process
whatever has no verdict: when no helper runs, while one starts, or if one dies.

The standard library's process pool does the work; the helpers are started with `spawn`,
so they share nothing with the worker but the code, and import only the vocabulary.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from federation.documents import embedded_object

log = logging.getLogger("commons.inbox")

Verdicts = dict[int, list[str]]  # message id -> the shapes' reasons (empty: conforms)


def verdicts(raws: list[tuple[int, str]]) -> Verdicts:
    """In a helper: validate the object embedded in each raw activity."""
    from vocab.validation import validate

    found: Verdicts = {}
    for message_id, raw in raws:
        try:
            activity = json.loads(raw)
        except ValueError:
            continue
        doc = embedded_object(activity) if isinstance(activity, dict) else None
        if doc is not None:
            found[message_id] = validate(doc)
    return found


def _follow_parent(parent: int) -> None:
    """In a helper, at start: exit once the worker is gone, even if it was killed (the
    pool's own queue would otherwise keep the helper waiting for work forever)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the worker's to act on
    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


def _start() -> bool:
    """In a helper, once: compile the shapes before the first real call needs them."""
    from vocab.validation import compiled_shapes

    compiled_shapes()
    return True


class Validators:
    """A pool of helper processes that validate groups of raw activities ahead."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._open()

    def _open(self) -> None:
        self.pool = ProcessPoolExecutor(
            self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_follow_parent,
            initargs=(os.getpid(),),
        )
        self.started = self.pool.submit(_start)
        self.broken = False
        self.generation = getattr(self, "generation", 0) + 1

    def ahead(self, groups: list[list[tuple[int, str]]]) -> list[Future[Verdicts] | None]:
        """Send each group to the helpers; None for every group while they are starting."""
        if self.broken:
            self._reopen()
        if not self.started.done():
            return [None] * len(groups)
        try:
            futures = [self.pool.submit(verdicts, group) for group in groups]
        except BrokenProcessPool:
            self._reopen()
            return [None] * len(groups)
        for future in futures:
            future.generation = self.generation  # type: ignore[attr-defined]
        return futures

    def _reopen(self) -> None:
        log.warning("an inbox validator process died; starting another")
        self.pool.shutdown(wait=False, cancel_futures=True)
        self._open()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def result(future: Future[Verdicts] | None) -> Verdicts:
    """The verdicts of a group, waiting for them; none if there is no helper or it died."""
    if future is None:
        return {}
    try:
        return future.result()
    except BrokenProcessPool:
        current = _validators
        if current is not None and getattr(future, "generation", None) == current.generation:
            current.broken = True  # a new pool is started for the next groups
        return {}
    except Exception:  # the worker validates these messages itself instead
        log.exception("an inbox validator failed")
        return {}


_validators: Validators | None = None
_wanted = 0  # how many helpers this worker may start, once it has objects to check


def start(processes: int) -> None:
    """Let this worker process use `processes` helpers (none when 0). They are started
    when the first Creates or Updates come, not before: a node that receives only follows
    and likes never runs them, and a worker's start costs no more than it did."""
    global _wanted
    stop()
    _wanted = processes


def stop() -> None:
    global _validators, _wanted
    if _validators is not None:
        _validators.close()
        _validators = None
    _wanted = 0


def enabled() -> bool:
    """Whether this process may send activities to helpers."""
    return _wanted > 0


def ahead(groups: list[list[tuple[int, str]]]) -> list[Future[Verdicts] | None]:
    """Send groups of (message id, raw activity) to the helpers, if this process has any;
    the first groups with something to check start them (and are checked in the worker)."""
    global _validators
    if _validators is None:
        if _wanted and any(groups):
            _validators = Validators(_wanted)
        return [None] * len(groups)
    return _validators.ahead(groups)

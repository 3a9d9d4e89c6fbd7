"""Results computed from the index, kept per process while the index's generation stays.

A search's facet counts and total (the costly part: every matching item is counted) and
the atlas' counts depend only on the request and on the data; `server.search.generation`
says when the data changed. Kept in memory per process (an LRU of `SIZE` entries): no
server, nothing to clear by hand; a change anywhere moves the generation, and the next
request computes afresh. Counts are exact: never an estimate, never older than the
transaction's own view of the generation.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from server.search import generation
from server.search.listener import has_changes

SIZE = 256
T = TypeVar("T")
_entries: OrderedDict[Hashable, Any] = OrderedDict()
_lock = Lock()
enabled = True  # measurements switch it off to time the computation itself


def clear() -> None:
    """Forget everything kept (for measurements and tests)."""
    with _lock:
        _entries.clear()


def remembered(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """Return what `compute()` gives for `key` at the index's current generation, computed
    once per generation (and per database), unless this transaction changed what searches
    show. Read the generation first, so that what is kept is never older than the
    generation it is kept under."""
    if not enabled or has_changes(session):  # its own changes: not for others to see
        return compute()
    state = generation.current(session)
    if state is None:
        return compute()
    full = (str(session.get_bind().url), *state, key)
    with _lock:
        if full in _entries:
            _entries.move_to_end(full)
            return _entries[full]
    value = compute()
    with _lock:
        _entries[full] = value
        while len(_entries) > SIZE:
            _entries.popitem(last=False)
    return value

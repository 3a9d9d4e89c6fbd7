"""Activities received in the inbox, stored raw before a worker processes them."""

from __future__ import annotations

import contextlib
import json
import os
import weakref
from collections.abc import Callable
from datetime import datetime
from enum import nonmember
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, Index, String, Text, bindparam, event, insert
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import SerialisedJSON, State, UTCDateTime, utcnow


class InboxState(State):
    """Where a received activity is: waiting, claimed by a worker, or finished."""

    PENDING = "pending"
    PROCESSING = "processing"  # claimed by a worker (SQLite's single worker skips this)
    DONE = "done"
    REJECTED = "rejected"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS errors

    TRANSITIONS = nonmember(
        {
            PENDING: (PROCESSING, DONE, REJECTED, FAILED),
            # Released unfinished (a retry, a stale claim) or finished.
            PROCESSING: (PENDING, DONE, REJECTED, FAILED),
        }
    )


class InboxMessage(db.Model):
    """One verified activity as it arrived; processing is idempotent on `activity_iri`.

    A rejected message keeps its reasons for admins; nothing else of it is stored.
    """

    __table_args__ = (Index("ix_inbox_message_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_iri: Mapped[str] = mapped_column(String(500), unique=True)
    activity_type: Mapped[str] = mapped_column(String(64))
    actor_iri: Mapped[str] = mapped_column(String(500))
    origin: Mapped[str] = mapped_column(String(300))
    raw: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(
        String(16), default=InboxState.PENDING, info={"enum": InboxState}
    )
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The id of the request that delivered it (server.ops.logs): the worker's lines carry it.
    request_id: Mapped[str | None] = mapped_column(String(100))

    @classmethod
    def store(
        cls,
        activity: dict[str, Any],
        body: bytes,
        actor_iri: str,
        origin: str,
        request_id: str | None = None,
    ) -> bool:
        """Store a verified activity as pending; False if it was already stored.

        `raw` keeps the body as the peer sent it when it is UTF-8 JSON (it always is in
        practice), so nothing is serialised again. The inbox does this on every request,
        so it is one INSERT on a pooled driver connection, compiled once per dialect: the
        ORM's unit of work, or even a Core execution, cost more than the insert itself.
        """
        try:
            raw = body.decode()
        except UnicodeDecodeError:  # UTF-16 or UTF-32 JSON, which json.loads also reads
            raw = json.dumps(activity)
        values = {
            "activity_iri": activity["id"],
            "activity_type": activity["type"][:64],
            "actor_iri": actor_iri,
            "origin": origin,
            "raw": raw,
            "state": InboxState.PENDING.value,
            "attempts": 0,
            "received_at": utcnow(),
            "request_id": request_id,
        }
        engine = db.engine
        sql, order, processors = _driver_insert(engine.dialect)
        for name, process in processors.items():
            values[name] = process(values[name])
        params = values if order is None else tuple(values[name] for name in order)
        try:
            _insert(engine, sql, params)
        except engine.dialect.loaded_dbapi.IntegrityError:  # the unique activity_iri
            return False  # already received
        return True

    def move_to(self, state: InboxState) -> None:
        """Move the message to `state`; raise IllegalTransition if TRANSITIONS forbids it."""
        self.state = InboxState.move(self.state, state)


def _insert(engine: Engine, sql: str, params: Any) -> None:
    """Run the INSERT on this process's writer; on PostgreSQL once more on a new connection
    if the server went away. A busy SQLite database is the caller's 503."""
    dbapi = engine.dialect.loaded_dbapi
    lost = (dbapi.OperationalError, dbapi.InterfaceError)
    try:
        _writer(engine).cursor().execute(sql, params)
        return
    except lost as exc:
        _close_writer(engine)
        if engine.dialect.name == "sqlite":
            raise OperationalError(sql, params, exc) from exc
    try:
        _writer(engine).cursor().execute(sql, params)
    except lost as exc:
        _close_writer(engine)
        raise OperationalError(sql, params, exc) from exc


# The inbox's own connection, one per process and database, in autocommit mode: each
# INSERT is its own transaction, one round trip on PostgreSQL, with no pool checkout (whose
# pre-ping would be a second round trip). It is reopened after any connection error.
_WRITERS: weakref.WeakKeyDictionary[Engine, tuple[int, Any]] = weakref.WeakKeyDictionary()


def _writer(engine: Engine) -> Any:
    held = _WRITERS.get(engine)
    if held is not None and held[0] == os.getpid():
        return held[1]
    connection = engine.raw_connection()
    connection.detach()  # ours until closed, outside the pool
    dbapi_connection = connection.dbapi_connection
    if engine.dialect.name == "sqlite":
        dbapi_connection.isolation_level = None
    else:
        dbapi_connection.autocommit = True
    _WRITERS[engine] = (os.getpid(), connection)
    if not event.contains(engine, "engine_disposed", _close_writer):
        event.listen(engine, "engine_disposed", _close_writer)
    return connection


def _close_writer(engine: Engine) -> None:
    held = _WRITERS.pop(engine, None)
    if held is not None and held[0] == os.getpid():
        with contextlib.suppress(Exception):  # it is being thrown away
            held[1].close()


_STORED = (
    "activity_iri",
    "activity_type",
    "actor_iri",
    "origin",
    "raw",
    "state",
    "attempts",
    "received_at",
    "request_id",
)


@lru_cache(maxsize=4)
def _driver_insert(
    dialect: Dialect,
) -> tuple[str, tuple[str, ...] | None, dict[str, Callable[[Any], Any]]]:
    """Return the inbox INSERT for this dialect: SQL, positional order, value converters."""
    table = InboxMessage.__table__
    types = {name: table.c[name].type for name in _STORED} | {"raw": SerialisedJSON()}
    statement = insert(table).values({name: bindparam(name, type_=types[name]) for name in _STORED})
    compiled = statement.compile(dialect=dialect)
    processors = {
        name: process
        for name in _STORED
        if (process := types[name].bind_processor(dialect)) is not None
    }
    order = tuple(compiled.positiontup) if compiled.positiontup else None
    return str(compiled), order, processors


class RemoteTombstone(db.Model):
    """A remote object deleted by its owner, remembered so a late Create does not revive it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    object_iri: Mapped[str] = mapped_column(String(500), unique=True)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

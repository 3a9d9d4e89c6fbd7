"""Rate-limit counters in the node's database, shared by every web process.

`SqlStorage` is a storage for the `limits` package (which counts and parses the limits; its
own storages are memory, Redis, Memcached and MongoDB, none of them SQL). It keeps one row
per counter key and counts a hit with one upsert: the window starts at the key's first hit
and lasts the limit's period, as in `limits`' fixed-window strategy. Time is the model clock
(`server.models.clock`), so tests move it rather than sleep. Rows of windows long over are
swept now and then by the hits themselves.
"""

from __future__ import annotations

from typing import Any

from limits.storage import Storage
from sqlalchemy import (
    DDL,
    Float,
    Integer,
    String,
    bindparam,
    case,
    create_engine,
    delete,
    event,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models import clock
from server.models.base import use_sqlite_pragmas

SWEEP_EVERY = 1000  # hits of one process between two deletions of expired rows


class RateCounter(db.Model):
    """How many requests one client made in the current window of one limit."""

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    # Seconds since the epoch (by the model clock) when the window ends: a float compares
    # and computes alike on SQLite and PostgreSQL, with no date functions in the upsert.
    resets_at: Mapped[float] = mapped_column(Float, index=True)


# PostgreSQL: no write-ahead log for counters, so a hit's commit does not wait for the disk
# (about 8 ms a hit on a busy disk, 0.3 ms without); a crash empties the table, which only
# forgives the current windows.
event.listen(
    RateCounter.__table__,
    "after_create",
    DDL("ALTER TABLE rate_counter SET UNLOGGED").execute_if(dialect="postgresql"),
)


def _upsert(dialect: str) -> Any:
    """INSERT the key, or add to its count (starting a new window when the last is over)."""
    table = RateCounter.__table__
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(
        key=bindparam("key"), count=bindparam("amount"), resets_at=bindparam("resets_at")
    )
    over = table.c.resets_at <= bindparam("now", type_=Float)
    added = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": case((over, added.count), else_=table.c.count + added.count),
            "resets_at": case((over, added.resets_at), else_=table.c.resets_at),
        },
    ).returning(table.c.count)


class SqlStorage(Storage):
    """A `limits` storage on the node's database (SQLite or PostgreSQL)."""

    STORAGE_SCHEME = None  # built from an engine, never from a storage URI

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        # Each hit commits alone, on a connection of its own, whatever the request's session
        # is doing. On PostgreSQL, a small pool of autocommit connections without pre-ping:
        # one round trip a hit (the app's pool, switched to autocommit and pinged on each
        # checkout, took nine); a broken connection fails that hit, which lets it through.
        if engine.dialect.name == "postgresql":
            self.engine = create_engine(
                engine.url,
                isolation_level="AUTOCOMMIT",
                pool_size=2,
                max_overflow=4,
                pool_recycle=3600,
            )
        else:
            # SQLite: the same file, but a hit waits at most half a second for another
            # process's write (the worker's inbox transaction) before failing, which lets
            # the request through rather than holding it up to the app's 30 s.
            self.engine = create_engine(
                engine.url, isolation_level="AUTOCOMMIT", connect_args={"timeout": 0.5}
            )
            use_sqlite_pragmas(self.engine)  # WAL, and no fsync at each commit
        self.upsert = _upsert(engine.dialect.name)
        self.hits = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    @staticmethod
    def now() -> float:
        return clock.now().timestamp()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self.now()
        with self.engine.connect() as connection:
            count = connection.execute(
                self.upsert, {"key": key, "amount": amount, "resets_at": now + expiry, "now": now}
            ).scalar_one()
            self.hits += 1
            if self.hits % SWEEP_EVERY == 0:
                connection.execute(delete(RateCounter).where(RateCounter.resets_at <= now))
        return int(count)

    def _row(self, key: str) -> tuple[int, float] | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(RateCounter.count, RateCounter.resets_at).where(RateCounter.key == key)
            ).first()
        return None if row is None else (row.count, row.resets_at)

    def get(self, key: str) -> int:
        row = self._row(key)
        return row[0] if row and row[1] > self.now() else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row[1] if row and row[1] > self.now() else self.now()

    def check(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.connect() as connection:
            return connection.execute(delete(RateCounter)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.connect() as connection:
            connection.execute(delete(RateCounter).where(RateCounter.key == key))

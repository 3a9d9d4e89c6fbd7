"""Background workers' signs of life, one row per worker process (host and pid)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, case, delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import UTCDateTime, utcnow


class WorkerHeartbeat(db.Model):
    """A worker's last beat, written by its loop every few seconds; read by /healthz.

    In the database rather than a file so that workers on several hosts, and web processes
    on others, all see them. A worker that stops cleanly removes its row; a dead one's row
    ages until `prune` removes it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)  # host:pid
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    @classmethod
    def beat(cls, name: str, host: str, pid: int, started_at: datetime) -> None:
        """Record a beat now: one upsert (the caller commits)."""
        insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        now = utcnow()
        statement = insert(cls).values(
            name=name, host=host, pid=pid, started_at=started_at, beat_at=now
        )
        db.session.execute(
            statement.on_conflict_do_update(index_elements=["name"], set_={"beat_at": now})
        )

    @classmethod
    def forget(cls, name: str) -> None:
        db.session.execute(delete(cls).where(cls.name == name))

    @classmethod
    def prune(cls, before: datetime) -> int:
        """Remove the rows of workers silent since `before`."""
        return db.session.execute(delete(cls).where(cls.beat_at < before)).rowcount or 0

    @classmethod
    def latest(cls, alive_since: datetime) -> tuple[datetime | None, int]:
        """Return the most recent beat of any worker, and how many beat since `alive_since`."""
        alive = func.count(case((cls.beat_at >= alive_since, 1)))
        newest, count = db.session.execute(select(func.max(cls.beat_at), alive)).one()
        return newest, int(count or 0)

"""Import runs and the records they brought in: provenance and idempotence of imports.

An `ImportRun` is one `commons import` (or one run from the admin page): its source, its
options, its progress and the records it refused. An `ImportedRecord` ties one record of a
source (its key: a feed's guid, an OAI identifier, an RDF subject, a CSV id) to the item it
became, with a digest of what the source said, so that the next run updates what changed,
skips the unchanged and never makes a second item.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import nonmember

from sqlalchemy import JSON, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import State, UTCDateTime, utcnow

MAX_REFUSALS = 1000  # refusals kept per run; the counts hold every one


class ImportStatus(State):
    """Where a run stands: queued for the worker, running, done, or failed as a whole."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    TRANSITIONS = nonmember(
        {PENDING: (RUNNING, FAILED), RUNNING: (DONE, FAILED, PENDING), FAILED: (PENDING,)}
    )


class ImportRun(db.Model):
    """One import of a source, with its counts and refusals (progress rows for the page)."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(1000))  # a path, a URL, or an upload's name
    format: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    options: Mapped[dict] = mapped_column(JSON, default=dict)  # set, publish, mapping choices
    status: Mapped[str] = mapped_column(
        String(16), default=ImportStatus.PENDING, info={"enum": ImportStatus}
    )
    dry_run: Mapped[bool] = mapped_column(default=False)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    refused: Mapped[int] = mapped_column(default=0)
    refusals: Mapped[list[dict]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def move_to(self, status: ImportStatus) -> None:
        self.status = ImportStatus.move(self.status, status)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


def record_key(identifier: str) -> str:
    """Return the stored key of a source record's identifier (any length, fixed width)."""
    return hashlib.sha256(identifier.encode()).hexdigest()


class ImportedRecord(db.Model):
    """One source record and the item it became (one row per item, never two per key)."""

    __tablename__ = "imported_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    identifier: Mapped[str] = mapped_column(Text)  # guid, OAI identifier, IRI, CSV id...
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), unique=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_run.id", ondelete="SET NULL"), index=True
    )
    digest: Mapped[str] = mapped_column(String(64))  # what the source said, last time
    licence_to_confirm: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @classmethod
    def by_identifier(cls, identifier: str) -> ImportedRecord | None:
        return db.session.scalar(select(cls).where(cls.key == record_key(identifier)))

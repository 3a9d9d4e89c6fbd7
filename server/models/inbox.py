"""Activities received in the inbox, stored raw before a worker processes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import UTCDateTime, utcnow

INBOX_STATES = ("pending", "done", "rejected", "failed")


class InboxMessage(db.Model):
    """One verified activity as it arrived; processing is idempotent on `activity_iri`.

    A rejected message keeps its reasons for admins; nothing else of it is stored.
    """

    __table_args__ = (Index("ix_inbox_message_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_iri: Mapped[str] = mapped_column(String(500), unique=True)
    activity_type: Mapped[str] = mapped_column(String(64))
    actor_iri: Mapped[str] = mapped_column(String(500), index=True)
    origin: Mapped[str] = mapped_column(String(300), index=True)
    raw: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @classmethod
    def seen(cls, activity_iri: str) -> bool:
        return db.session.scalar(select(cls.id).where(cls.activity_iri == activity_iri)) is not None


class RemoteTombstone(db.Model):
    """A remote object deleted by its owner, remembered so a late Create does not revive it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    object_iri: Mapped[str] = mapped_column(String(500), unique=True)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Activities this node published: its outbox, paged for followers and harvesters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import UTCDateTime, utcnow


class OutboxActivity(db.Model):
    """A Create, Update, Delete, Announce, Follow... sent by this node, kept as sent."""

    id: Mapped[int] = mapped_column(primary_key=True)
    iri: Mapped[str] = mapped_column(String(500), unique=True)
    activity_type: Mapped[str] = mapped_column(String(32), index=True)
    object_iri: Mapped[str | None] = mapped_column(String(500), index=True)
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("item.id", ondelete="SET NULL"), index=True
    )
    raw: Mapped[dict] = mapped_column(JSON)
    public: Mapped[bool] = mapped_column(default=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The id of the request that published it (server.ops.logs): delivery lines carry it.
    request_id: Mapped[str | None] = mapped_column(String(100))

    @classmethod
    def public_page(cls, before_id: int | None, size: int):
        """Select one page of public activities, newest first."""
        query = select(cls).where(cls.public.is_(True)).order_by(cls.id.desc()).limit(size)
        if before_id is not None:
            query = query.where(cls.id < before_id)
        return query

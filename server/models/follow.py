"""Follow relations between actors, in both directions, with their backfill progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.actor import Actor
from server.models.base import UTCDateTime, utcnow

FOLLOW_STATES = ("pending", "accepted", "rejected")


class Follow(db.Model):
    """`follower` follows `followed`; one of them is this node's actor.

    `activity_iri` is the id of the Follow activity, so Accept, Reject and Undo can name it.
    """

    __table_args__ = (UniqueConstraint("follower_id", "followed_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("actor.id", ondelete="CASCADE"), index=True)
    followed_id: Mapped[int] = mapped_column(ForeignKey("actor.id", ondelete="CASCADE"), index=True)
    activity_iri: Mapped[str] = mapped_column(String(500), index=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Backfill of the followed actor's outbox (only when we are the follower).
    backfill_state: Mapped[str | None] = mapped_column(String(16))  # pending, running, done, failed
    backfill_next: Mapped[str | None] = mapped_column(String(1000))
    backfill_count: Mapped[int] = mapped_column(default=0)
    backfill_error: Mapped[str | None] = mapped_column(String(500))

    follower: Mapped[Actor] = relationship(foreign_keys=[follower_id])
    followed: Mapped[Actor] = relationship(foreign_keys=[followed_id])

    @classmethod
    def between(cls, follower: Actor, followed: Actor) -> Follow | None:
        return db.session.scalar(
            select(cls).where(cls.follower_id == follower.id, cls.followed_id == followed.id)
        )

    @classmethod
    def by_activity(cls, activity_iri: str) -> Follow | None:
        return db.session.scalar(select(cls).where(cls.activity_iri == activity_iri))

    @classmethod
    def accepted_followers(cls, actor: Actor):
        """Select the actors that follow `actor` and were accepted."""
        return (
            select(Actor)
            .join(cls, cls.follower_id == Actor.id)
            .where(cls.followed_id == actor.id, cls.state == "accepted")
        )

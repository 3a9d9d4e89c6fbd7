"""Follow relations between actors, in both directions, with their backfill progress."""

from __future__ import annotations

from datetime import datetime
from enum import nonmember

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.actor import Actor
from server.models.base import State, UTCDateTime, utcnow


class FollowState(State):
    """Whether a follow was answered."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # also a follow ended by a block or the actor's deletion

    TRANSITIONS = nonmember(
        {
            PENDING: (ACCEPTED, REJECTED),
            ACCEPTED: (REJECTED,),
            REJECTED: (ACCEPTED,),  # an admin or the followed node changes its mind
        }
    )


class BackfillState(State):
    """How far the import of a followed node's outbox went (empty until it is accepted)."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    TRANSITIONS = nonmember(
        {
            None: (PENDING,),
            PENDING: (RUNNING, DONE, FAILED),
            RUNNING: (DONE, FAILED),
            FAILED: (PENDING,),  # a new Accept starts it again
        }
    )


class Follow(db.Model):
    """`follower` follows `followed`; one of them is this node's actor.

    `activity_iri` is the id of the Follow activity, so Accept, Reject and Undo can name it.
    """

    __table_args__ = (UniqueConstraint("follower_id", "followed_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("actor.id", ondelete="CASCADE"), index=True)
    followed_id: Mapped[int] = mapped_column(ForeignKey("actor.id", ondelete="CASCADE"), index=True)
    activity_iri: Mapped[str] = mapped_column(String(500), index=True)
    state: Mapped[str] = mapped_column(
        String(16), default=FollowState.PENDING, info={"enum": FollowState}
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Backfill of the followed actor's outbox (only when we are the follower).
    backfill_state: Mapped[str | None] = mapped_column(String(16), info={"enum": BackfillState})
    backfill_next: Mapped[str | None] = mapped_column(String(1000))
    backfill_count: Mapped[int] = mapped_column(default=0)
    backfill_error: Mapped[str | None] = mapped_column(String(500))

    follower: Mapped[Actor] = relationship(foreign_keys=[follower_id])
    followed: Mapped[Actor] = relationship(foreign_keys=[followed_id])

    def move_to(self, state: FollowState) -> None:
        """Move the follow to `state`; raise IllegalTransition if TRANSITIONS forbids it."""
        self.state = FollowState.move(self.state, state)

    def move_backfill_to(self, state: BackfillState) -> None:
        """Move the backfill to `state`; raise IllegalTransition if TRANSITIONS forbids it."""
        self.backfill_state = BackfillState.move(self.backfill_state, state)

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
            .where(cls.followed_id == actor.id, cls.state == FollowState.ACCEPTED)
        )

"""Deliveries as durable rows, and the health of each peer origin."""

from __future__ import annotations

from datetime import datetime
from enum import nonmember

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import ProcessCache, State, UTCDateTime, utcnow
from server.models.outbox import OutboxActivity


class DeliveryState(State):
    """Whether an activity still has to reach an inbox."""

    PENDING = "pending"  # due at next_attempt_at, or claimed by a worker (claimed_at)
    DONE = "done"
    GIVEN_UP = "given_up"  # too many failures, or the origin is unavailable

    TRANSITIONS = nonmember(
        {
            PENDING: (DONE, GIVEN_UP),
            GIVEN_UP: (PENDING,),  # an admin retries the origin
        }
    )


class Delivery(db.Model):
    """Send one activity to one inbox; retried with backoff until done or given up.

    One row per (activity, inbox): followers sharing an inbox get a single delivery.
    """

    __table_args__ = (
        UniqueConstraint("activity_id", "inbox_url"),
        Index("ix_delivery_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_activity.id", ondelete="CASCADE"), index=True
    )
    inbox_url: Mapped[str] = mapped_column(String(500))
    origin: Mapped[str] = mapped_column(String(300), index=True)
    state: Mapped[str] = mapped_column(
        String(16), default=DeliveryState.PENDING, info={"enum": DeliveryState}
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    activity: Mapped[OutboxActivity] = relationship()

    def move_to(self, state: DeliveryState) -> None:
        """Move the delivery to `state`; raise IllegalTransition if TRANSITIONS forbids it."""
        self.state = DeliveryState.move(self.state, state)


class PeerHealth(db.Model):
    """How an origin has answered lately: the circuit breaker and "unavailable" mark."""

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[str] = mapped_column(String(300), unique=True)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    failure_days: Mapped[list[str]] = mapped_column(JSON, default=list)
    circuit_open_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unavailable: Mapped[bool] = mapped_column(default=False)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # this run's first

    @classmethod
    def troubled(cls) -> frozenset[str]:
        """Return the origins marked unavailable or with their circuit open.

        The inbox asks on every request whether the sender is one of them (then it is up
        again); kept by each process for TROUBLED_TTL seconds.
        """

        def load() -> frozenset[str]:
            query = select(cls.origin).where(
                or_(cls.unavailable.is_(True), cls.circuit_open_until.is_not(None))
            )
            return frozenset(db.session.scalars(query))

        return _TROUBLED.get("troubled", load)


TROUBLED_TTL = 2.0
_TROUBLED = ProcessCache(TROUBLED_TTL, PeerHealth)

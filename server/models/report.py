"""Reports (ActivityPub `Flag`) other nodes sent about items held here: the moderation queue."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum, nonmember

from sqlalchemy import ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import State, UTCDateTime, utcnow
from server.models.item import Item

MAX_REASON = 5000
# Control characters other than tab and newline: PostgreSQL refuses NUL in text, and none
# has a place in a reason someone reads.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_reason(text: str) -> str:
    """A report's reason as kept: control characters out, blanks trimmed, at most MAX_REASON."""
    return _CONTROL.sub("", text).strip()[:MAX_REASON]


class ReportState(State):
    """A report waits in the queue until an admin resolves it."""

    OPEN = "open"
    RESOLVED = "resolved"

    TRANSITIONS = nonmember({None: (OPEN,), OPEN: (RESOLVED,)})


class Resolution(StrEnum):
    """What the admin did about a report."""

    HIDE = "hide"  # another node's item: hidden on this node
    WITHDRAW = "withdraw"  # this node's item: withdrawn (a Delete goes to followers)
    BLOCK = "block"  # a domain blocked (the item's origin, or the reporter's for our items)
    DISMISS = "dismiss"  # nothing to do


class Report(db.Model):
    """One item a `Flag` named: one row per item held here that the Flag listed.

    `reporter_iri` is the actor who sent the Flag (for Mastodon, its instance actor);
    `item_iri` is kept if the item later goes.
    """

    __table_args__ = (
        Index("ix_report_activity_item", "activity_iri", "item_iri", unique=True),
        Index("ix_report_state_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_iri: Mapped[str] = mapped_column(String(500))
    reporter_iri: Mapped[str] = mapped_column(String(500))
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("item.id", ondelete="SET NULL"), index=True
    )
    item_iri: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(
        String(16), default=ReportState.OPEN, info={"enum": ReportState}
    )
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_by: Mapped[str | None] = mapped_column(String(300))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[Item | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.state == ReportState.OPEN

    def resolve(self, resolution: Resolution, who: str) -> None:
        """Close the report with what was done; IllegalTransition if it is closed already."""
        self.state = ReportState.move(self.state, ReportState.RESOLVED)
        self.resolution = Resolution(resolution)
        self.resolved_by = who[:300]
        self.resolved_at = utcnow()

    @classmethod
    def queue(cls, state: ReportState | None = ReportState.OPEN):
        """Select reports, newest first, in one state (all when None)."""
        query = select(cls).order_by(cls.id.desc())
        if state is not None:
            query = query.where(cls.state == state)
        return query

    @classmethod
    def known(cls, activity_iri: str) -> set[str]:
        """The item IRIs already queued for this Flag (a message processed again)."""
        return set(db.session.scalars(select(cls.item_iri).where(cls.activity_iri == activity_iri)))

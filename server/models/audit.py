"""The audit log: what admins and moderators did, who did it and when.

Rows are only ever added (`AuditEntry.add`); `server.services.audit.record` is the call
the rest of the code uses, which also works out who acted.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import UTCDateTime, utcnow

# Who acted when no signed-in member did: a `commons` command, or the node itself (the
# worker accepting a follow in automatic mode, for instance).
CLI = "cli"
SYSTEM = "system"
# What an action's name may hold: dotted lowercase words ("domain.block").
ACTION_NAME = re.compile(r"^[a-z0-9_.-]{1,64}$")


class AuditEntry(db.Model):
    """One admin or moderation action: `action` is a dotted name ("domain.block"),
    `target` what it was done to (a host, an IRI, an email), `detail` the rest as JSON."""

    __table_args__ = (Index("ix_audit_entry_action_id", "action", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    who: Mapped[str] = mapped_column(String(300), default=SYSTEM)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(500), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @classmethod
    def add(
        cls, action: str, who: str, target: str = "", detail: dict[str, Any] | None = None
    ) -> AuditEntry:
        """Add an entry to the session (committed with the action it records)."""
        entry = cls(
            at=utcnow(),
            who=who[:300],
            action=action[:64],
            target=(target or "")[:500],
            detail=dict(detail or {}),
        )
        db.session.add(entry)
        return entry

    @classmethod
    def newest(cls, action: str | None = None):
        """Select entries newest first, of one action when given."""
        query = select(cls).order_by(cls.id.desc())
        if action:
            query = query.where(cls.action == action)
        return query

    @classmethod
    def actions(cls) -> list[str]:
        """The actions recorded so far, for the page's filter."""
        return list(
            db.session.scalars(select(cls.action).group_by(cls.action).order_by(cls.action))
        )

    @classmethod
    def count(cls, action: str | None = None) -> int:
        query = select(func.count(cls.id))
        if action:
            query = query.where(cls.action == action)
        return db.session.scalar(query) or 0

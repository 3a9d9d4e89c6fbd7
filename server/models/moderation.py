"""Moderation: blocked domains and, in allowlist mode, the domains allowed to federate."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.base import ProcessCache, UTCDateTime, utcnow


class RuleKind(StrEnum):
    """What a domain rule does: block a host, or (in allowlist mode) allow it."""

    BLOCK = "block"
    ALLOW = "allow"


class DomainRule(db.Model):
    """A host (with its port when it has one) that is blocked or allowed.

    Rules name a host such as `peer.example` or `127.0.0.1:5002`: an origin's host part.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(8), info={"enum": RuleKind})
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @classmethod
    def hosts(cls, kind: RuleKind) -> set[str]:
        return set(db.session.scalars(select(cls.host).where(cls.kind == kind)))

    @classmethod
    def current(cls) -> tuple[frozenset[str], frozenset[str]]:
        """Return (blocked hosts, allowed hosts), as the inbox checks them on every request.

        Kept by each process for a second or two: a rule changed elsewhere (the CLI,
        another web process) applies everywhere within RULES_TTL seconds.
        """

        def load() -> tuple[frozenset[str], frozenset[str]]:
            rows = db.session.execute(select(cls.host, cls.kind)).all()
            return (
                frozenset(host for host, kind in rows if kind == RuleKind.BLOCK),
                frozenset(host for host, kind in rows if kind == RuleKind.ALLOW),
            )

        return _RULES.get("rules", load)


RULES_TTL = 2.0
_RULES = ProcessCache(RULES_TTL, DomainRule)

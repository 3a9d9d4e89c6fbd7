"""Territories: communes, inter-communal bodies, departments, regions, countries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import LangMapType, UTCDateTime, pick, utcnow
from vocab.objects import Ref
from vocab.objects import Territory as TerritoryObject


class Territory(db.Model):
    """A place experiences and resources are rooted in."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    iri: Mapped[str] = mapped_column(String(500), unique=True)
    name: Mapped[dict[str, str]] = mapped_column(LangMapType, default=dict)
    kind: Mapped[str] = mapped_column(String(32), default="commune")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    code: Mapped[str | None] = mapped_column(String(32))
    same_as: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Set for a concept or place known from another node; None for this node's own.
    origin: Mapped[str | None] = mapped_column(String(300), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("territory.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[Territory | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Territory]] = relationship(back_populates="parent")

    def label(self, languages: list[str] | tuple[str, ...] = ("fr", "en")) -> str:
        return pick(self.name, languages)

    @classmethod
    def by_slug(cls, slug: str) -> Territory | None:
        return db.session.scalar(select(cls).where(cls.slug == slug))

    @classmethod
    def descendant_ids(cls, ids: Iterable[int]) -> set[int]:
        """Return these places' ids and those of all the places inside them, transitively.

        One recursive query; UNION (not UNION ALL) stops at a cycle of parents.
        """
        ids = {int(i) for i in ids}
        if not ids:
            return set()
        tree = select(cls.id.label("id")).where(cls.id.in_(ids)).cte("tree", recursive=True)
        tree = tree.union(select(cls.id).where(cls.parent_id == tree.c.id))
        return set(db.session.scalars(select(tree.c.id)))

    def to_object(self) -> TerritoryObject:
        """Describe this territory as the vocabulary's Territory."""
        return TerritoryObject(
            id=self.iri,
            name=dict(self.name),
            kind=self.kind,
            latitude=self.latitude,
            longitude=self.longitude,
            code=self.code,
            same_as=list(self.same_as or []),
            part_of=Ref(self.parent.iri, dict(self.parent.name)) if self.parent else None,
        )

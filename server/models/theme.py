"""The node's theme thesaurus: SKOS concepts linked to each other."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.base import LangMapType, UTCDateTime, pick, utcnow
from vocab.objects import Theme as ThemeObject


class ThemeRelation(StrEnum):
    """How a concept points at another (skos:broader, skos:related)."""

    BROADER = "broader"
    RELATED = "related"  # symmetric: stored once, read both ways


class Theme(db.Model):
    """A concept of the thesaurus, labelled in several languages."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    iri: Mapped[str] = mapped_column(String(500), unique=True)
    pref_label: Mapped[dict[str, str]] = mapped_column(LangMapType, default=dict)
    definition: Mapped[dict[str, str]] = mapped_column(LangMapType, default=dict)
    # skos:altLabel: other names per language ({"fr": ["climat"]}), read by imports' matching
    alt_labels: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    exact_match: Mapped[list[str]] = mapped_column(JSON, default=list)
    close_match: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Set for a concept or place known from another node; None for this node's own.
    origin: Mapped[str | None] = mapped_column(String(300), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    links: Mapped[list[ThemeLink]] = relationship(
        foreign_keys="ThemeLink.theme_id", cascade="all, delete-orphan", back_populates="theme"
    )

    def label(self, languages: list[str] | tuple[str, ...] = ("fr", "en")) -> str:
        return pick(self.pref_label, languages)

    @classmethod
    def by_slug(cls, slug: str) -> Theme | None:
        return db.session.scalar(select(cls).where(cls.slug == slug))

    @classmethod
    def descendant_ids(cls, ids: Iterable[int]) -> set[int]:
        """Return these concepts' ids and those of all their narrower ones, transitively.

        One recursive query; UNION (not UNION ALL) stops at a cycle of broader links.
        """
        ids = {int(i) for i in ids}
        if not ids:
            return set()
        tree = select(cls.id.label("id")).where(cls.id.in_(ids)).cte("tree", recursive=True)
        tree = tree.union(
            select(ThemeLink.theme_id).where(
                ThemeLink.target_id == tree.c.id, ThemeLink.relation == ThemeRelation.BROADER
            )
        )
        return set(db.session.scalars(select(tree.c.id)))

    def targets(self, relation: ThemeRelation) -> list[Theme]:
        """Return the concepts this one points at with `relation` (broader or related)."""
        return [link.target for link in self.links if link.relation == relation]

    def narrower(self) -> list[Theme]:
        """Return the concepts that name this one as broader."""
        query = (
            select(Theme)
            .join(ThemeLink, ThemeLink.theme_id == Theme.id)
            .where(ThemeLink.target_id == self.id, ThemeLink.relation == ThemeRelation.BROADER)
        )
        return list(db.session.scalars(query))

    def related(self) -> list[Theme]:
        """Return related concepts in both directions (skos:related is symmetric)."""
        incoming = (
            select(Theme)
            .join(ThemeLink, ThemeLink.theme_id == Theme.id)
            .where(ThemeLink.target_id == self.id, ThemeLink.relation == ThemeRelation.RELATED)
        )
        found = {t.id: t for t in self.targets(ThemeRelation.RELATED)}
        found.update({t.id: t for t in db.session.scalars(incoming)})
        return sorted(found.values(), key=lambda t: t.slug)

    def to_object(self, scheme: str) -> ThemeObject:
        """Describe this concept as the vocabulary's Theme."""
        return ThemeObject(
            id=self.iri,
            scheme=scheme,
            pref_label=dict(self.pref_label),
            definition=dict(self.definition),
            broader=[t.iri for t in self.targets(ThemeRelation.BROADER)],
            narrower=[t.iri for t in self.narrower()],
            related=[t.iri for t in self.related()],
            exact_match=list(self.exact_match or []),
            close_match=list(self.close_match or []),
        )


class ThemeLink(db.Model):
    """A `broader` or `related` link between two concepts of the thesaurus."""

    __table_args__ = (UniqueConstraint("theme_id", "target_id", "relation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(16), info={"enum": ThemeRelation})

    theme: Mapped[Theme] = relationship(foreign_keys=[theme_id], back_populates="links")
    target: Mapped[Theme] = relationship(foreign_keys=[target_id])

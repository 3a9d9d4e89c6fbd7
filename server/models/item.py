"""Experiences, guiding principles and resources: the items a node publishes."""

from __future__ import annotations

from datetime import date, datetime
from enum import nonmember

from sqlalchemy import JSON, Column, Date, ForeignKey, Index, String, Table, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.actor import Actor
from server.models.base import LangMapType, State, UTCDateTime, pick, utcnow
from server.models.place import Territory
from server.models.theme import Theme
from vocab import objects

WRITTEN_DIRECTLY = "items_written_directly"  # Session.info key: see Item.written_directly


class ItemStatus(State):
    """Whether an item is public: drafts and withdrawn items are seen by editors only."""

    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"  # its IRI answers as a Tombstone

    TRANSITIONS = nonmember(
        {DRAFT: (PUBLISHED, WITHDRAWN), PUBLISHED: (WITHDRAWN,), WITHDRAWN: (PUBLISHED,)}
    )


item_theme = Table(
    "item_theme",
    db.metadata,
    Column("item_id", ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True),
)

item_territory = Table(
    "item_territory",
    db.metadata,
    Column("item_id", ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "territory_id", ForeignKey("territory.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)

# A guiding principle was drawn from these experiences (prov:wasDerivedFrom).
principle_source = Table(
    "principle_source",
    db.metadata,
    Column("principle_id", ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "experience_id", ForeignKey("item.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class Item(db.Model):
    """One published (or draft, or withdrawn) experience, guiding principle or resource.

    One table for the three kinds: they share most fields and every list shows them together.
    `body` is Markdown per language (narrative, explanation or description); `body_html`
    its sanitised rendering, kept so pages and feeds never render Markdown on the fly.
    """

    __table_args__ = (
        Index("ix_item_kind_slug", "kind", "slug", unique=True),
        Index("ix_item_status_published", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    slug: Mapped[str] = mapped_column(String(200))
    iri: Mapped[str] = mapped_column(String(500), unique=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actor.id"), index=True)
    status: Mapped[str] = mapped_column(
        String(16), default=ItemStatus.DRAFT, info={"enum": ItemStatus}
    )
    language: Mapped[str] = mapped_column(String(16), default="fr")
    license: Mapped[str] = mapped_column(String(300))
    title: Mapped[dict[str, str]] = mapped_column(LangMapType, default=dict)
    summary: Mapped[dict[str, str]] = mapped_column(LangMapType, default=dict)
    body: Mapped[dict[str, str]] = mapped_column(LangMapType, default=dict)
    body_html: Mapped[dict[str, str]] = mapped_column(LangMapType, default=dict)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    indexable: Mapped[bool] = mapped_column(default=True)
    hidden: Mapped[bool] = mapped_column(default=False)
    # Experience
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    organisations: Mapped[list[str]] = mapped_column(JSON, default=list)
    circumstances: Mapped[dict[str, str]] = mapped_column(LangMapType, default=dict)
    lessons: Mapped[dict[str, str]] = mapped_column(LangMapType, default=dict)
    limits: Mapped[dict[str, str]] = mapped_column(LangMapType, default=dict)
    # Resource
    resource_type: Mapped[str | None] = mapped_column(String(32))
    resource_url: Mapped[str | None] = mapped_column(String(1000))
    # A copy of another node's item: where its page is, when we took it, what it said.
    remote_url: Mapped[str | None] = mapped_column(String(1000))
    remote_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bookkeeping
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    actor: Mapped[Actor] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=item_theme, order_by=Theme.slug)
    territories: Mapped[list[Territory]] = relationship(
        secondary=item_territory, order_by=Territory.slug
    )
    derived_from: Mapped[list[Item]] = relationship(
        secondary=principle_source,
        primaryjoin=lambda: Item.id == principle_source.c.principle_id,
        secondaryjoin=lambda: Item.id == principle_source.c.experience_id,
        back_populates="principles",
    )
    principles: Mapped[list[Item]] = relationship(
        secondary=principle_source,
        primaryjoin=lambda: Item.id == principle_source.c.experience_id,
        secondaryjoin=lambda: Item.id == principle_source.c.principle_id,
        back_populates="derived_from",
        viewonly=True,
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Attachment.id"
    )

    @property
    def is_published(self) -> bool:
        return self.status == ItemStatus.PUBLISHED

    def move_to(self, status: ItemStatus) -> None:
        """Move the item to `status`; raise IllegalTransition if TRANSITIONS forbids it."""
        self.status = ItemStatus.move(self.status, status)

    @property
    def is_local(self) -> bool:
        return self.actor.is_local

    def label(self, languages: list[str] | tuple[str, ...] = ("fr", "en")) -> str:
        return pick(self.title, languages)

    @classmethod
    def by_slug(cls, kind: str, slug: str) -> Item | None:
        return db.session.scalar(select(cls).where(cls.kind == kind, cls.slug == slug))

    @classmethod
    def written_directly(cls, item_id: int) -> None:
        """Note an item that a Core statement wrote, which the session's unit of work did not
        see, so that what follows every item change (the harvest records) runs for it too."""
        db.session.info.setdefault(WRITTEN_DIRECTLY, set()).add(item_id)

    @classmethod
    def published(cls):
        """Select published items that no admin hid, newest first."""
        return (
            select(cls)
            .where(cls.status == ItemStatus.PUBLISHED, cls.hidden.is_(False))
            .order_by(cls.published_at.desc(), cls.id.desc())
        )

    def to_object(self, copy_url: str | None = None) -> objects.Item:
        """Describe this item as the vocabulary's typed object.

        For another node's item served here, `copy_url` (its address on this node) becomes the
        copy's id, derived from the original IRI (prov:wasDerivedFrom) when it was taken.
        """
        mirrored = copy_url is not None and not self.actor.is_local
        common = dict(
            id=copy_url if mirrored else self.iri,
            attributed_to=self.actor.iri,
            name=dict(self.title),
            language=self.language,
            license=self.license,
            summary=dict(self.summary),
            source=dict(self.body),
            content=dict(self.body_html),
            authors=list(self.authors or []),
            themes=[objects.Ref(t.iri, dict(t.pref_label)) for t in self.themes],
            territories=[objects.Ref(t.iri, dict(t.name)) for t in self.territories],
            links=[objects.Link(link["href"], link.get("name", "")) for link in self.links or []],
            attachments=[a.to_object() for a in self.attachments],
            published=self.published_at,
            updated=self.updated_at if self.published_at else None,
            indexable=self.indexable,
            derived_from_original=self.iri if mirrored else None,
            generated_at=(self.fetched_at or self.updated_at) if mirrored else None,
        )
        if self.kind == "experience":
            return objects.Experience(
                **common,
                period_start=self.period_start,
                period_end=self.period_end,
                organisations=list(self.organisations or []),
                circumstances=dict(self.circumstances),
                lessons=dict(self.lessons),
                limits=dict(self.limits),
            )
        if self.kind == "principle":
            return objects.GuidingPrinciple(
                **common,
                derived_from=[objects.Ref(e.iri, dict(e.title)) for e in self.derived_from],
            )
        return objects.Resource(
            **common, resource_type=self.resource_type or "other", resource_url=self.resource_url
        )


class Attachment(db.Model):
    """A file uploaded with an item, stored under the data directory."""

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(600))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[Item] = relationship(back_populates="attachments")

    def to_object(self) -> objects.Attachment:
        return objects.Attachment(
            url=self.url, media_type=self.media_type, name=self.filename, size=self.size
        )

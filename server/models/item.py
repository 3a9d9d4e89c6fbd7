"""Experiences, guiding principles and resources: the items a node publishes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import MISSING, dataclass, fields
from datetime import date, datetime
from enum import nonmember
from typing import Any

from sqlalchemy import JSON, Column, Date, ForeignKey, Index, String, Table, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.actor import Actor
from server.models.base import LangMapType, State, UTCDateTime, pick, utcnow
from server.models.place import Territory
from server.models.theme import Theme
from server.rendering import sanitise_html
from vocab import kinds, objects

SEARCH_INDEX = "ix_item_search"
SEARCH_COLUMNS = (
    "id",
    "status",
    "hidden",
    "kind",
    "language",
    "license",
    "actor_id",
    "published_at",
)
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
        # What a search reads of each matching item (server.search): found by id without
        # reading the item's row, which its texts make long (SQLite reads it whole).
        Index(SEARCH_INDEX, *SEARCH_COLUMNS),
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
    # An imported item: the page or record it came from (dct:source, prov:wasDerivedFrom).
    imported_from: Mapped[str | None] = mapped_column(String(1000))
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
        """Describe this item as the vocabulary's typed object (the inverse of `apply`).

        For another node's item served here, `copy_url` (its address on this node) becomes the
        copy's id, derived from the original IRI (prov:wasDerivedFrom) when it was taken.
        """
        kind = kinds.by_name(self.kind)
        mirrored = copy_url is not None and not self.actor.is_local
        values = {c.field: c.to_field(getattr(self, c.column)) for c in CONTENT[self.kind]}
        for name, label in _REFERENCES.items():
            if name in _FIELD_NAMES[self.kind]:
                rows = getattr(self, name)
                values[name] = [objects.Ref(row.iri, dict(getattr(row, label))) for row in rows]
        return kind.cls(
            id=copy_url if mirrored else self.iri,
            attributed_to=self.actor.iri,
            attachments=[a.to_object() for a in self.attachments],
            published=self.published_at,
            updated=self.updated_at if self.published_at else None,
            derived_from_original=self.iri if mirrored else None,
            generated_at=(self.fetched_at or self.updated_at) if mirrored else None,
            imported_from=self.imported_from,
            **values,
        )

    def apply(self, obj: objects.Item, **resolved: Sequence[Any]) -> None:
        """Take the content of a typed object of this item's kind (the inverse of `to_object`).

        The one way an item changes content: from a form, the write API or a federated copy.
        The object's id, author, dates and attachments are the caller's business (identity
        and lifecycle), not content. HTML is sanitised here, whatever its origin.

        References (themes, territories, a principle's derived_from) are resolved by IRI,
        unknown ones dropped; a caller that already resolved them (federation maps remote
        IRIs to local rows) passes the rows by field name instead: `themes=[...]`.
        """
        if kinds.by_class(type(obj)) != kinds.by_name(self.kind):
            raise ValueError(f"a {type(obj).__name__} cannot fill a {self.kind}")
        unknown = set(resolved) - set(_REFERENCES)
        if unknown:
            raise TypeError(f"not a reference: {', '.join(sorted(unknown))}")
        # Resolve before changing anything: a query would flush a half-changed item.
        references = {
            name: list(resolved[name]) if name in resolved else _by_iris(name, getattr(obj, name))
            for name in _REFERENCES
            if name in _FIELD_NAMES[self.kind]
        }
        for content in CONTENT[self.kind]:
            setattr(self, content.column, content.to_column(getattr(obj, content.field)))
        for name, rows in references.items():
            keep = _KEEP.get(name)
            kept = [row for row in rows if keep is None or keep(self, row)]
            setattr(self, name, list(dict.fromkeys(kept)))  # a row twice would fail to insert

    @staticmethod
    def columns_of(obj: objects.Item) -> dict[str, Any]:
        """Return every content column for `obj`, those of the other kinds left empty.

        The same keys whatever the kind, so that copies of mixed kinds go into one
        executemany. Bookkeeping (kind, iri, status, dates...) stays with the caller.
        """
        kind = kinds.by_class(type(obj))
        if kind is None:
            raise ValueError(f"{type(obj).__name__} is not an item")
        own = {c.column: c.to_column(getattr(obj, c.field)) for c in CONTENT[kind.name]}
        return {
            column: own[column] if column in own else content.empty()
            for column, content in _ALL_COLUMNS.items()
        }

    @staticmethod
    def column_for(field: str) -> str:
        """Return the column holding an object's field ("name" -> "title")."""
        return _RENAMED.get(field, field)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def _sanitised(html: dict[str, str]) -> dict[str, str]:
    # Never trust markup, ours or a peer's: clean it with our own allow-list.
    return {lang: sanitise_html(text) for lang, text in html.items()}


def _links_to_column(links: list[objects.Link]) -> list[dict[str, str]]:
    return [{"href": link.href, "name": link.name} for link in links]


def _links_to_field(rows: list[dict[str, str]]) -> list[objects.Link]:
    return [objects.Link(row["href"], row.get("name", "")) for row in rows]


@dataclass(frozen=True)
class Content:
    """One content field of a typed object and the column of `Item` holding it."""

    field: str
    column: str
    default: Callable[[], Any]  # the field's value when the column holds none
    empty: Callable[[], Any]  # what the column holds for a kind without this field
    write: Callable[[Any], Any] = _copy
    read: Callable[[Any], Any] = _copy

    def to_column(self, value: Any) -> Any:
        return self.write(value)

    def to_field(self, value: Any) -> Any:
        return self.default() if value is None else self.read(value)


# What an item's identity and lifecycle set, not its content (see Item.to_object).
_NOT_CONTENT = frozenset(
    {"id", "attributed_to", "attachments", "published", "updated"}
    | {"derived_from_original", "generated_at", "imported_from"}
)
# Object fields held in a column of another name; every other field has its namesake.
_RENAMED = {"name": "title", "source": "body", "content": "body_html"}
# Fields whose column holds another shape: (to the column, to the field).
_CONVERTED: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "content": (_sanitised, _copy),
    "links": (_links_to_column, _links_to_field),
}
# References: the relationship of the same name, and the label its objects.Ref carries.
_REFERENCES = {"themes": "pref_label", "territories": "name", "derived_from": "title"}
# Which rows a reference may hold: a principle is drawn from other experiences only.
_KEEP: dict[str, Callable[[Item, Any], bool]] = {
    "derived_from": lambda item, row: row.kind == "experience" and row is not item,
}


def _content_of(cls: type[objects.Item]) -> tuple[Content, ...]:
    found = []
    for f in fields(cls):
        if f.name in _NOT_CONTENT or f.name in _REFERENCES:
            continue
        if f.default_factory is not MISSING:
            default = empty = f.default_factory
        else:
            value = None if f.default is MISSING else f.default
            default, empty = (lambda value=value: value), (lambda: None)
        write, read = _CONVERTED.get(f.name, (_copy, _copy))
        found.append(Content(f.name, Item.column_for(f.name), default, empty, write, read))
    return tuple(found)


# Per kind, every content field with its column: the one map behind apply and to_object.
CONTENT: dict[str, tuple[Content, ...]] = {k.name: _content_of(k.cls) for k in kinds.KINDS}
_FIELD_NAMES = {k.name: {f.name for f in fields(k.cls)} for k in kinds.KINDS}
_ALL_COLUMNS = {c.column: c for name in kinds.NAMES for c in CONTENT[name]}


def _by_iris(name: str, refs: list[objects.Ref]) -> list[Any]:
    """Return the rows a reference field's IRIs name here, in the objects' order."""
    iris = [ref.id for ref in refs]
    if not iris:
        return []
    model = Item.__mapper__.relationships[name].mapper.class_
    found = {row.iri: row for row in db.session.scalars(select(model).where(model.iri.in_(iris)))}
    return [found[iri] for iri in dict.fromkeys(iris) if iri in found]


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

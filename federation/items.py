"""Copies of other nodes' items: validated against the shapes, stored with provenance.

Every copy is stored or deleted through a `Batch`, which the caller holds: the inbox worker
one per group of messages, backfill one per entry. What a copy refers to (themes,
territories not known here) is looked up in the documents fetched before the batch began
(`federation.documents.Fetched`): nothing here goes to the network.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import String, cast, insert, select

from federation.documents import Fetched, NotFetched
from federation.errors import FederationError, InvalidActivity
from server.extensions import db
from server.models import Actor, Item, ItemStatus, RemoteTombstone, Territory, Theme, clock, slugify
from server.models.item import item_territory, item_theme
from vocab import kinds, objects
from vocab.codec import origin_of
from vocab.validation import validate


class Rejected(InvalidActivity):
    """A remote object that fails the vocabulary's shapes; `reasons` says why."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


R = TypeVar("R", Theme, Territory)


class Batch:
    """The copies a transaction reads and writes, in a few statements.

    The inbox worker processes messages together in one transaction (`federation.inbox`).
    Without this, every message would query its item, tombstone and themes anew and flush
    its item on its own. With it, the group's items and tombstones are read in one query
    each, themes once per reference, and new copies are inserted together by `write()`
    with Core statements (the ORM's bookkeeping for an item of thirty columns cost more
    than the rows). What one message does is seen by the next: a new copy is written
    before anything asks for it. New copies are written by `write()`, or when a `with`
    block over the batch ends without an error.
    """

    def __init__(self, fetched: Fetched | None = None, object_iris: Iterable[str] = ()) -> None:
        self.fetched = fetched if fetched is not None else Fetched()
        self.read: set[str] = set()  # the IRIs whose item and tombstone were looked up
        self.tombstoned: set[str] = set()
        self.items: dict[str, Item | int] = {}  # an int: the id of a copy `write()` inserted
        # What each theme or territory reference means here: (resolver, IRI) -> the row.
        self.references: dict[tuple[str, str], Any] = {}
        self.new: dict[str, tuple[dict[str, Any], list[int], list[int]]] = {}
        self.look_up(set(object_iris))

    def __enter__(self) -> Batch:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            self.write()

    def look_up(self, object_iris: set[str]) -> None:
        """Read the items and tombstones of these IRIs, 500 at a time."""
        iris = sorted(object_iris - self.read)
        for start in range(0, len(iris), 500):
            chunk = iris[start : start + 500]
            self.tombstoned.update(
                db.session.scalars(
                    select(RemoteTombstone.object_iri).where(RemoteTombstone.object_iri.in_(chunk))
                )
            )
            found = db.session.scalars(select(Item).where(Item.iri.in_(chunk)))
            self.items.update((item.iri, item) for item in found)
        self.read.update(iris)

    def is_tombstoned(self, object_iri: str) -> bool:
        self.look_up({object_iri})  # an object fetched from elsewhere may have another IRI
        return object_iri in self.tombstoned

    def item(self, object_iri: str) -> Item | None:
        """The copy of `object_iri`, as an ORM object, or None."""
        if object_iri in self.new:
            self.write()
        self.look_up({object_iri})
        item = self.items.get(object_iri)
        if isinstance(item, int):
            item = self.items[object_iri] = db.session.get(Item, item)
        return item

    def has(self, object_iri: str) -> bool:
        """Whether this node holds a copy of `object_iri` (stored, or new in this batch)."""
        if object_iri in self.new:
            return True
        self.look_up({object_iri})
        return object_iri in self.items

    def theme(self, ref: objects.Ref, origin: str) -> Theme:
        return self._once(ref, origin, _resolve_theme)

    def territory(self, ref: objects.Ref, origin: str) -> Territory:
        return self._once(ref, origin, _resolve_territory)

    def _once(
        self, ref: objects.Ref, origin: str, resolve: Callable[[objects.Ref, str, Fetched], R]
    ) -> R:
        """Resolve a reference once for the whole batch."""
        key = (resolve.__name__, ref.id)
        if key not in self.references:
            self.references[key] = resolve(ref, origin, self.fetched)
        return self.references[key]

    def add(self, row: dict[str, Any], themes: list[Theme], territories: list[Territory]) -> None:
        self.new[row["iri"]] = (
            row,  # Item.columns_of gives every row the same keys, for one executemany
            [theme.id for theme in themes],
            [territory.id for territory in territories],
        )

    def write(self) -> None:
        """Insert the new copies and their themes and territories."""
        if not self.new:
            return
        new, self.new = list(self.new.values()), {}
        table = Item.__table__
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        ids = db.session.execute(statement, [row for row, _, _ in new]).scalars().all()
        themes, territories = [], []
        for item_id, (row, theme_ids, territory_ids) in zip(ids, new, strict=True):
            themes += [{"item_id": item_id, "theme_id": t} for t in theme_ids]
            territories += [{"item_id": item_id, "territory_id": t} for t in territory_ids]
            self.items[row["iri"]] = item_id
            Item.written_directly(item_id)
        for link, rows in ((item_theme, themes), (item_territory, territories)):
            if rows:
                db.session.execute(insert(link), rows)


def read_object(doc: dict[str, Any], reasons: list[str] | None = None) -> objects.Item:
    """Validate a JSON-LD item against the shapes and read it into a typed object.

    `reasons` are the shapes' verdict on this very document when it was already validated
    (by the inbox worker's validator processes); otherwise it is validated here.
    """
    if reasons is None:
        reasons = validate(doc)
    if reasons:
        raise Rejected(reasons)
    try:
        obj = objects.object_from_jsonld(doc)
    except (ValueError, KeyError, TypeError) as exc:
        raise Rejected([f"unreadable object: {exc}"]) from exc
    if kinds.by_class(type(obj)) is None:
        raise Rejected([f"{type(obj).__name__} is not an item this node stores"])
    return obj


def _short_hash(iri: str) -> str:
    return hashlib.sha256(iri.encode()).hexdigest()[:10]


def _resolve_theme(ref: objects.Ref, origin: str, fetched: Fetched) -> Theme:
    """Return the theme a remote reference means: ours when aligned, else a remote concept,
    labelled from its document when it was fetched."""
    theme = db.session.scalar(select(Theme).where(Theme.iri == ref.id))
    if theme is not None:
        return _aligned(theme) or theme
    theme = Theme(
        iri=ref.id,
        slug=f"{slugify(next(iter(ref.name.values()), 'theme'), 60)}-{_short_hash(ref.id)}",
        origin=origin,
        pref_label=dict(ref.name) or {"und": ref.id},
        definition={},
        exact_match=[],
        close_match=[],
    )
    try:
        doc, _ = fetched.document(ref.id)
        concept = objects.Theme.from_jsonld(doc)
        theme.pref_label = dict(concept.pref_label) or theme.pref_label
        theme.exact_match = list(concept.exact_match)
        theme.close_match = list(concept.close_match)
    except NotFetched:
        raise
    except (FederationError, ValueError, KeyError, TypeError):
        pass  # keep the labels the reference carried
    db.session.add(theme)
    db.session.flush()
    return _aligned(theme) or theme


def _aligned(theme: Theme) -> Theme | None:
    """Return our own concept that shares an exactMatch with a remote one."""
    if theme.origin is None or not theme.exact_match:
        return None
    for local in db.session.scalars(select(Theme).where(Theme.origin.is_(None))):
        if set(local.exact_match or []) & set(theme.exact_match) or local.iri in theme.exact_match:
            return local
    return None


def _resolve_territory(ref: objects.Ref, origin: str, fetched: Fetched) -> Territory:
    """Return our territory with the same official code, else a remote territory row,
    described by its document when it was fetched, and placed under its parent when
    that parent is known here (by IRI or `sameAs`)."""
    territory = db.session.scalar(select(Territory).where(Territory.iri == ref.id))
    if territory is not None:
        return territory
    territory = Territory(
        iri=ref.id,
        slug=f"{slugify(next(iter(ref.name.values()), 'place'), 60)}-{_short_hash(ref.id)}",
        origin=origin,
        name=dict(ref.name) or {"und": ref.id},
        kind="other",
        same_as=[],
    )
    try:
        doc, _ = fetched.document(ref.id)
        place = objects.Territory.from_jsonld(doc)
        if place.code:
            local = db.session.scalar(
                select(Territory).where(
                    Territory.origin.is_(None),
                    Territory.code == place.code,
                    Territory.kind == place.kind,
                )
            )
            if local is not None:
                return local
        territory.name = dict(place.name) or territory.name
        territory.kind = place.kind
        territory.latitude, territory.longitude = place.latitude, place.longitude
        territory.code = place.code
        territory.same_as = list(place.same_as)
        if place.part_of is not None:
            parent = _known_territory(place.part_of.id)
            territory.parent_id = parent.id if parent is not None else None
    except NotFetched:
        raise
    except (FederationError, ValueError, KeyError, TypeError):
        pass  # keep the name the reference carried
    db.session.add(territory)
    db.session.flush()
    return territory


def _known_territory(iri: str) -> Territory | None:
    """Return the territory known here as `iri`: by its IRI, or one saying it is the same."""
    found = db.session.scalar(select(Territory).where(Territory.iri == iri))
    if found is not None:
        return found
    # same_as is a JSON list: find the candidates by their text, then check the list itself.
    candidates = db.session.scalars(
        select(Territory).where(
            cast(Territory.same_as, String).contains(f'"{iri}"', autoescape=True)
        )
    )
    return next((t for t in candidates if iri in (t.same_as or [])), None)


def store_copy(batch: Batch, obj: objects.Item, owner: Actor) -> bool:
    """Create or update our copy of a remote item; False when it is older or was deleted.

    A new experience or resource is inserted with the batch's other new copies, when it is
    written; anything else changes through the ORM at once.
    """
    if batch.is_tombstoned(obj.id):
        return False
    kind = kinds.by_class(type(obj)).name
    item = batch.item(obj.id)
    if item is not None and _owner_id(item) != owner.id:
        raise InvalidActivity("the object already belongs to another actor")
    stamp = obj.updated or obj.published
    if item is not None and item.remote_updated_at and stamp and stamp <= item.remote_updated_at:
        return False
    origin = origin_of(obj.id)
    # Resolve references before the item joins the session: their queries would otherwise
    # flush a half-filled item, and assigning its collections would then load them back.
    themes = list({t.id: t for t in (batch.theme(r, origin) for r in obj.themes)}.values())
    territories = list(
        {t.id: t for t in (batch.territory(r, origin) for r in obj.territories)}.values()
    )
    title = next(iter(obj.name.values()), "item")
    slug = f"{slugify(title, 60)}-{_short_hash(obj.id)}"
    now = clock.now()
    lifecycle = {
        "updated_at": now,
        "remote_updated_at": stamp,
        "remote_url": obj.id,
        "fetched_at": now,
    }
    if item is None and kind != "principle":
        batch.add(
            {
                "kind": kind,
                "iri": obj.id,
                "slug": slug,
                "actor_id": owner.id,
                "published_at": obj.published or now,
                "status": ItemStatus.PUBLISHED,
                **lifecycle,
                **Item.columns_of(obj),
            },
            themes,
            territories,
        )
        return True
    batch.write()  # what follows may query items, and must see the batch's new ones
    new = item is None
    if new:
        item = Item(kind=kind, iri=obj.id, slug=slug, actor=owner, status=ItemStatus.PUBLISHED)
    # Our own allow-list cleans the remote markup again (Item.apply sanitises content).
    # A new item joins the session only once filled: apply's queries would flush it.
    item.apply(obj, themes=themes, territories=territories)
    if new:
        db.session.add(item)
        batch.items[obj.id] = item
    item.move_to(ItemStatus.PUBLISHED)  # a copy is public whatever it was before
    item.published_at = obj.published or item.published_at or now
    for name, value in lifecycle.items():
        setattr(item, name, value)
    return True  # flushed with the transaction's other changes, before its next query


def _owner_id(item: Item) -> int:
    """The owner's id, also of an item this group added and has not flushed yet."""
    return item.actor_id if item.actor_id is not None else item.actor.id


def delete_copy(batch: Batch, object_iri: str, owner: Actor) -> bool:
    """Delete our copy of a remote item its owner deleted; False if we hold none of theirs.

    A tombstone is kept either way, so that a Create arriving late does not bring it back.
    """
    if not batch.is_tombstoned(object_iri):
        db.session.add(RemoteTombstone(object_iri=object_iri, deleted_at=clock.now()))
        batch.tombstoned.add(object_iri)
    item = batch.item(object_iri)
    if item is None or _owner_id(item) != owner.id:
        return False
    db.session.delete(item)
    del batch.items[object_iri]
    db.session.flush()
    return True

"""Copies of other nodes' items: validated against the shapes, stored with provenance."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select

from federation import clock
from federation.errors import FederationError, InvalidActivity
from server.extensions import db
from server.models import Actor, Item, RemoteTombstone, Territory, Theme, origin_of, slugify
from server.rendering import sanitise_html
from vocab import objects
from vocab.validation import validate

KIND_BY_CLASS = {
    objects.Experience: "experience",
    objects.GuidingPrinciple: "principle",
    objects.Resource: "resource",
}


class Rejected(InvalidActivity):
    """A remote object that fails the vocabulary's shapes; `reasons` says why."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def read_object(doc: dict[str, Any]) -> objects.Item:
    """Validate a JSON-LD item against the shapes and read it into a typed object."""
    reasons = validate(doc)
    if reasons:
        raise Rejected(reasons)
    try:
        obj = objects.object_from_jsonld(doc)
    except (ValueError, KeyError, TypeError) as exc:
        raise Rejected([f"unreadable object: {exc}"]) from exc
    if type(obj) not in KIND_BY_CLASS:
        raise Rejected([f"{type(obj).__name__} is not an item this node stores"])
    return obj


def _short_hash(iri: str) -> str:
    return hashlib.sha256(iri.encode()).hexdigest()[:10]


def _remote_theme(ref: objects.Ref, origin: str) -> Theme:
    """Return the theme a remote reference means: ours when aligned, else a remote concept."""
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
        from federation.actors import signed_get

        doc, _ = signed_get(ref.id)
        concept = objects.Theme.from_jsonld(doc)
        theme.pref_label = dict(concept.pref_label) or theme.pref_label
        theme.exact_match = list(concept.exact_match)
        theme.close_match = list(concept.close_match)
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


def _remote_territory(ref: objects.Ref, origin: str) -> Territory:
    """Return our territory with the same official code, else a remote territory row."""
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
        from federation.actors import signed_get

        doc, _ = signed_get(ref.id)
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
    except (FederationError, ValueError, KeyError, TypeError):
        pass
    db.session.add(territory)
    db.session.flush()
    return territory


def store_item(obj: objects.Item, owner: Actor) -> Item | None:
    """Create or update the local copy of a remote item; None when the copy is older."""
    if db.session.scalar(select(RemoteTombstone.id).where(RemoteTombstone.object_iri == obj.id)):
        return None
    kind = KIND_BY_CLASS[type(obj)]
    item = db.session.scalar(select(Item).where(Item.iri == obj.id))
    if item is not None and item.actor_id != owner.id:
        raise InvalidActivity("the object already belongs to another actor")
    stamp = obj.updated or obj.published
    if item is not None and item.remote_updated_at and stamp and stamp <= item.remote_updated_at:
        return None
    origin = origin_of(obj.id)
    # Resolve references before the item joins the session: their queries would otherwise
    # flush a half-filled item, and assigning its collections would then load them back.
    themes = list({t.id: t for t in (_remote_theme(r, origin) for r in obj.themes)}.values())
    territories = list(
        {t.id: t for t in (_remote_territory(r, origin) for r in obj.territories)}.values()
    )
    if item is None:
        title = next(iter(obj.name.values()), "item")
        item = Item(
            kind=kind,
            iri=obj.id,
            slug=f"{slugify(title, 60)}-{_short_hash(obj.id)}",
            actor=owner,
            themes=themes,
            territories=territories,
        )
        db.session.add(item)
    else:
        item.themes = themes
        item.territories = territories
    item.status = "published"
    item.language = obj.language
    item.license = obj.license
    item.title = dict(obj.name)
    item.summary = dict(obj.summary)
    item.body = dict(obj.source)
    # Never trust markup from elsewhere: clean it again with our own allow-list.
    item.body_html = {lang: sanitise_html(html) for lang, html in obj.content.items()}
    item.authors = list(obj.authors)
    item.links = [{"href": link.href, "name": link.name} for link in obj.links]
    item.indexable = obj.indexable
    item.published_at = obj.published or item.published_at or clock.now()
    item.updated_at = clock.now()
    item.remote_updated_at = stamp
    item.remote_url = obj.id
    item.fetched_at = clock.now()
    if kind == "experience":
        item.period_start, item.period_end = obj.period_start, obj.period_end
        item.organisations = list(obj.organisations)
        item.circumstances, item.lessons, item.limits = (
            dict(obj.circumstances),
            dict(obj.lessons),
            dict(obj.limits),
        )
    elif kind == "principle":
        sources = [
            db.session.scalar(select(Item).where(Item.iri == ref.id)) for ref in obj.derived_from
        ]
        item.derived_from = [s for s in sources if s is not None and s.kind == "experience"]
    else:
        item.resource_type = obj.resource_type
        item.resource_url = obj.resource_url
    db.session.flush()
    return item


def delete_item(object_iri: str, owner: Actor) -> bool:
    """Withdraw the copy of a remote item everywhere here, and remember it was deleted."""
    if (
        db.session.scalar(
            select(RemoteTombstone.id).where(RemoteTombstone.object_iri == object_iri)
        )
        is None
    ):
        db.session.add(RemoteTombstone(object_iri=object_iri, deleted_at=clock.now()))
    item = db.session.scalar(select(Item).where(Item.iri == object_iri))
    if item is None or item.actor_id != owner.id:
        return False
    db.session.delete(item)
    db.session.flush()
    return True

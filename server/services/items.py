"""Create, edit, publish and withdraw experiences, guiding principles and resources."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any, get_type_hints

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from federation import outbox
from server.extensions import db
from server.models import Actor, Item, ItemStatus, NodeSettings, User, slugify, utcnow
from server.models.base import free_slug
from server.models.item import CONTENT
from server.rendering import render_langmap
from server.services import NotAllowed, ServiceError, audit
from server.services.validation import (
    MAX_SUMMARY,
    MAX_TEXT,
    MAX_TITLE,
    check_langmap,
    check_language,
    check_names,
    check_url,
    clean_langmap,
)
from vocab import kinds, objects
from vocab.terms import LICENSES, RESOURCE_TYPES


def require_editor(user: User | None) -> None:
    """Refuse anyone but an editor or admin; `None` is the node itself (CLI, demo)."""
    if user is not None and not user.can_edit:
        raise NotAllowed(str(_l("Only editors and admins can change content.")))


def create_item(
    obj: objects.Item, user: User | None = None, slug: str | None = None, **resolved: list
) -> Item:
    """Create a draft item from a typed object; return it (not yet committed).

    The object's id and author are not read: the item gets this node's, and a `slug`
    (importers choose one; editors get one made from the title). A caller that already
    holds the rows the references name passes them, as `Item.apply` takes them: `themes=[...]`.
    """
    require_editor(user)
    kind = kinds.by_class(type(obj))
    if kind is None:
        raise ServiceError(f"not an item: {type(obj).__name__}")
    actor = _local_actor()
    if actor is None:
        raise ServiceError(str(_l("The node is not initialised: run “commons init”.")))
    obj = _checked(kind, obj)
    slug = _free_slug(kind.name, slug or slugify(_main_text(obj.name, obj.language)))
    base_url = current_app.config["SETTINGS"].base_url
    item = Item(
        kind=kind.name,
        slug=slug,
        iri=f"{base_url}/{kind.path}/{slug}",
        actor=actor,
        status=ItemStatus.DRAFT,
        created_by_id=user.id if user else None,
        # A new item has none of these: known, rendering it (harvest records) does not query.
        attachments=[],
        derived_from=[],
    )
    item.apply(obj, **resolved)
    db.session.add(item)
    db.session.flush()
    return item


def update_item(item: Item, obj: objects.Item, user: User | None = None, **resolved: list) -> Item:
    """Replace an item's content with a typed object's, keeping its IRI (`resolved`: as
    `create_item` takes it)."""
    require_editor(user)
    kind = kinds.by_name(item.kind)
    if kinds.by_class(type(obj)) != kind:
        raise ServiceError(f"a {type(obj).__name__} cannot replace a {item.kind}")
    item.apply(_checked(kind, obj), **resolved)
    item.updated_at = utcnow()
    db.session.flush()
    if item.is_published and item.is_local:
        outbox.publish("Update", item)
    return item


def rendered(obj: objects.Item) -> objects.Item:
    """Return the object with its Markdown `source` rendered to sanitised HTML `content`."""
    return replace(obj, content=render_langmap(obj.source))


def publish_item(item: Item, user: User | None = None, inboxes: list[str] | None = None) -> Item:
    """Make a draft or withdrawn item public (`inboxes`: its actor's followers', when the
    caller, publishing many, read them once)."""
    require_editor(user)
    if item.is_published:
        return item
    now = utcnow()
    if item.published_at is None:
        item.published_at = now
    item.move_to(ItemStatus.PUBLISHED)
    item.withdrawn_at = None
    item.updated_at = now
    db.session.flush()
    if item.is_local:
        outbox.publish("Create", item, inboxes)
    return item


def withdraw_item(item: Item, user: User | None = None) -> Item:
    """Take an item out of public view; its IRI then answers as a Tombstone."""
    require_editor(user)
    was_public = item.is_published
    item.move_to(ItemStatus.WITHDRAWN)
    item.withdrawn_at = utcnow()
    item.updated_at = item.withdrawn_at
    db.session.flush()
    if was_public and item.is_local:
        outbox.publish("Delete", item)
    if was_public:
        audit.record("item.withdraw", target=item.iri, who=user)
    return item


def _local_actor() -> Actor | None:
    """This node's actor, from the session when it holds it (an import creates thousands)."""
    actor_id = Actor.local_id()
    actor = db.session.get(Actor, actor_id) if actor_id is not None else None
    return actor if actor is not None and actor.is_local else Actor.local()


def _main_text(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or next(iter(texts.values()), "")


# Paths under /<kind>/ that pages use, so no item may take them as its slug.
RESERVED_SLUGS = {"new", "feed", "edit"}


def _free_slug(kind: str, base: str) -> str:
    # Only `base` and `base-N` can collide: `base%` would also read base0, base10... (every
    # "fiche-1x" for "fiche-1"), a set that grows with the number of items.
    taken = set(
        db.session.scalars(
            select(Item.slug).where(
                Item.kind == kind, or_(Item.slug == base, Item.slug.like(f"{base}-%"))
            )
        )
    )
    return free_slug(base, RESERVED_SLUGS | taken)


# The longest text each kind of multilingual field may hold; MAX_TEXT for the others.
MAX_LENGTHS = {"name": MAX_TITLE, "summary": MAX_SUMMARY}
# What the service makes itself rather than takes: the HTML is rendered from the source.
DERIVED = {"content"}


@cache
def _types(cls: type[objects.Item]) -> dict[str, Any]:
    return get_type_hints(cls)


def _checked(kind: kinds.Kind, obj: objects.Item) -> objects.Item:
    """Return the object cleaned; raise ServiceError with every problem found.

    Errors are keyed by the item's column ("title" for `name`), as the forms name fields.
    """
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {"language": (obj.language or "").strip()}
    check_language(changes["language"], errors)
    types = _types(type(obj))
    for content in CONTENT[kind.name]:
        name, column = content.field, content.column
        if name in DERIVED:
            continue
        if types[name] == dict[str, str]:
            texts = changes[name] = clean_langmap(getattr(obj, name))
            limit = MAX_LENGTHS.get(name, MAX_TEXT)
            check_langmap(texts, errors, column, limit, required=name == "name")
        elif types[name] == list[str]:
            names = changes[name] = [n.strip() for n in getattr(obj, name) if n and n.strip()]
            check_names(names, errors, column)
    license = changes["license"] = obj.license or NodeSettings.get().default_license
    if license not in LICENSES:
        check_url(license, errors, "license")
    links = []
    for link in obj.links:
        href = (link.href or "").strip()
        if href:
            check_url(href, errors, "links")
            links.append(objects.Link(href, (link.name or "").strip()[:200]))
    changes["links"] = links
    if (
        isinstance(obj, objects.Experience)
        and obj.period_start
        and obj.period_end
        and obj.period_end < obj.period_start
    ):
        errors["period_end"] = str(_l("The end of the period comes before its start."))
    if isinstance(obj, objects.Resource):
        changes["resource_type"] = obj.resource_type or "guide"
        if changes["resource_type"] not in RESOURCE_TYPES:
            errors["resource_type"] = str(_l("Choose a kind of resource from the list."))
        changes["resource_url"] = (obj.resource_url or "").strip() or None
        check_url(changes["resource_url"], errors, "resource_url")
    if errors:
        raise ServiceError(str(_l("Some fields need attention.")), errors)
    return rendered(replace(obj, **changes))

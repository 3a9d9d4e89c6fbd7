"""Create, edit, publish and withdraw experiences, guiding principles and resources."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from federation import outbox
from server.extensions import db
from server.models import Actor, Item, NodeSettings, Territory, Theme, User, slugify, utcnow
from server.models.base import free_slug
from server.rendering import render_langmap
from server.services import NotAllowed, ServiceError
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
from vocab.terms import LICENSES, RESOURCE_TYPES

KIND_PATHS = {"experience": "experiences", "principle": "principles", "resource": "resources"}


@dataclass
class ItemInput:
    """What an editor gives for an item, whatever its kind.

    `body` is the narrative (experience), explanation (principle) or description (resource),
    in Markdown. References are by id: themes, territories, and for a principle the
    experiences it was drawn from.
    """

    title: dict[str, str]
    language: str = "fr"
    summary: dict[str, str] = field(default_factory=dict)
    body: dict[str, str] = field(default_factory=dict)
    license: str = ""
    authors: list[str] = field(default_factory=list)
    theme_ids: list[int] = field(default_factory=list)
    territory_ids: list[int] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)
    indexable: bool = True
    period_start: date | None = None
    period_end: date | None = None
    organisations: list[str] = field(default_factory=list)
    circumstances: dict[str, str] = field(default_factory=dict)
    lessons: dict[str, str] = field(default_factory=dict)
    limits: dict[str, str] = field(default_factory=dict)
    derived_from_ids: list[int] = field(default_factory=list)
    resource_type: str | None = None
    resource_url: str | None = None
    slug: str | None = None  # chosen by importers; editors get one made from the title


def require_editor(user: User | None) -> None:
    """Refuse anyone but an editor or admin; `None` is the node itself (CLI, demo)."""
    if user is not None and not user.can_edit:
        raise NotAllowed(str(_l("Only editors and admins can change content.")))


def create_item(kind: str, data: ItemInput, user: User | None = None) -> Item:
    """Create a draft item of `kind` from checked input; return it (not yet committed)."""
    require_editor(user)
    if kind not in KIND_PATHS:
        raise ServiceError(f"unknown kind {kind!r}")
    actor = Actor.local()
    if actor is None:
        raise ServiceError(str(_l("The node is not initialised: run “commons init”.")))
    data = _checked(kind, data)
    slug = _free_slug(kind, data.slug or slugify(_main_text(data.title, data.language)))
    base_url = current_app.config["SETTINGS"].base_url
    item = Item(
        kind=kind,
        slug=slug,
        iri=f"{base_url}/{KIND_PATHS[kind]}/{slug}",
        actor=actor,
        status="draft",
        created_by_id=user.id if user else None,
    )
    _apply(item, data)
    db.session.add(item)
    db.session.flush()
    return item


def update_item(item: Item, data: ItemInput, user: User | None = None) -> Item:
    """Replace an item's fields with checked input, keeping its IRI."""
    require_editor(user)
    _apply(item, _checked(item.kind, data))
    item.updated_at = utcnow()
    db.session.flush()
    if item.is_published and item.is_local:
        outbox.publish("Update", item)
    return item


def publish_item(item: Item, user: User | None = None) -> Item:
    """Make a draft or withdrawn item public."""
    require_editor(user)
    if item.is_published:
        return item
    now = utcnow()
    if item.published_at is None:
        item.published_at = now
    item.status = "published"
    item.withdrawn_at = None
    item.updated_at = now
    db.session.flush()
    if item.is_local:
        outbox.publish("Create", item)
    return item


def withdraw_item(item: Item, user: User | None = None) -> Item:
    """Take an item out of public view; its IRI then answers as a Tombstone."""
    require_editor(user)
    was_public = item.is_published
    item.status = "withdrawn"
    item.withdrawn_at = utcnow()
    item.updated_at = item.withdrawn_at
    db.session.flush()
    if was_public and item.is_local:
        outbox.publish("Delete", item)
    return item


def _main_text(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or next(iter(texts.values()), "")


# Paths under /<kind>/ that pages use, so no item may take them as its slug.
RESERVED_SLUGS = {"new", "feed", "edit"}


def _free_slug(kind: str, base: str) -> str:
    taken = set(
        db.session.scalars(select(Item.slug).where(Item.kind == kind, Item.slug.like(f"{base}%")))
    )
    return free_slug(base, RESERVED_SLUGS | taken)


def _checked(kind: str, data: ItemInput) -> ItemInput:
    """Clean the input and raise ServiceError with every problem found."""
    errors: dict[str, str] = {}
    data.title = clean_langmap(data.title)
    data.summary = clean_langmap(data.summary)
    data.body = clean_langmap(data.body)
    data.circumstances = clean_langmap(data.circumstances)
    data.lessons = clean_langmap(data.lessons)
    data.limits = clean_langmap(data.limits)
    data.authors = [a.strip() for a in data.authors if a and a.strip()]
    data.organisations = [o.strip() for o in data.organisations if o and o.strip()]
    data.language = (data.language or "").strip()
    check_language(data.language, errors)
    check_langmap(data.title, errors, "title", MAX_TITLE, required=True)
    check_langmap(data.summary, errors, "summary", MAX_SUMMARY)
    for name in ("body", "circumstances", "lessons", "limits"):
        check_langmap(getattr(data, name), errors, name, MAX_TEXT)
    check_names(data.authors, errors, "authors")
    check_names(data.organisations, errors, "organisations")
    data.license = data.license or NodeSettings.get().default_license
    if data.license not in LICENSES:
        check_url(data.license, errors, "license")
    links = []
    for link in data.links:
        href = (link.get("href") or "").strip()
        if href:
            check_url(href, errors, "links")
            links.append({"href": href, "name": (link.get("name") or "").strip()[:200]})
    data.links = links
    if data.period_start and data.period_end and data.period_end < data.period_start:
        errors["period_end"] = str(_l("The end of the period comes before its start."))
    if kind == "resource":
        data.resource_type = data.resource_type or "guide"
        if data.resource_type not in RESOURCE_TYPES:
            errors["resource_type"] = str(_l("Choose a kind of resource from the list."))
        check_url(data.resource_url, errors, "resource_url")
    if errors:
        raise ServiceError(str(_l("Some fields need attention.")), errors)
    return data


def _apply(item: Item, data: ItemInput) -> None:
    item.title = data.title
    item.language = data.language
    item.summary = data.summary
    item.body = data.body
    item.body_html = render_langmap(data.body)
    item.license = data.license
    item.authors = data.authors
    item.links = data.links
    item.indexable = data.indexable
    item.themes = _by_ids(Theme, data.theme_ids)
    item.territories = _by_ids(Territory, data.territory_ids)
    if item.kind == "experience":
        item.period_start = data.period_start
        item.period_end = data.period_end
        item.organisations = data.organisations
        item.circumstances = data.circumstances
        item.lessons = data.lessons
        item.limits = data.limits
    elif item.kind == "principle":
        sources = _by_ids(Item, data.derived_from_ids)
        item.derived_from = [s for s in sources if s.kind == "experience" and s.id != item.id]
    else:
        item.resource_type = data.resource_type
        item.resource_url = data.resource_url or None


def _by_ids(model, ids: list[int]) -> list:
    wanted = sorted({int(i) for i in ids if i})
    if not wanted:
        return []
    return list(db.session.scalars(select(model).where(model.id.in_(wanted))))

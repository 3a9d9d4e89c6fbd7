"""Territories and the theme thesaurus: create, edit, link, install the default one."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from server.extensions import db
from server.models import Territory, Theme, ThemeLink, ThemeRelation, User, slugify
from server.models.base import free_slug
from server.services import NotAllowed, ServiceError
from server.services.validation import check_langmap, check_url, clean_langmap
from vocab.terms import TERRITORY_KINDS


def require_admin(user: User | None) -> None:
    if user is not None and not user.is_admin:
        raise NotAllowed(str(_l("Only admins can change the thesaurus.")))


@dataclass
class TerritoryInput:
    name: dict[str, str]
    kind: str = "commune"
    latitude: float | None = None
    longitude: float | None = None
    code: str | None = None
    same_as: list[str] = field(default_factory=list)
    parent_id: int | None = None
    slug: str | None = None


def save_territory(
    data: TerritoryInput, territory: Territory | None = None, user: User | None = None
) -> Territory:
    """Create a territory, or update `territory`, from checked input."""
    if user is not None and not user.can_edit:
        raise NotAllowed(str(_l("Only editors and admins can change content.")))
    errors: dict[str, str] = {}
    data.name = clean_langmap(data.name)
    check_langmap(data.name, errors, "name", 200, required=True)
    if data.kind not in TERRITORY_KINDS:
        errors["kind"] = str(_l("Choose a kind of territory from the list."))
    if data.latitude is not None and not -90 <= data.latitude <= 90:
        errors["latitude"] = str(_l("Latitude is between -90 and 90."))
    if data.longitude is not None and not -180 <= data.longitude <= 180:
        errors["longitude"] = str(_l("Longitude is between -180 and 180."))
    if (data.latitude is None) != (data.longitude is None):
        errors["longitude"] = str(_l("Give both latitude and longitude, or neither."))
    for iri in data.same_as:
        check_url(iri, errors, "same_as")
    if data.code and len(data.code) > 32:
        errors["code"] = str(_l("This code is too long."))
    if territory is not None and data.parent_id == territory.id:
        errors["parent_id"] = str(_l("A territory cannot be its own parent."))
    if errors:
        raise ServiceError(str(_l("Some fields need attention.")), errors)
    if territory is None:
        base = data.slug or slugify(next(iter(data.name.values())))
        slug = _free_slug(Territory, base)
        territory = Territory(slug=slug, iri=f"{_base_url()}/territories/{slug}")
        db.session.add(territory)
    territory.name = data.name
    territory.kind = data.kind
    territory.latitude = data.latitude
    territory.longitude = data.longitude
    territory.code = (data.code or "").strip() or None
    territory.same_as = [s for s in data.same_as if s]
    territory.parent = db.session.get(Territory, data.parent_id) if data.parent_id else None
    db.session.flush()
    return territory


@dataclass
class ThemeInput:
    pref_label: dict[str, str]
    definition: dict[str, str] = field(default_factory=dict)
    broader_ids: list[int] = field(default_factory=list)
    related_ids: list[int] = field(default_factory=list)
    exact_match: list[str] = field(default_factory=list)
    close_match: list[str] = field(default_factory=list)
    slug: str | None = None


def save_theme(data: ThemeInput, theme: Theme | None = None, user: User | None = None) -> Theme:
    """Create a concept, or update `theme`: labels, definition, links and alignments."""
    require_admin(user)
    errors: dict[str, str] = {}
    data.pref_label = clean_langmap(data.pref_label)
    data.definition = clean_langmap(data.definition)
    check_langmap(data.pref_label, errors, "pref_label", 200, required=True)
    check_langmap(data.definition, errors, "definition", 4000)
    for name in ("exact_match", "close_match"):
        for iri in getattr(data, name):
            check_url(iri, errors, name)
    if theme is not None and (theme.id in data.broader_ids or theme.id in data.related_ids):
        errors["broader_ids"] = str(_l("A concept cannot be linked to itself."))
    if errors:
        raise ServiceError(str(_l("Some fields need attention.")), errors)
    if theme is None:
        base = data.slug or slugify(next(iter(data.pref_label.values())))
        slug = _free_slug(Theme, base)
        theme = Theme(slug=slug, iri=f"{_base_url()}/themes/{slug}")
        db.session.add(theme)
    theme.pref_label = data.pref_label
    theme.definition = data.definition
    theme.exact_match = [s for s in data.exact_match if s]
    theme.close_match = [s for s in data.close_match if s]
    db.session.flush()
    wanted = {(ThemeRelation.BROADER, i) for i in data.broader_ids} | {
        (ThemeRelation.RELATED, i) for i in data.related_ids
    }
    theme.links = [link for link in theme.links if (link.relation, link.target_id) in wanted]
    present = {(link.relation, link.target_id) for link in theme.links}
    for relation, target_id in sorted(wanted - present):
        if db.session.get(Theme, target_id) is not None:
            theme.links.append(ThemeLink(relation=relation, target_id=target_id))
    db.session.flush()
    return theme


def install_default_thesaurus() -> int:
    """Copy the shared default thesaurus into this node's concepts; return how many were added.

    Each concept gets an IRI of this node and `skos:exactMatch` the shared concept, so that
    every node's copy of a default theme is recognised as the same concept.
    """
    from vocab.thesaurus import default_themes

    concepts = default_themes()
    by_shared: dict[str, Theme] = {}
    added = 0
    for concept in concepts:
        slug = concept.id.rstrip("/").rsplit("/", 1)[-1]
        theme = Theme.by_slug(slug)
        if theme is None:
            theme = Theme(
                slug=slug,
                iri=f"{_base_url()}/themes/{slug}",
                pref_label=dict(concept.pref_label),
                definition=dict(concept.definition),
                exact_match=[concept.id],
                close_match=[],
            )
            db.session.add(theme)
            added += 1
        by_shared[concept.id] = theme
    db.session.flush()
    existing = {
        (link.theme_id, link.target_id, link.relation)
        for link in db.session.scalars(select(ThemeLink))
    }
    for concept in concepts:
        theme = by_shared[concept.id]
        for relation, targets in (
            (ThemeRelation.BROADER, concept.broader),
            (ThemeRelation.RELATED, concept.related),
        ):
            for target_iri in targets:
                target = by_shared.get(target_iri)
                if target is None:
                    continue
                key = (theme.id, target.id, relation)
                reverse = (target.id, theme.id, relation)
                if key in existing or (relation == ThemeRelation.RELATED and reverse in existing):
                    continue
                db.session.add(ThemeLink(theme_id=theme.id, target_id=target.id, relation=relation))
                existing.add(key)
    db.session.flush()
    return added


def _base_url() -> str:
    return current_app.config["SETTINGS"].base_url


def _free_slug(model, base: str) -> str:
    taken = set(db.session.scalars(select(model.slug).where(model.slug.like(f"{base}%"))))
    return free_slug(base, taken)

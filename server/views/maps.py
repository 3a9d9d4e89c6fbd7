"""Maps: items placed by their territories, as JSON points and as a list.

An item sits where its territories are. A territory without coordinates takes those of its
nearest ancestor that has some (a commune with none sits on its department); an item none
of whose territories can be placed is listed apart, not placed. One marker per placed
position (the territory that gave the coordinates), with how many items it holds and the
latest of them; the full lists are the territory pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, jsonify, url_for
from sqlalchemy import ColumnElement, select
from werkzeug.exceptions import HTTPException

from server.extensions import db
from server.models import Item, Territory, pick
from server.models.item import item_territory
from server.views import display, item_filters
from server.views.item_filters import ItemFilter
from server.views.rate_limits import limited

bp = Blueprint("maps", __name__)

ITEMS_PER_POINT = 20  # the popup lists the latest; the territory page has them all
UNPLACED_LISTED = 50


@dataclass
class Point:
    """A marker: a placed territory, the number of items there and the latest of them."""

    slug: str
    iri: str
    label: str
    lat: float
    lon: float
    count: int = 0
    items: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.iri,
            "label": self.label,
            "url": url_for("pages.territory", slug=self.slug),
            "lat": self.lat,
            "lon": self.lon,
            "count": self.count,
            "items": self.items,
        }


@dataclass
class Points:
    """What a map shows: its markers, and the items that could not be placed."""

    points: list[Point]
    unplaced_count: int
    unplaced: list[dict[str, str]]

    def as_json(self) -> dict[str, Any]:
        return {
            "points": [p.as_json() for p in self.points],
            "unplaced": {"count": self.unplaced_count, "items": self.unplaced},
        }


def anchors() -> dict[int, Territory]:
    """Map every territory id to the territory whose coordinates place it (or leave it out)."""
    rows = db.session.scalars(select(Territory)).all()
    by_id = {row.id: row for row in rows}
    found: dict[int, Territory] = {}
    for row in rows:
        seen: set[int] = set()
        current: Territory | None = row
        while current is not None and current.id not in seen:
            if current.latitude is not None and current.longitude is not None:
                found[row.id] = current
                break
            seen.add(current.id)  # a cycle of parents ends the walk
            current = by_id.get(current.parent_id) if current.parent_id else None
    return found


def points(condition: ColumnElement[bool]) -> Points:
    """Place the items `condition` selects: a point per placed territory, and the rest listed
    apart."""
    languages = display.content_languages()
    chosen = select(Item.id).where(condition).order_by(Item.published_at.desc(), Item.id.desc())
    order = {item_id: rank for rank, item_id in enumerate(db.session.scalars(chosen))}
    pairs = db.session.execute(
        select(item_territory.c.item_id, item_territory.c.territory_id).where(
            item_territory.c.item_id.in_(chosen.with_only_columns(Item.id).order_by(None))
        )
    ).all()
    placed_by = anchors()
    at: dict[int, set[int]] = {}
    for item_id, territory_id in pairs:
        anchor = placed_by.get(territory_id)
        if anchor is not None and item_id in order:
            at.setdefault(anchor.id, set()).add(item_id)
    placed = set().union(*at.values()) if at else set()
    unplaced = sorted((i for i in order if i not in placed), key=order.__getitem__)
    latest = {
        anchor_id: sorted(item_ids, key=order.__getitem__)[:ITEMS_PER_POINT]
        for anchor_id, item_ids in at.items()
    }
    shown = set(unplaced[:UNPLACED_LISTED]).union(*latest.values())
    described = _describe(shown, languages)
    markers = []
    territories = {t.id: t for t in placed_by.values()}
    for anchor_id, item_ids in at.items():
        place = territories[anchor_id]
        markers.append(
            Point(
                slug=place.slug,
                iri=place.iri,
                label=pick(place.name, languages),
                lat=place.latitude,
                lon=place.longitude,
                count=len(item_ids),
                items=[described[i] for i in latest[anchor_id]],
            )
        )
    markers.sort(key=lambda p: (-p.count, p.label.casefold()))
    return Points(markers, len(unplaced), [described[i] for i in unplaced[:UNPLACED_LISTED]])


def _describe(item_ids: set[int], languages: list[str]) -> dict[int, dict[str, str]]:
    if not item_ids:
        return {}
    rows = db.session.execute(
        select(Item.id, Item.kind, Item.slug, Item.iri, Item.title).where(Item.id.in_(item_ids))
    ).all()
    return {
        row.id: {
            "id": row.iri,
            "kind": row.kind,
            "title": pick(row.title, languages),
            "url": display.item_url(row),
        }
        for row in rows
    }


@bp.app_template_global("map_points")
def map_points(territory: str | None = None) -> Points:
    """Return the points of the published items (in a territory and the places inside it)."""
    if territory is None:
        return points(ItemFilter().condition())
    place = Territory.by_slug(territory)
    ids = item_filters.places_within([place.id]) if place else set()
    return points(ItemFilter(territories=frozenset(ids)).condition())


@bp.app_template_global("map_settings")
def map_settings() -> dict[str, str]:
    """Return the tile template and attribution the map script reads."""
    settings = current_app.config["SETTINGS"]
    tiles = "" if settings.map_tiles == "none" else settings.map_tiles
    return {"tiles": tiles, "attribution": settings.map_attribution}


@bp.get("/map.json")
@limited("search")
def points_json():
    """Serve the points of the items chosen by `kind`, `theme` and `territory`."""
    try:
        selection = item_filters.from_request()
    except HTTPException as refused:
        return item_filters.json_error(refused)
    response = jsonify(points(selection.condition()).as_json())
    response.headers["Cache-Control"] = "public, max-age=60"
    return response

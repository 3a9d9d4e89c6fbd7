"""Load the demo content through the same services an editor's forms use."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app

from server.extensions import db
from server.models import Item, NodeSettings, Territory, Theme
from server.services.items import create_item, publish_item
from server.services.node import NodeSettingsInput, ensure_node_actor, update_settings
from server.services.taxonomy import TerritoryInput, save_territory
from vocab import objects


def seed_demo(content: dict[str, Any] | None = None, progress=None) -> dict[str, int]:
    """Load a demo content set (the default one when None); skip what is already there."""
    if content is None:
        from server.demo import content as default

        content = {
            name: getattr(default, name)
            for name in ("NODE", "TERRITORIES", "EXPERIENCES", "PRINCIPLES", "RESOURCES")
        }
    counts = {"territories": 0, "experiences": 0, "principles": 0, "resources": 0}
    node = NodeSettings.get()
    if "NODE" in content and not node.description:
        demo_name = content["NODE"]["name"].get(node.main_language, "")
        configured = current_app.config["SETTINGS"].node_name
        update_settings(
            NodeSettingsInput(
                name=configured or demo_name or node.name,
                description=content["NODE"]["description"],
                default_license=node.default_license,
                languages=node.languages,
            )
        )
        ensure_node_actor()
    steps = (
        [("territory", t) for t in _parents_first(content.get("TERRITORIES", []))]
        + [("experience", e) for e in content.get("EXPERIENCES", [])]
        + [("principle", p) for p in content.get("PRINCIPLES", [])]
        + [("resource", r) for r in content.get("RESOURCES", [])]
    )
    for kind, entry in steps:
        if kind == "territory":
            if Territory.by_slug(entry["slug"]) is None:
                save_territory(_territory_input(entry))
                counts["territories"] += 1
        elif Item.by_slug(kind, entry["slug"]) is None:
            publish_item(create_item(_item_object(kind, entry), slug=entry["slug"]))
            counts[kind + "s"] += 1
        if progress is not None:
            progress(1)
    db.session.commit()
    return counts


def _parents_first(territories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ordered: list[dict[str, Any]] = []
    placed: set[str] = set()
    pending = list(territories)
    while pending:
        progressed = False
        for entry in list(pending):
            parent = entry.get("parent")
            if not parent or parent in placed or Territory.by_slug(parent) is not None:
                ordered.append(entry)
                placed.add(entry["slug"])
                pending.remove(entry)
                progressed = True
        if not progressed:  # unknown parents: keep the rest without them
            ordered.extend(pending)
            break
    return ordered


def _territory_input(entry: dict[str, Any]) -> TerritoryInput:
    parent = Territory.by_slug(entry["parent"]) if entry.get("parent") else None
    return TerritoryInput(
        name=dict(entry["name"]),
        kind=entry.get("kind", "commune"),
        latitude=entry.get("latitude"),
        longitude=entry.get("longitude"),
        code=entry.get("code"),
        same_as=list(entry.get("same_as", [])),
        parent_id=parent.id if parent else None,
        slug=entry["slug"],
    )


def _refs(model, slugs: list[str], kind: str | None = None) -> list[objects.Ref]:
    refs = []
    for slug in slugs:
        row = model.by_slug(kind, slug) if kind else model.by_slug(slug)
        if row is not None:
            refs.append(objects.Ref(row.iri))
    return refs


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _item_object(kind: str, entry: dict[str, Any]) -> objects.Item:
    """Read a demo entry into the typed object of its kind (the demo's own field names)."""
    body = entry.get("narrative") or entry.get("explanation") or entry.get("description") or {}
    common: dict[str, Any] = {
        "id": "",
        "attributed_to": "",
        "name": dict(entry["title"]),
        "language": entry.get("language", "fr"),
        "license": "",
        "summary": dict(entry.get("summary", {})),
        "source": dict(body),
        "authors": list(entry.get("authors", [])),
        "themes": _refs(Theme, entry.get("themes", [])),
        "territories": _refs(Territory, entry.get("territories", [])),
        "links": [
            objects.Link(link["href"], link.get("name", "")) for link in entry.get("links", [])
        ],
    }
    if kind == "experience":
        return objects.Experience(
            **common,
            period_start=_date(entry.get("period_start")),
            period_end=_date(entry.get("period_end")),
            organisations=list(entry.get("organisations", [])),
            circumstances=dict(entry.get("circumstances", {})),
            lessons=dict(entry.get("lessons", {})),
            limits=dict(entry.get("limits", {})),
        )
    if kind == "principle":
        derived = _refs(Item, entry.get("derived_from", []), "experience")
        return objects.GuidingPrinciple(**common, derived_from=derived)
    return objects.Resource(
        **common, resource_type=entry.get("resource_type") or "", resource_url=entry.get("url")
    )

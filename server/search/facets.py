"""Facet counts: for each facet, its values over the items matching the text and the
other facets. A theme counts the items of its narrower concepts, a territory those of
the places inside it (each item once)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, cast, func, select

from server.extensions import db
from server.models import Actor, Item, Territory, Theme, ThemeLink
from server.models.base import pick
from server.models.item import item_territory, item_theme
from server.models.theme import ThemeRelation
from server.search.query import FACETS, Query
from server.search.results import FacetValue
from vocab.terms import LICENSES


def year_of(column: Any) -> Any:
    """The year of a timestamp column, as an integer, on either database."""
    if db.session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%Y", column), Integer)
    return cast(func.date_part("year", func.timezone("UTC", column)), Integer)


def _theme_closure() -> Any:
    """(ancestor, descendant) for every concept and each concept below it, itself included."""
    closure = select(Theme.id.label("ancestor"), Theme.id.label("descendant")).cte(
        "theme_closure", recursive=True
    )
    return closure.union(
        select(closure.c.ancestor, ThemeLink.theme_id).where(
            ThemeLink.target_id == closure.c.descendant,
            ThemeLink.relation == ThemeRelation.BROADER,
        )
    )


def _territory_closure() -> Any:
    """(ancestor, descendant) for every place and each place inside it, itself included."""
    closure = select(Territory.id.label("ancestor"), Territory.id.label("descendant")).cte(
        "territory_closure", recursive=True
    )
    return closure.union(
        select(closure.c.ancestor, Territory.id).where(Territory.parent_id == closure.c.descendant)
    )


def _tree_counts(name: str, matching: Any) -> list[tuple[Any, int]]:
    """Count the items under each theme or territory (ids to counts)."""
    if name == "theme":
        closure, link, column = _theme_closure(), item_theme, item_theme.c.theme_id
    else:
        closure, link, column = _territory_closure(), item_territory, item_territory.c.territory_id
    statement = (
        select(closure.c.ancestor, func.count(func.distinct(link.c.item_id)))
        .select_from(link)
        .join(closure, closure.c.descendant == column)
        .where(link.c.item_id.in_(matching))
        .group_by(closure.c.ancestor)
    )
    return [(row[0], row[1]) for row in db.session.execute(statement)]


def _tree_values(
    name: str, matching: Any, chosen: tuple[str, ...], languages: tuple[str, ...]
) -> list[FacetValue]:
    model: type[Theme] | type[Territory] = Theme if name == "theme" else Territory
    label_column = Theme.pref_label if name == "theme" else Territory.name
    counts = dict(_tree_counts(name, matching))
    rows = db.session.execute(
        select(model.id, model.slug, model.iri, label_column).where(
            model.id.in_(list(counts)) | model.slug.in_(chosen) | model.iri.in_(chosen)
        )
    ).all()
    values = [
        FacetValue(
            slug,
            pick(label or {}, list(languages)) or slug,
            counts.get(id_, 0),
            slug in chosen or iri in chosen,
        )
        for id_, slug, iri, label in rows
    ]
    known = {row.slug for row in rows} | {row.iri for row in rows}
    values += [FacetValue(v, v, 0, True) for v in chosen if v not in known]
    return values


def _flat_values(name: str, matching: Any, chosen: tuple[str, ...]) -> list[FacetValue]:
    if name == "node":
        statement = (
            select(Actor.origin, func.count(Item.id))
            .join(Actor, Actor.id == Item.actor_id)
            .where(Item.id.in_(matching))
            .group_by(Actor.origin)
        )
        counts: dict[str, int] = {}
        for origin, count in db.session.execute(statement):
            host = origin.split("://", 1)[-1]
            counts[host] = counts.get(host, 0) + count
    else:
        column = {
            "kind": Item.kind,
            "lang": Item.language,
            "licence": Item.license,
            "year": year_of(Item.published_at),
        }[name]
        statement = select(column, func.count(Item.id)).where(Item.id.in_(matching))
        counts = {
            str(value): count
            for value, count in db.session.execute(statement.group_by(column))
            if value is not None
        }
    labels = LICENSES if name == "licence" else {}
    values = [FacetValue(v, labels.get(v, v), n, v in chosen) for v, n in counts.items()]
    values += [FacetValue(v, labels.get(v, v), 0, True) for v in chosen if v not in counts]
    return values


def count_facets(
    query: Query, base: list[Any], conditions: dict[str, Any], languages: tuple[str, ...]
) -> dict[str, list[FacetValue]]:
    """Every facet's values with their counts, most items first."""
    facets: dict[str, list[FacetValue]] = {}
    for name in FACETS:
        others = [c for other, c in conditions.items() if other != name and c is not None]
        matching = select(Item.id).where(*base, *others)
        chosen = query.facet_values(name)
        if name in ("theme", "territory"):
            values = _tree_values(name, matching, chosen, languages)
        else:
            values = _flat_values(name, matching, chosen)
        facets[name] = sorted(values, key=lambda v: (-v.count, v.label.lower(), v.value))
    return facets

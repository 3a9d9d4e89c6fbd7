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


def _tree_counts(name: str, matching: Any) -> Any:
    """Count the items under each theme or territory: a subquery (ancestor, count)."""
    if name == "theme":
        closure, link, column = _theme_closure(), item_theme, item_theme.c.theme_id
    else:
        closure, link, column = _territory_closure(), item_territory, item_territory.c.territory_id
    return (
        select(closure.c.ancestor, func.count(func.distinct(link.c.item_id)).label("count"))
        .select_from(link)
        .join(closure, closure.c.descendant == column)
        .where(link.c.item_id.in_(matching))
        .group_by(closure.c.ancestor)
        .subquery()
    )


def _tree_values(
    name: str, matching: Any, chosen: tuple[str, ...], languages: tuple[str, ...]
) -> list[FacetValue]:
    model: type[Theme] | type[Territory] = Theme if name == "theme" else Territory
    label_column = Theme.pref_label if name == "theme" else Territory.name
    counts = _tree_counts(name, matching)
    # The counted concepts and the chosen ones (counted or not), labelled, in one query.
    rows = db.session.execute(
        select(model.slug, model.iri, label_column, counts.c.count)
        .outerjoin(counts, counts.c.ancestor == model.id)
        .where(counts.c.ancestor.is_not(None) | model.slug.in_(chosen) | model.iri.in_(chosen))
    ).all()
    values = [
        FacetValue(
            slug,
            pick(label or {}, list(languages)) or slug,
            count or 0,
            slug in chosen or iri in chosen,
        )
        for slug, iri, label, count in rows
    ]
    known = {row.slug for row in rows} | {row.iri for row in rows}
    values += [FacetValue(v, v, 0, True) for v in chosen if v not in known]
    return values


FLAT = ("kind", "lang", "licence", "year", "node")


def _flat_counts(
    names: list[str], conditions: list[Any], found: Any = None
) -> dict[str, dict[str, int]]:
    """Count the values of several flat facets over the same items in one grouped query
    (those of `found`, the items the text matched, when given, that meet `conditions`).

    The groups (kind x language x licence x year x actor) are few; they are added up here.
    """
    # The matches hold the columns counted: without other conditions, no item is read.
    source = found.c if found is not None and not conditions else Item.__table__.c
    columns = {
        "kind": source.kind,
        "lang": source.language,
        "licence": source.license,
        "year": year_of(source.published_at),
        "node": source.actor_id,
    }
    chosen = [columns[name] for name in names]
    statement = select(*chosen, func.count())
    if found is not None:
        statement = statement.select_from(found)
        if conditions:
            statement = statement.join(Item, Item.id == found.c.item_id)
    statement = statement.where(*conditions).group_by(*chosen)
    counts: dict[str, dict[str, int]] = {name: {} for name in names}
    rows = db.session.execute(statement).all()
    origins: dict[Any, str] = {}
    if "node" in names:
        actor_ids = {row[names.index("node")] for row in rows}
        origins = dict(
            db.session.execute(select(Actor.id, Actor.origin).where(Actor.id.in_(actor_ids))).all()
        )
    for row in rows:
        number = row[-1]
        for name, value in zip(names, row[:-1], strict=True):
            if value is None:
                continue
            key = origins[value].split("://", 1)[-1] if name == "node" else str(value)
            counts[name][key] = counts[name].get(key, 0) + number
    return counts


def _flat_values(name: str, counts: dict[str, int], chosen: tuple[str, ...]) -> list[FacetValue]:
    labels = LICENSES if name == "licence" else {}
    values = [FacetValue(v, labels.get(v, v), n, v in chosen) for v, n in counts.items()]
    values += [FacetValue(v, labels.get(v, v), 0, True) for v in chosen if v not in counts]
    return values


def _items(found: Any, conditions: list[Any]) -> Any:
    """Select the ids of the items (of `found`, when given) meeting `conditions`."""
    if found is None:
        return select(Item.id).where(*conditions)
    if not conditions:
        return select(found.c.item_id)
    return select(found.c.item_id).join(Item, Item.id == found.c.item_id).where(*conditions)


def count_facets(
    query: Query,
    base: list[Any],
    conditions: dict[str, Any],
    languages: tuple[str, ...],
    found: Any = None,
) -> tuple[dict[str, list[FacetValue]], int | None]:
    """Every facet's values with their counts, most items first; and the total of items
    matching everything, when it came with the counts (else None).

    Counted over the items meeting `base`, among those of `found` when given (a table of
    the items the text matched, `server.search.matches`). Facets nobody chose all count
    over the same items (the text and every chosen facet): their flat ones are counted
    together in one query.
    """
    facets: dict[str, list[FacetValue]] = {}
    chosen_all = [c for c in conditions.values() if c is not None]
    unchosen = [name for name in FLAT if conditions[name] is None]
    flat = _flat_counts(unchosen, [*base, *chosen_all], found) if unchosen else {}
    total = sum(flat[unchosen[0]].values()) if unchosen and unchosen[0] == "kind" else None
    for name in FACETS:
        others = [c for other, c in conditions.items() if other != name and c is not None]
        chosen = query.facet_values(name)
        if name in ("theme", "territory"):
            matching = _items(found, [*base, *others])
            values = _tree_values(name, matching, chosen, languages)
        elif name in flat:
            values = _flat_values(name, flat[name], chosen)
        else:
            counts = _flat_counts([name], [*base, *others], found)[name]
            values = _flat_values(name, counts, chosen)
        facets[name] = sorted(values, key=lambda v: (-v.count, v.label.lower(), v.value))
    return facets, total

"""`search(query) -> Results`: the matching items, ranked, with facet counts and snippets.

One interface for both databases; only the text condition (`server.search.match`) and the
year of a date differ. Facet counts are over the items matching the text and the OTHER
facets, so that every value shown stays choosable; values within a facet are OR-ed,
facets AND-ed. A theme includes its narrower concepts, a territory the places inside it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, func, select
from sqlalchemy.orm import selectinload

from server.extensions import db
from server.models import Actor, Item, ItemStatus, Territory, Theme
from server.models.item import item_territory, item_theme
from server.search.facets import count_facets, year_of
from server.search.match import match
from server.search.matches import collect
from server.search.query import FACETS, Query
from server.search.results import FacetValue, Hit, Results
from server.search.snippets import snippet


def _origins(nodes: tuple[str, ...]) -> list[str]:
    return [f"{scheme}://{node}" for node in nodes for scheme in ("https", "http")]


def _ids_of(model: type[Theme] | type[Territory], values: tuple[str, ...]) -> set[int]:
    """The ids of the themes or territories named by slug or IRI, and all below them."""
    if not values:
        return set()
    found = db.session.scalars(
        select(model.id).where(model.slug.in_(values) | model.iri.in_(values))
    )
    return model.descendant_ids(found)


def facet_conditions(query: Query) -> dict[str, Any]:
    """The condition each chosen facet puts on items (None for a facet not chosen)."""
    conditions: dict[str, Any] = dict.fromkeys(FACETS)
    if query.kinds:
        conditions["kind"] = Item.kind.in_(query.kinds)
    for name, model, link, column in (
        ("theme", Theme, item_theme, item_theme.c.theme_id),
        ("territory", Territory, item_territory, item_territory.c.territory_id),
    ):
        chosen = query.facet_values(name)
        if chosen:
            ids = _ids_of(model, chosen)
            conditions[name] = (
                Item.id.in_(select(link.c.item_id).where(column.in_(ids))) if ids else false()
            )
    if query.nodes:
        actors = select(Actor.id).where(Actor.origin.in_(_origins(query.nodes)))
        conditions["node"] = Item.actor_id.in_(actors)
    if query.langs:
        conditions["lang"] = Item.language.in_(query.langs)
    if query.licences:
        conditions["licence"] = Item.license.in_(query.licences)
    if query.years:
        conditions["year"] = year_of(Item.published_at).in_(query.years)
    return conditions


def search(query: Query, languages: tuple[str, ...] = ("fr", "en")) -> Results:
    """Find the published, visible items (local and copies) a query asks for.

    `languages`: the reader's, for facet labels and snippets.
    """
    session = db.session
    text = match(session, query.terms)
    base, matched = _text_conditions(text)
    found = None
    if text.ids is not None:
        # The text is matched once: the facets and the page join the items it found.
        found = collect(session, text.ids, text.excluded, scored=query.sort == "relevance")
        base, matched = [], [Item.id.in_(select(found.c.item_id))]
    conditions = facet_conditions(query)
    chosen = [c for c in conditions.values() if c is not None]
    scope = [*base, *matched] if found is None else []
    facets, total = count_facets(query, scope, conditions, languages, found)
    if total is None:
        total = session.scalar(select(func.count(Item.id)).where(*base, *matched, *chosen)) or 0
    hits = _page(query, found, [*base, *chosen], languages) if total else []
    return Results(total=total, hits=hits, facets=facets, query=query)


def _text_conditions(text: Any) -> tuple[list[Any], list[Any]]:
    """The conditions every result meets (public, no excluded word), and the text match."""
    base = [Item.status == ItemStatus.PUBLISHED, Item.hidden.is_(False)]
    if text.excluded is not None:
        base.append(Item.id.not_in(text.excluded))
    matched = [] if text.ids is None else [Item.id.in_(select(text.ids.subquery().c.item_id))]
    return base, matched


def found_by(query: Query) -> Any:
    """The condition on `Item` of every item the query finds, all pages (to map them)."""
    base, matched = _text_conditions(match(db.session, query.terms))
    chosen = [c for c in facet_conditions(query).values() if c is not None]
    return and_(*base, *matched, *chosen)


def _page(query: Query, found: Any, conditions: list[Any], languages: tuple[str, ...]) -> list[Hit]:
    """Load one page of the items meeting `conditions` (among `found`, the items the text
    matched, when given), with their snippets."""
    if found is None:
        statement = select(Item.id).where(*conditions)
        order = [Item.published_at.desc(), Item.id.desc()]
    elif not conditions:  # the matches hold what the order needs
        statement = select(found.c.item_id)
        order = [found.c.published_at.desc(), found.c.item_id.desc()]
    else:
        statement = select(Item.id).join(found, found.c.item_id == Item.id).where(*conditions)
        order = [Item.published_at.desc(), Item.id.desc()]
    if found is not None and query.sort == "relevance":
        order.insert(0, found.c.score.desc())
    statement = statement.order_by(*order)
    statement = statement.offset((query.page - 1) * query.per_page).limit(query.per_page)
    ids = list(db.session.scalars(statement))
    if not ids:
        return []
    loaded = db.session.scalars(
        select(Item)
        .where(Item.id.in_(ids))
        .options(
            selectinload(Item.actor), selectinload(Item.themes), selectinload(Item.territories)
        )
    )
    items = {item.id: item for item in loaded}
    words = query.terms.all_words()
    return [Hit(items[i], snippet(items[i], words, languages)) for i in ids if i in items]


__all__ = ["FacetValue", "Hit", "Results", "facet_conditions", "found_by", "search"]

"""`search(query) -> Results`: the matching items, ranked, with facet counts and snippets.

One interface for both databases; only the text condition (`server.search.match`) and the
year of a date differ. Facet counts are over the items matching the text and the OTHER
facets, so that every value shown stays choosable; values within a facet are OR-ed,
facets AND-ed. A theme includes its narrower concepts, a territory the places inside it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, func, select
from sqlalchemy.orm import selectinload

from server.extensions import db
from server.models import Actor, Item, ItemStatus, Territory, Theme
from server.models.item import SEARCH_INDEX, item_territory, item_theme
from server.search import cache
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

    `languages`: the reader's, for facet labels and snippets. The facet counts and the
    total are kept (`server.search.cache`) until the index's generation moves, unless
    this transaction changed items itself.
    """
    session = db.session
    text = match(session, query.terms)
    conditions = facet_conditions(query)
    chosen = [c for c in conditions.values() if c is not None]
    found = None

    def count() -> tuple[dict[str, list[FacetValue]], int]:
        nonlocal found
        base, matched = _text_conditions(text)
        if text.ids is not None:
            # The text is matched once: the facets and the page join the items it found.
            found = collect(session, text.ids, text.excluded, scored=query.sort == "relevance")
            base, matched = [], [Item.id.in_(select(found.c.item_id))]
        scope = [*base, *matched] if found is None else []
        facets, total = count_facets(query, scope, conditions, languages, found)
        if total is None:
            total = session.scalar(select(func.count(Item.id)).where(*base, *matched, *chosen))
        return facets, total or 0

    key = ("search", query.terms, *(query.facet_values(name) for name in FACETS), languages)
    facets, total = cache.remembered(session, key, count)
    facets = dict(facets)  # the views relabel some facets: the lists kept stay as they are
    if not total:
        hits = []
    elif found is not None or text.ids is None:
        base = [] if found is not None else _text_conditions(text)[0]
        hits = _page(query, found, [*base, *chosen], languages)
    else:  # counts kept from an earlier search: the page alone, from the text's match
        hits = _ranked_page(query, text, chosen, languages)
    return Results(total=total, hits=hits, facets=facets, query=query, ignored=text.ignored)


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


HEADROOM = 50  # matches read past the page, for those the facets or a change leave out


def _ranked_page(
    query: Query, text: Any, chosen: list[Any], languages: tuple[str, ...]
) -> list[Hit]:
    """Load one page of the items the text matches that meet the chosen facets, in the
    order of `_page` (without the table of matches a counting search writes).

    By relevance, the best-scored matches alone are read first (the engine's own top-N,
    no item row read for the others), then checked against the items; when that cannot
    settle the page (too few left, or a tie in score crossing what was read), every match
    is ordered, as by date.
    """
    scores = text.ids.subquery()
    base, _matched = _text_conditions(text)
    wanted = query.page * query.per_page
    if query.sort == "relevance":
        limit = wanted + HEADROOM
        top = db.session.execute(
            select(scores.c.item_id, scores.c.score).order_by(scores.c.score.desc()).limit(limit)
        ).all()
        score = {row.item_id: row.score for row in top}
        rows = db.session.execute(
            select(Item.id, Item.published_at).where(Item.id.in_(score), *base, *chosen)
        ).all()
        ordered = sorted(rows, key=lambda r: (score[r.id], _when(r.published_at), r.id))[::-1]
        complete = len(top) < limit  # every match was read
        if complete or (len(ordered) >= wanted and score[ordered[wanted - 1].id] > top[-1].score):
            ids = [row.id for row in ordered[wanted - query.per_page : wanted]]
            return _hits(query, ids, languages)
    statement = (
        select(scores.c.item_id)
        .join(Item, Item.id == scores.c.item_id)
        .where(*base, *chosen)
        .with_hint(Item.__table__, f"INDEXED BY {SEARCH_INDEX}", "sqlite")
    )
    order = [Item.published_at.desc(), Item.id.desc()]
    if query.sort == "relevance":
        order.insert(0, scores.c.score.desc())
    return _load(query, statement.order_by(*order), languages)


def _when(moment: datetime | None) -> float:
    return moment.timestamp() if moment else float("-inf")


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
    return _load(query, statement, languages)


def _load(query: Query, statement: Any, languages: tuple[str, ...]) -> list[Hit]:
    """Run a statement of ordered item ids for the query's page; load those items."""
    statement = statement.offset((query.page - 1) * query.per_page).limit(query.per_page)
    return _hits(query, list(db.session.scalars(statement)), languages)


def _hits(query: Query, ids: list[int], languages: tuple[str, ...]) -> list[Hit]:
    """Load these items, in this order, with their snippets."""
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

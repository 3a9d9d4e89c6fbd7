"""The relational atlas: the thesaurus as a graph of concepts, sized by their items.

Nodes are this node's concepts, plus other nodes' concepts that items here use or that a
concept matches (`exactMatch`/`closeMatch` to a known Theme row; a match to an IRI no row
knows has nothing to draw and is left out). A node's `count` is the number of published,
visible items indexed with the concept or any narrower one, as on the theme pages.

Edges: `broader` (source is narrower than target), `related`, `exactMatch`, `closeMatch`
(weight 1), and `cooccurs`: two concepts indexed together on the same items, weight = how
many, counted on the concepts items name (not their broader ones, which would make every
concept co-occur with its parents). `?kind=` and `?territory=` narrow the counts and
co-occurrences; the thesaurus itself stays whole. Two grouped queries do the counting;
their results are kept until anything they count changes (`server.search.cache`, keyed on
the search index's generation, which every change of items or of the thesaurus moves).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import distinct, func, select
from werkzeug.exceptions import HTTPException

from server.extensions import db
from server.models import Item, Territory, Theme, ThemeLink, ThemeRelation, pick
from server.models.item import item_theme
from server.search import cache
from server.views import display, item_filters
from server.views.item_filters import ItemFilter
from server.views.rate_limits import limited

bp = Blueprint("atlas", __name__)

RELATIONS = ("broader", "related", "cooccurs", "exactMatch", "closeMatch")


@dataclass
class Concept:
    """A node of the atlas, with its neighbours by relation (for the list)."""

    id: int
    iri: str
    slug: str
    label: str
    origin: str | None
    count: int = 0
    neighbours: dict[str, list[tuple[Concept, int]]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.iri,
            "label": self.label,
            "count": self.count,
            "url": url_for("pages.theme", slug=self.slug),
            "origin": self.origin,
        }


@dataclass
class Graph:
    """The atlas: concepts and the edges between them, as (source, target, relation, weight)."""

    concepts: list[Concept]
    edges: list[tuple[Concept, Concept, str, int]]

    def as_json(self) -> dict[str, Any]:
        return {
            "nodes": [c.as_json() for c in self.concepts],
            "edges": [
                {"source": s.iri, "target": t.iri, "relation": r, "weight": w}
                for s, t, r, w in self.edges
            ],
        }

    def neighbourhoods(self) -> None:
        """Fill each concept's `neighbours`, both directions, for the lists."""
        for source, target, relation, weight in self.edges:
            if relation == "broader":
                source.neighbours.setdefault("broader", []).append((target, weight))
                target.neighbours.setdefault("narrower", []).append((source, weight))
            else:
                source.neighbours.setdefault(relation, []).append((target, weight))
                target.neighbours.setdefault(relation, []).append((source, weight))
        for concept in self.concepts:
            for rows in concept.neighbours.values():
                rows.sort(key=lambda row: (-row[1], row[0].label.casefold()))


def _counts(selection: ItemFilter, only: set[int] | None = None) -> dict[int, int]:
    """Count the selected items of each concept, narrower concepts' items included (kept
    until the search index's generation moves: `server.search.cache`)."""
    key = ("atlas counts", selection, frozenset(only) if only is not None else None)
    return cache.remembered(db.session, key, lambda: _count(selection, only))


def _count(selection: ItemFilter, only: set[int] | None) -> dict[int, int]:
    closure = item_filters.broader_closure()
    query = (
        select(closure.c.ancestor_id, func.count(distinct(item_theme.c.item_id)))
        .select_from(item_theme)
        .join(closure, closure.c.theme_id == item_theme.c.theme_id)
        .join(Item, Item.id == item_theme.c.item_id)
        .where(selection.condition())
        .group_by(closure.c.ancestor_id)
    )
    if only is not None:
        query = query.where(closure.c.ancestor_id.in_(only))
    return dict(db.session.execute(query).all())


def _cooccurrences(selection: ItemFilter, focus: int | None) -> list[tuple[int, int, int]]:
    """Return (theme, other theme, items naming both), each pair once (or around `focus`);
    kept until the search index's generation moves."""
    key = ("atlas cooccurrences", selection, focus)
    return cache.remembered(db.session, key, lambda: _cooccurring(selection, focus))


def _cooccurring(selection: ItemFilter, focus: int | None) -> list[tuple[int, int, int]]:
    a, b = item_theme.alias("a"), item_theme.alias("b")
    if focus is None:
        pair = (a.c.item_id == b.c.item_id) & (a.c.theme_id < b.c.theme_id)
    else:
        pair = (a.c.item_id == b.c.item_id) & (b.c.theme_id != a.c.theme_id)
    query = (
        select(a.c.theme_id, b.c.theme_id, func.count())
        .select_from(a)
        .join(b, pair)
        .join(Item, Item.id == a.c.item_id)
        .where(selection.condition())
        .group_by(a.c.theme_id, b.c.theme_id)
    )
    if focus is not None:
        query = query.where(a.c.theme_id == focus)
    return [tuple(row) for row in db.session.execute(query).all()]


def build(selection: ItemFilter, focus: Theme | None = None) -> Graph:
    """Draw the atlas for the selected items: the whole thesaurus, or one concept's neighbours."""
    languages = display.content_languages()
    rows = db.session.execute(
        select(
            Theme.id,
            Theme.iri,
            Theme.slug,
            Theme.pref_label,
            Theme.origin,
            Theme.exact_match,
            Theme.close_match,
        )
    ).all()
    concepts = {
        row.id: Concept(row.id, row.iri, row.slug, pick(row.pref_label, languages), row.origin)
        for row in rows
    }
    by_iri = {c.iri: c for c in concepts.values()}
    edges: dict[tuple[str, int, int], int] = {}

    def add(relation: str, source: int, target: int, weight: int = 1) -> None:
        if source == target or source not in concepts or target not in concepts:
            return
        if relation != "broader":  # symmetric: one edge per pair
            source, target = min(source, target), max(source, target)
        edges[(relation, source, target)] = weight

    for link in db.session.execute(
        select(ThemeLink.theme_id, ThemeLink.target_id, ThemeLink.relation)
    ):
        relation = "broader" if link.relation == ThemeRelation.BROADER else "related"
        add(relation, link.theme_id, link.target_id)
    for row in rows:
        for relation, iris in (("exactMatch", row.exact_match), ("closeMatch", row.close_match)):
            for iri in iris or ():
                if iri in by_iri:
                    add(relation, row.id, by_iri[iri].id)
    for source, target, weight in _cooccurrences(selection, focus.id if focus else None):
        add("cooccurs", source, target, weight)

    if focus is not None:
        keep = {focus.id} | {s for _r, s, _t in edges if _t == focus.id}
        keep |= {t for _r, s, t in edges if s == focus.id}
        edges = {key: w for key, w in edges.items() if focus.id in key[1:]}
        counts = _counts(selection, keep)
    else:
        counts = _counts(selection)
        # Other nodes' concepts appear when items here use them or a match reaches them.
        linked = {s for _r, s, _t in edges} | {t for _r, _s, t in edges}
        keep = {i for i, c in concepts.items() if c.origin is None or counts.get(i) or i in linked}
    for concept_id, count in counts.items():
        if concept_id in concepts:
            concepts[concept_id].count = count
    shown = sorted(
        (concepts[i] for i in keep), key=lambda c: (c.origin is not None, c.label.casefold())
    )
    order = {name: rank for rank, name in enumerate(RELATIONS)}
    drawn = sorted(
        (
            (concepts[s], concepts[t], relation, weight)
            for (relation, s, t), weight in edges.items()
            if s in keep and t in keep
        ),
        key=lambda e: (order[e[2]], -e[3], e[0].label.casefold(), e[1].label.casefold()),
    )
    return Graph(shown, drawn)


def neighbourhood(theme: Theme) -> Graph:
    """Return one concept and its neighbours, for its page (every published item counted)."""
    graph = build(ItemFilter(), focus=theme)
    graph.neighbourhoods()
    return graph


@bp.app_template_global("concept_neighbourhood")
def concept_neighbourhood(theme: Theme) -> Graph:
    return neighbourhood(theme)


def _focus() -> Theme | None:
    slug = request.args.get("concept", "").strip()
    if not slug:
        return None
    display.require_sane_slug(slug)
    theme = Theme.by_slug(slug)
    if theme is None:
        abort(404, _("No concept is called %(value)s here.", value=slug[:200]))
    return theme


@bp.get("/atlas.json")
@limited("search")
def graph_json():
    """Serve the atlas as JSON: nodes with counts, edges with relations and weights."""
    try:
        graph = build(item_filters.from_request(themes=False), focus=_focus())
    except HTTPException as refused:
        return item_filters.json_error(refused)
    response = jsonify(graph.as_json())
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/atlas")
def atlas():
    """Show the atlas: the graph, its legend and filters, and the same as a list."""
    selection = item_filters.from_request(themes=False)
    graph = build(selection)
    graph.neighbourhoods()
    languages = display.content_languages()
    territories = sorted(
        db.session.execute(select(Territory.slug, Territory.name)).all(),
        key=lambda row: pick(row.name, languages).casefold(),
    )
    return render_template(
        "atlas/index.html",
        graph=graph,
        selection=selection,
        territory_choices=[(row.slug, pick(row.name, languages)) for row in territories],
        chosen_kinds=request.args.getlist("kind"),
        chosen_territory=request.args.get("territory", ""),
        json_url=url_for("atlas.graph_json", **request.args.to_dict(flat=False)),
    )

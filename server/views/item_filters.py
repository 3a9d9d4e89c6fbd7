"""Which published items the atlas and the maps draw: `?kind=`, `?territory=`, `?theme=`.

The same parameters as /search (kind, theme and territory, repeatable, values OR-ed within
a parameter and AND-ed across them), so that a map or an atlas of a search's results takes
the search's query string. A theme includes its narrower concepts and a territory the places
inside it, as on their pages. An unknown kind, theme or territory is a 4xx with a message.

The two tree walks are recursive CTEs (one query each, both databases); `UNION`, not
`UNION ALL`, so that a cycle someone made in the thesaurus ends the walk instead of looping.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Response, abort, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, select
from werkzeug.exceptions import HTTPException

from server.extensions import db
from server.forms.base import CONTROL
from server.models import Item, ItemStatus, Territory, Theme, ThemeLink, ThemeRelation
from server.models.item import item_territory, item_theme
from vocab import kinds

MAX_VALUES = 20  # per parameter: more is no filter a person made


def places_within(ids: Iterable[int]) -> set[int]:
    """Return the territories `ids` and every place inside them, however deep."""
    start = list(ids)
    if not start:
        return set()
    tree = select(Territory.id).where(Territory.id.in_(start)).cte("within", recursive=True)
    inside = select(Territory.id).join(tree, Territory.parent_id == tree.c.id)
    tree = tree.union(inside)
    return set(db.session.scalars(select(tree.c.id)))


def concepts_within(ids: Iterable[int]) -> set[int]:
    """Return the concepts `ids` and every narrower one, however deep."""
    start = list(ids)
    if not start:
        return set()
    tree = select(Theme.id).where(Theme.id.in_(start)).cte("narrower", recursive=True)
    below = (
        select(ThemeLink.theme_id)
        .join(tree, ThemeLink.target_id == tree.c.id)
        .where(ThemeLink.relation == ThemeRelation.BROADER)
    )
    tree = tree.union(below)
    return set(db.session.scalars(select(tree.c.id)))


def broader_closure():
    """Return a CTE (theme_id, ancestor_id): each concept with itself and all its broader ones."""
    base = select(Theme.id.label("theme_id"), Theme.id.label("ancestor_id"))
    tree = base.cte("ancestors", recursive=True)
    up = (
        select(tree.c.theme_id, ThemeLink.target_id)
        .join(ThemeLink, ThemeLink.theme_id == tree.c.ancestor_id)
        .where(ThemeLink.relation == ThemeRelation.BROADER)
    )
    return tree.union(up)


@dataclass(frozen=True)
class ItemFilter:
    """Published, visible items of some kinds, on some themes, in some territories."""

    kinds: tuple[str, ...] = ()
    themes: frozenset[int] | None = None  # None: any theme (or none)
    territories: frozenset[int] | None = None  # None: anywhere (or nowhere)

    @property
    def narrowed(self) -> bool:
        return bool(self.kinds) or self.themes is not None or self.territories is not None

    def condition(self) -> ColumnElement[bool]:
        """Return the WHERE clause on `Item` for these items."""
        clause: ColumnElement[bool] = (Item.status == ItemStatus.PUBLISHED) & Item.hidden.is_(False)
        if self.kinds:
            clause = clause & Item.kind.in_(self.kinds)
        if self.themes is not None:
            on_theme = select(item_theme.c.item_id).where(item_theme.c.theme_id.in_(self.themes))
            clause = clause & Item.id.in_(on_theme)
        if self.territories is not None:
            rooted = select(item_territory.c.item_id).where(
                item_territory.c.territory_id.in_(self.territories)
            )
            clause = clause & Item.id.in_(rooted)
        return clause


def _values(name: str) -> list[str]:
    values = [v.strip() for v in request.args.getlist(name) if v.strip()]
    if len(values) > MAX_VALUES:
        abort(400, _("Too many values for %(name)s.", name=name))
    return values


def _rows(model, values: list[str]) -> list[int]:
    """Return the ids of the rows named by slug or IRI; 404 naming the first unknown one."""
    # No slug or IRI holds a control character (PostgreSQL refuses NUL in any text).
    sane = [v for v in values if len(v) <= 500 and not CONTROL.search(v)]
    rows = db.session.execute(
        select(model.slug, model.iri, model.id).where(model.slug.in_(sane) | model.iri.in_(sane))
    ).all()
    known = {row.slug: row.id for row in rows} | {row.iri: row.id for row in rows}
    ids = []
    for value in values:
        if value not in known:
            shown = CONTROL.sub("", value)[:200]
            abort(404, _("Nothing is known here by the name %(value)s.", value=shown))
        ids.append(known[value])
    return ids


def from_request(themes: bool = True) -> ItemFilter:
    """Read the filter from the query string; a bad value is a 400 or 404 with a message."""
    chosen = _values("kind")
    names = {kind.name for kind in kinds.KINDS}
    for name in chosen:
        if name not in names:
            abort(400, _("Unknown kind: %(value)s.", value=name[:100]))
    territory_ids = _rows(Territory, _values("territory"))
    theme_ids = _rows(Theme, _values("theme")) if themes else []
    return ItemFilter(
        kinds=tuple(dict.fromkeys(chosen)),
        themes=frozenset(concepts_within(theme_ids)) if theme_ids else None,
        territories=frozenset(places_within(territory_ids)) if territory_ids else None,
    )


def json_error(refused: HTTPException) -> tuple[Response, int]:
    """Answer a refused parameter of a JSON address as JSON, whatever the Accept header."""
    code = refused.code or 400
    return jsonify(error=refused.name, detail=refused.description or ""), code

"""Browsing: the home page, lists per kind, the thesaurus and the territories."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import CTE, Column, Select, func, select

from server.extensions import db
from server.i18n import lang_is_a_facet
from server.models import Actor, Item, ItemStatus, NodeSettings, Territory, Theme, ThemeRelation
from server.models.item import item_territory, item_theme
from server.models.theme import ThemeLink
from server.search import SearchError
from server.views import display
from server.views.negotiation import alternates, represent
from server.views.search import Listing, run
from vocab import kinds
from vocab.terms import UI_LANGUAGES

bp = Blueprint("pages", __name__)

PER_PAGE = 20
MAX_PAGE = 100_000


def page_number() -> int:
    """Return the `?page=` asked for, kept within sane bounds (bad values mean page 1)."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def local_only() -> bool:
    return request.args.get("local") == "1"


def visible(query: Select, status: str = ItemStatus.PUBLISHED) -> Select:
    """Narrow an item query to what lists show, with the "this node only" filter."""
    if status == ItemStatus.PUBLISHED:
        query = query.where(Item.status == ItemStatus.PUBLISHED, Item.hidden.is_(False))
    else:
        query = query.where(Item.status == status)
    if local_only():
        query = query.join(Actor, Item.actor_id == Actor.id).where(Actor.is_local.is_(True))
    return query.order_by(Item.published_at.desc(), Item.updated_at.desc(), Item.id.desc())


def paginate(query: Select):
    return db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)


@bp.get("/")
def home():
    """Show the node, its description and the latest items of every kind."""
    node = NodeSettings.get()
    latest = db.session.scalars(visible(select(Item)).limit(12)).all()
    counts = dict(
        db.session.execute(
            select(Item.kind, func.count(Item.id))
            .where(Item.status == ItemStatus.PUBLISHED, Item.hidden.is_(False))
            .group_by(Item.kind)
        ).all()
    )
    return render_template("home.html", node=node, latest=latest, counts=counts)


def listing(kind: str):
    """List one kind of item, newest first, a page at a time."""
    status = request.args.get("status", ItemStatus.PUBLISHED)
    if status not in set(ItemStatus) or not display.can_edit():
        status = ItemStatus.PUBLISHED
    page = paginate(visible(select(Item).where(Item.kind == kind), status))
    return render_template("items/list.html", kind=kind, page=page, status=status)


# One list page per kind, at its path: url_for("pages.listing", kind="experience").
for _kind in kinds.KINDS:
    bp.add_url_rule(f"/{_kind.path}", view_func=listing, defaults={"kind": _kind.name})


def _theme_tree() -> CTE:
    """Pair every concept with itself and each concept narrower than it, at any depth."""
    tree = select(Theme.id.label("top"), Theme.id.label("below")).cte("tree", recursive=True)
    return tree.union(
        select(tree.c.top, ThemeLink.theme_id).where(
            ThemeLink.target_id == tree.c.below, ThemeLink.relation == ThemeRelation.BROADER
        )
    )


def _territory_tree() -> CTE:
    """Pair every place with itself and each place inside it, at any depth."""
    tree = select(Territory.id.label("top"), Territory.id.label("below")).cte(
        "tree", recursive=True
    )
    return tree.union(select(tree.c.top, Territory.id).where(Territory.parent_id == tree.c.below))


def subtree_counts(tree: CTE, column: Column) -> dict[int, int]:
    """Count published items per concept or place, those below it included, each item once.

    One query: the tree's pairs joined to the item links (`column` is the link table's
    concept or place). UNION, not UNION ALL, makes a cycle in the links end.
    """
    link = column.table
    rows = db.session.execute(
        select(tree.c.top, func.count(func.distinct(Item.id)))
        .join(link, column == tree.c.below)
        .join(Item, Item.id == link.c.item_id)
        .where(Item.status == ItemStatus.PUBLISHED, Item.hidden.is_(False))
        .group_by(tree.c.top)
    )
    return dict(rows.all())


def _listing(facet: str, slug: str) -> Listing:
    """Search with the page's own theme or territory applied; 400 for unusable arguments."""
    try:
        return Listing(run({facet: slug}), fixed=(facet,))
    except SearchError as error:
        abort(400, description=str(error))


@bp.get("/language/<code>")
def language(code: str):
    """Choose the interface language, then go back to the page the reader was on."""
    if code not in UI_LANGUAGES:
        abort(404)
    session["lang"] = code
    target = request.args.get("next", "")
    # Only a path of this node: never another site (an open redirect).
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = url_for("pages.home")
    return redirect(target, 303)


@bp.get("/themes")
def themes():
    """Show the thesaurus: each concept with its broader, narrower and related concepts."""
    concepts = db.session.scalars(select(Theme)).all()
    links = db.session.scalars(select(ThemeLink)).all()
    by_id = {t.id: t for t in concepts}
    broader: dict[int, list[Theme]] = {}
    narrower: dict[int, list[Theme]] = {}
    related: dict[int, dict[int, Theme]] = {}
    for link in links:
        source, target = by_id.get(link.theme_id), by_id.get(link.target_id)
        if source is None or target is None:
            continue
        if link.relation == ThemeRelation.BROADER:
            broader.setdefault(source.id, []).append(target)
            narrower.setdefault(target.id, []).append(source)
        else:
            related.setdefault(source.id, {})[target.id] = target
            related.setdefault(target.id, {})[source.id] = source
    counts = subtree_counts(_theme_tree(), item_theme.c.theme_id)
    languages = display.content_languages()

    def by_label(rows):
        return sorted(rows, key=lambda t: t.label(languages).casefold())

    return render_template(
        "themes/index.html",
        top=by_label(t for t in concepts if t.id not in broader),
        broader={k: by_label(v) for k, v in broader.items()},
        narrower={k: by_label(v) for k, v in narrower.items()},
        related={k: by_label(v.values()) for k, v in related.items()},
        counts=counts,
    )


def _theme_or_404(slug: str) -> Theme:
    display.require_sane_slug(slug)
    theme = Theme.by_slug(slug)
    if theme is None:
        abort(404)
    return theme


@bp.get("/themes/<slug>")
@bp.get("/themes/<slug>.<any(jsonld, ttl, nt, rdf):fmt>")
@lang_is_a_facet
def theme(slug: str, fmt: str | None = None):
    """Show a concept, its neighbours in the thesaurus and the items it indexes."""
    concept = _theme_or_404(slug)
    base_url = current_app.config["SETTINGS"].base_url

    def html() -> str:
        return render_template(
            "themes/show.html",
            theme=concept,
            listing=_listing("theme", concept.slug),
            broader=concept.targets(ThemeRelation.BROADER),
            narrower=concept.narrower(),
            related=concept.related(),
            alternates=alternates(concept.iri),
        )

    return represent(lambda: concept.to_object(scheme=f"{base_url}/themes/"), html, fmt)


@bp.get("/territories")
def territories():
    """List territories as a tree: regions, then what lies within them."""
    rows = db.session.scalars(select(Territory)).all()
    languages = display.content_languages()
    children: dict[int | None, list[Territory]] = {}
    ids = {t.id for t in rows}
    for row in rows:
        parent = row.parent_id if row.parent_id in ids else None
        children.setdefault(parent, []).append(row)
    for members in children.values():
        members.sort(key=lambda t: t.label(languages).casefold())
    counts = subtree_counts(_territory_tree(), item_territory.c.territory_id)
    return render_template("territories/index.html", children=children, counts=counts)


@bp.get("/territories/<slug>")
@bp.get("/territories/<slug>.<any(jsonld, ttl, nt, rdf):fmt>")
@lang_is_a_facet
def territory(slug: str, fmt: str | None = None):
    """Show a territory, where it lies, what it contains and the items rooted in it."""
    display.require_sane_slug(slug)
    place = Territory.by_slug(slug)
    if place is None:
        abort(404)

    def html() -> str:
        languages = display.content_languages()
        return render_template(
            "territories/show.html",
            territory=place,
            listing=_listing("territory", place.slug),
            children=sorted(place.children, key=lambda t: t.label(languages).casefold()),
            alternates=alternates(place.iri),
        )

    return represent(place.to_object, html, fmt)

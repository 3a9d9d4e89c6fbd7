"""Browsing: the home page, lists per kind, the thesaurus and the territories."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import Select, func, select

from server.extensions import db
from server.models import Actor, Item, ItemStatus, NodeSettings, Territory, Theme, ThemeRelation
from server.models.item import item_theme
from server.models.theme import ThemeLink
from server.views import display
from server.views.negotiation import alternates, represent
from vocab import kinds

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
    counts = dict(
        db.session.execute(
            select(item_theme.c.theme_id, func.count(Item.id))
            .join(Item, Item.id == item_theme.c.item_id)
            .where(Item.status == ItemStatus.PUBLISHED, Item.hidden.is_(False))
            .group_by(item_theme.c.theme_id)
        ).all()
    )
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
def theme(slug: str, fmt: str | None = None):
    """Show a concept, its neighbours in the thesaurus and the items it indexes."""
    concept = _theme_or_404(slug)
    base_url = current_app.config["SETTINGS"].base_url

    def html() -> str:
        page = paginate(visible(select(Item).where(Item.themes.any(Theme.id == concept.id))))
        return render_template(
            "themes/show.html",
            theme=concept,
            page=page,
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
    return render_template("territories/index.html", children=children)


@bp.get("/territories/<slug>")
@bp.get("/territories/<slug>.<any(jsonld, ttl, nt, rdf):fmt>")
def territory(slug: str, fmt: str | None = None):
    """Show a territory, where it lies, what it contains and the items rooted in it."""
    display.require_sane_slug(slug)
    place = Territory.by_slug(slug)
    if place is None:
        abort(404)

    def html() -> str:
        page = paginate(visible(select(Item).where(Item.territories.any(Territory.id == place.id))))
        languages = display.content_languages()
        return render_template(
            "territories/show.html",
            territory=place,
            page=page,
            children=sorted(place.children, key=lambda t: t.label(languages).casefold()),
            alternates=alternates(place.iri),
        )

    return represent(place.to_object, html, fmt)

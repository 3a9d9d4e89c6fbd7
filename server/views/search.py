"""Search: `/search` as a page, as JSON and as an Atom feed, and the facets theme and
territory pages share (CONTRACT.md, "Finding").

The engine (`server.search`) finds; this module reads the request into its `Query`, and
turns its `Results` into links that add or remove one facet value at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from urllib.parse import urlencode

from babel.numbers import get_group_symbol
from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from flask_babel import get_locale, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from server.forms.choices import KIND_LABELS, language_name
from server.harvest import feeds
from server.i18n import lang_is_a_facet
from server.search import FacetValue, Hit, Query, Results, SearchError, search
from server.search.engine import found_by
from server.views import display, maps
from server.views.negotiation import accepted
from server.views.rate_limits import limited
from vocab.codec import host_of

bp = Blueprint("search", __name__)

# The facets in the contract's order, with their names on the page.
FACETS = {
    "kind": _l("Kind"),
    "theme": _l("Theme"),
    "territory": _l("Territory"),
    "node": _l("Origin node"),
    "lang": _l("Language"),
    "licence": _l("Licence"),
    "year": _l("Year"),
}
QUERY_KEYS = ("q", *FACETS, "sort", "page")
SHOWN_VALUES = 8  # values of a facet shown before "more"


def query_args(fixed: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Return the request's search arguments, with the values a page applies itself."""
    args = {key: request.args.getlist(key) for key in QUERY_KEYS if key in request.args}
    for key, value in (fixed or {}).items():
        args[key] = [value]
    if not "".join(args.get("q", [])).strip() and "sort" not in args:
        args["sort"] = ["date"]  # nothing to rank by: newest first
    return args


def run(fixed: dict[str, str] | None = None) -> Results:
    """Search with the request's arguments; raise SearchError for an unusable one. Facets
    and snippets come in the reader's languages, values labelled as the pages name them."""
    results = search(Query.from_args(query_args(fixed)), tuple(display.content_languages()))
    for name, label in (("kind", _kind_label), ("lang", language_name), ("node", _node_label)):
        results.facets[name] = [
            replace(value, label=label(value.value)) for value in results.facets.get(name, [])
        ]
    return results


def _kind_label(name: str) -> str:
    return str(KIND_LABELS.get(name, name))


def _node_label(host: str) -> str:
    """This node by its name, another by its host (its name is not stored here)."""
    own = host_of(current_app.config["SETTINGS"].base_url)
    return display.node_name() if host == own else host


@dataclass
class Listing:
    """One search as a page shows it: its results and the links that change it.

    Links keep every other argument of the page (the interface language, `read`, `view`)
    and go back to page 1 whenever the set of results changes.
    """

    results: Results | None
    fixed: tuple[str, ...] = ()  # facets the page applies itself (a theme page's theme)
    error: str = ""

    @cached_property
    def pairs(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in request.args.items(multi=True) if k != "page"]

    @cached_property
    def _encoded(self) -> str:
        return urlencode(self.pairs)

    def url(self, pairs: list[tuple[str, str]]) -> str:
        return request.path + ("?" + urlencode(pairs) if pairs else "")

    def adding(self, key: str, value: str) -> str:
        # A page lists hundreds of facet values: the request's own pairs are encoded once.
        if (key, value) in self.pairs:
            return self.url(self.pairs)
        prefix = self._encoded + "&" if self._encoded else ""
        return f"{request.path}?{prefix}{urlencode([(key, value)])}"

    @cached_property
    def _group(self) -> str:
        return get_group_symbol(str(get_locale() or "en"))

    def number(self, count: int) -> str:
        """A count as the reader's language writes it (Babel's grouping symbol; counts
        are whole numbers, grouped by three in French and English)."""
        return f"{count:,}".replace(",", self._group)

    def items_word(self, count: int) -> str:
        """ "item" or "items" for a count, in the reader's language."""
        return get_translations().ngettext("item", "items", count)

    def removing(self, key: str, value: str) -> str:
        return self.url([p for p in self.pairs if p != (key, value)])

    def clearing(self) -> str:
        return self.url([(k, v) for k, v in self.pairs if k not in FACETS])

    def sorting(self, sort: str) -> str:
        return self.url([(k, v) for k, v in self.pairs if k != "sort"] + [("sort", sort)])

    def paging(self, number: int) -> str:
        pairs = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
        return self.url(pairs + ([("page", str(number))] if number > 1 else []))

    @property
    def feed_url(self) -> str:
        """Return the address of this search's Atom feed."""
        pairs = [(k, v) for k, v in self.pairs if k in QUERY_KEYS and k != "sort"]
        return "/search/feed.atom" + ("?" + urlencode(pairs) if pairs else "")

    @property
    def query(self) -> Query:
        return self.results.query if self.results else Query()

    @property
    def pages(self) -> int:
        if not self.results:
            return 0
        return max(1, -(-self.results.total // self.results.query.per_page))

    def label(self, key: str, value: FacetValue) -> str:
        if key == "lang" and value.label == value.value:
            return language_name(value.value)
        return value.label

    @property
    def facets(self) -> list[tuple[str, str, list[FacetValue]]]:
        """Return (key, name, values) for each facet with values, in the contract's order."""
        if not self.results:
            return []
        return [
            (key, str(name), self.results.facets.get(key, []))
            for key, name in FACETS.items()
            if key not in self.fixed and self.results.facets.get(key)
        ]

    @property
    def filters(self) -> list[tuple[str, str, str]]:
        """Return (facet name, value label, removal link) for each value the person chose."""
        chosen = []
        for key, name in FACETS.items():
            if key in self.fixed:
                continue
            known = {v.value: v for v in (self.results.facets.get(key, []) if self.results else [])}
            for value in dict.fromkeys(request.args.getlist(key)):
                label = self.label(key, known[value]) if value in known else value
                chosen.append((str(name), label, self.removing(key, value)))
        return chosen


def _text(langmap: dict[str, str] | None) -> str:
    return display.localized(langmap).text


def as_json(results: Results) -> dict:
    """Shape results as CONTRACT.md's "Finding" says."""
    return {
        "total": results.total,
        "page": results.query.page,
        "items": [_hit_json(hit) for hit in results.hits],
        "facets": {
            key: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
            for key in FACETS
            for values in [results.facets.get(key, [])]
        },
    }


def _hit_json(hit: Hit) -> dict:
    item = hit.item
    return {
        "id": item.iri,
        "kind": item.kind,
        "title": _text(item.title),
        "summary": _text(item.summary),
        "origin": host_of(item.actor.origin),
        "snippet": str(hit.snippet),
    }


def wants_json() -> bool:
    """Return whether the client asks for JSON rather than the page; 406 for neither."""
    header = request.headers.get("Accept")
    if not header:
        return False
    accept = accepted(header)
    best = accept.best_match(["text/html", "application/json"])
    if best is None:
        abort(406)
    return best == "application/json" and not (
        accept["text/html"] > 0 and accept["text/html"] >= accept["application/json"]
    )


@bp.get("/search")
@limited("search")
@lang_is_a_facet
def index():
    """Search every item, local and followed, with facets: a page, or JSON on request."""
    machine = wants_json()
    try:
        results = run()
    except SearchError as error:
        if machine:
            return jsonify(error=_("Bad request"), detail=str(error)), 400
        listing = Listing(None, error=str(error))
        return render_template("search/index.html", listing=listing), 400
    if machine:
        response = jsonify(as_json(results))
    else:
        response = Response(render_template("search/index.html", listing=Listing(results)))
    response.headers.add("Vary", "Accept")
    return response


@bp.get("/search/map.json")
@limited("search")
@lang_is_a_facet
def map_json():
    """Place every item the search finds (all its pages) on a map: the search's map view."""
    try:
        query = Query.from_args(request.args)
    except SearchError as error:
        return jsonify(error=_("Bad request"), detail=str(error)), 400
    return jsonify(maps.points(found_by(query)).as_json())


@bp.get("/search/feed.atom")
@limited("search")
@lang_is_a_facet
def feed():
    """Answer the same search as an Atom feed, newest first, for a feed reader."""
    try:
        results = run({"sort": "date"})
    except SearchError as error:
        return Response(str(error), status=400, content_type="text/plain; charset=utf-8")
    settings = current_app.config["SETTINGS"]
    text = results.query.text
    title = _("Search: %(text)s", text=text) if text else _("Search")
    pairs = urlencode(list(request.args.items(multi=True)))
    suffix = "?" + pairs if pairs else ""
    atom = feeds.Feed(
        title=f"{title} · {display.node_name()}",
        description=_(
            "The newest items matching this search, on %(name)s and the nodes it follows.",
            name=display.node_name(),
        ),
        page_url=f"{settings.base_url}/search{suffix}",
        self_url=f"{settings.base_url}/search/feed.atom{suffix}",
        language=str(get_locale() or "en"),
        base_url=settings.base_url,
        author=display.node_name(),
        # Like the node's own feeds, leave out what its authors asked not to spread.
        items=[hit.item for hit in results.hits if hit.item.indexable],
    )
    body = feeds.atom(atom, display.content_languages())
    return Response(body, content_type="application/atom+xml; charset=utf-8")

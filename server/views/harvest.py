"""Harvest endpoints: VoID/DCAT-AP, dumps, SPARQL, OAI-PMH, feeds, sitemaps."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_file,
    stream_with_context,
)
from sqlalchemy import select

from server.extensions import csrf
from server.harvest import dumps, feeds, oai, sitemap, void
from server.harvest import sparql_protocol as protocol
from server.models import Item, NodeSettings, Territory, Theme, pick
from server.models.item import item_territory, item_theme
from server.sparql import client as sparql_client
from server.views.rate_limits import limited

bp = Blueprint("harvest", __name__)
csrf.exempt(bp)  # machine clients POST to /sparql and /oai without a form token


@bp.after_request
def _open_to_scripts(response: Response) -> Response:
    """Let browser-based harvesters (SPARQL editors, notebooks) read the public data."""
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    return response


RDF_TYPES = {
    "text/turtle": ("turtle", "text/turtle; charset=utf-8"),
    "application/n-triples": ("nt", "application/n-triples"),
    "application/ld+json": ("json-ld", "application/ld+json"),
    "application/rdf+xml": ("xml", "application/rdf+xml"),
}
XML = "text/xml; charset=utf-8"


def _base_url() -> str:
    return current_app.config["SETTINGS"].base_url


def _conditional(
    body: str | bytes, content_type: str, last_modified: datetime | None = None
) -> Response:
    """Answer with an ETag (and Last-Modified when known); 304 when the client has it."""
    data = body.encode() if isinstance(body, str) else body
    response = Response(data, content_type=content_type)
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Vary"] = "Accept"
    return response.make_conditional(request)


def _rdf(graph, prefer: str = "text/turtle") -> Response:
    media = request.accept_mimetypes.best_match([prefer, *RDF_TYPES]) or prefer
    fmt, content_type = RDF_TYPES.get(media, RDF_TYPES[prefer])
    return _conditional(graph.serialize(format=fmt, encoding="utf-8"), content_type)


# --- description and dumps ------------------------------------------------------------


@bp.get("/.well-known/void", endpoint="void")
def void_description() -> Response:
    """Describe the dataset in VoID and DCAT-AP (Turtle unless asked otherwise)."""
    manifest = dumps.ensure_snapshot()
    return _rdf(void.describe(_base_url(), manifest))


@bp.get("/dumps/<any('dataset.nt', 'dataset.nt.gz', 'dataset.ttl', 'dataset.jsonld'):name>")
def dump(name: str) -> Response:
    """Serve a snapshot file: the bytes the DCAT description's size and checksum describe."""
    manifest = dumps.ensure_snapshot()
    fmt = next(key for key, (file_name, _) in dumps.FILES.items() if file_name == name)
    info = manifest["files"][fmt]
    path = dumps.snapshot_path(manifest, fmt)
    generated = datetime.strptime(manifest["generated_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=UTC
    )
    response = send_file(
        path,
        mimetype=info["media_type"],
        conditional=True,
        etag=info["sha256"],
        last_modified=generated,
        max_age=60,
        download_name=name,
    )
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# --- SPARQL ---------------------------------------------------------------------------


@bp.route("/sparql", methods=["GET", "POST"])
@limited("sparql")
def sparql() -> Response | tuple[str, int]:
    """Answer the SPARQL 1.1 Protocol (read-only), or show the query form to people."""
    choice = protocol.choose(request.accept_mimetypes, request.values.to_dict())
    try:
        query = protocol.query_of(request)
    except protocol.ProtocolError as exc:
        return _sparql_error(choice, exc.status, str(exc))
    if query is None:
        if choice.html:
            return _form("")
        return _rdf(void.service_description(_base_url()))
    if choice.html:
        answer = sparql_client.query(current_app, query, "json", "turtle")
    else:
        answer = sparql_client.query(current_app, query, choice.select, choice.graph)
    if answer.status == "ok":
        if choice.html:
            return _form(query, answer)
        response = Response(answer.body, content_type=answer.content_type)
        response.headers["Vary"] = "Accept"
        response.headers["Cache-Control"] = "no-store"
        return response
    status, message = _failure(answer)
    return _sparql_error(choice, status, message, query)


def _failure(answer: sparql_client.Answer) -> tuple[int, str]:
    lim = sparql_client.limits(current_app)
    if answer.status == "timeout":
        return 400, (
            f"Query timed out: it ran past the time limit of {lim.timeout:g} s and was "
            "stopped. Narrow it (fewer patterns, a LIMIT) and try again."
        )
    if answer.status == "busy":
        return 503, "The SPARQL endpoint is busy with other queries: retry in a few seconds."
    if answer.status == "loading":
        return 503, "The SPARQL index is loading: retry in a few seconds."
    if answer.status == "error":
        return 400, f"Query refused: {answer.message}"
    if answer.status == "failed":
        return 400, f"Query stopped: {answer.message}"
    return 503, f"The query could not be answered: {answer.message}"


def _sparql_error(
    choice: protocol.Choice, status: int, message: str, query: str = ""
) -> Response | tuple[str, int]:
    if choice.html:
        return _form(query, error=message), status
    response = Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response


def _form(query: str, answer: sparql_client.Answer | None = None, error: str = "") -> str:
    table, graph_text = None, ""
    if answer is not None and answer.content_type.startswith("application/sparql-results+json"):
        doc = json.loads(answer.body)
        names = doc.get("head", {}).get("vars", [])
        rows = [
            [b.get(n) for n in names] for b in doc.get("results", {}).get("bindings", [])[:1000]
        ]
        table = {"names": names, "rows": rows, "boolean": doc.get("boolean")}
    elif answer is not None:
        graph_text = answer.body.decode(errors="replace")
    example = (
        "PREFIX dct: <http://purl.org/dc/terms/>\nPREFIX commons: <https://w3id.org/transition-commons/ns#>\n\n"
        "SELECT ?theme (COUNT(?experience) AS ?experiences) WHERE {\n"
        "  ?experience a commons:Experience ; dct:subject ?theme .\n"
        "} GROUP BY ?theme ORDER BY DESC(?experiences)"
    )
    return render_template(
        "harvest/sparql.html",
        query=query or example,
        table=table,
        graph_text=graph_text,
        error=error,
        limits=sparql_client.limits(current_app),
    )


# --- OAI-PMH --------------------------------------------------------------------------


@bp.route("/oai", methods=["GET", "POST"], endpoint="oai")
@limited("oai")
def oai_pmh() -> Response:
    """Answer OAI-PMH 2.0; protocol errors are HTTP 200 with an <error> element."""
    args = request.form if request.method == "POST" else request.args
    node = NodeSettings.get()
    settings = current_app.config["SETTINGS"]
    repo = oai.Repository(
        base_url=_base_url(),
        name=node.name or settings.node_name or _base_url(),
        admin_email=oai.admin_email(
            _base_url(), current_app.config.get("CONTACT_EMAIL") or _env("COMMONS_CONTACT_EMAIL")
        ),
    )
    body = oai.handle({key: args.getlist(key) for key in args}, repo)
    return Response(body, content_type=XML)


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


# --- feeds ----------------------------------------------------------------------------


def _feed(fmt: str, title: str, page: str, items: list[Item]) -> Response:
    node = NodeSettings.get()
    languages = list(node.languages or ["fr", "en"])
    name = node.name or current_app.config["SETTINGS"].node_name or _base_url()
    description = pick(node.description, languages) or title
    feed = feeds.Feed(
        title=title,
        description=description,
        page_url=page,
        self_url=request.base_url,
        language=languages[0],
        base_url=_base_url(),
        author=name,
        items=items,
    )
    if fmt == "atom":
        body, content_type = feeds.atom(feed, languages), "application/atom+xml; charset=utf-8"
    else:
        body, content_type = feeds.rss(feed, languages), "application/rss+xml; charset=utf-8"
    return _conditional(body, content_type, feed.updated)


def _local_only() -> bool:
    return request.args.get("local") == "1"


@bp.get("/feed.<any(atom, rss):fmt>")
def node_feed(fmt: str) -> Response:
    """The latest items of the whole node."""
    node = NodeSettings.get()
    name = node.name or current_app.config["SETTINGS"].node_name or _base_url()
    return _feed(fmt, name, f"{_base_url()}/", feeds.latest(local_only=_local_only()))


@bp.get("/themes/<slug>/feed.<any(atom, rss):fmt>")
def theme_feed(slug: str, fmt: str) -> Response:
    """The latest items about one theme."""
    theme = Theme.by_slug(slug) or abort(404)
    languages = NodeSettings.get().languages or ["fr", "en"]
    items = feeds.latest(
        Item.id.in_(_ids(item_theme.c.item_id, item_theme.c.theme_id == theme.id)),
        local_only=_local_only(),
    )
    return _feed(fmt, theme.label(languages), f"{_base_url()}/themes/{slug}", items)


@bp.get("/territories/<slug>/feed.<any(atom, rss):fmt>")
def territory_feed(slug: str, fmt: str) -> Response:
    """The latest items rooted in one territory."""
    place = Territory.by_slug(slug) or abort(404)
    languages = NodeSettings.get().languages or ["fr", "en"]
    condition = item_territory.c.territory_id == place.id
    items = feeds.latest(
        Item.id.in_(_ids(item_territory.c.item_id, condition)), local_only=_local_only()
    )
    return _feed(fmt, place.label(languages), f"{_base_url()}/territories/{slug}", items)


def _ids(column: Any, condition: Any) -> Any:
    return select(column).where(condition)


# --- sitemaps -------------------------------------------------------------------------


@bp.get("/sitemap.xml")
def sitemap_xml() -> Response:
    """One sitemap, or an index of sitemaps once there are more than 50,000 URLs."""
    base = _base_url()
    total = sitemap.count_urls(base)
    if total > sitemap.MAX_URLS:
        pages = -(-total // sitemap.MAX_URLS)
        return _conditional(sitemap.index(base, pages), XML)
    return _conditional("".join(sitemap.urlset(sitemap.urls(base))), XML)


@bp.get("/sitemap-<int:number>.xml")
def sitemap_page(number: int) -> Response:
    """Page `number` of a large sitemap."""
    base = _base_url()
    total = sitemap.count_urls(base)
    if number < 1 or (number - 1) * sitemap.MAX_URLS >= max(total, 1) or total <= sitemap.MAX_URLS:
        abort(404)
    entries = sitemap.urls(base, (number - 1) * sitemap.MAX_URLS, sitemap.MAX_URLS)
    return Response(stream_with_context(sitemap.urlset(entries)), content_type=XML)

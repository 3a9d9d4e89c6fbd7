"""The SPARQL 1.1 Protocol's side of a request: where the query is, which format to answer.

GET `?query=`, POST form (`query=`) and POST `application/sparql-query` carry a query;
`update=` and `application/sparql-update` are refused (the endpoint is read-only). The
dataset parameters (`default-graph-uri`, `named-graph-uri`) and any other parameter are
ignored: the default graph is always the whole dataset. Results follow `Accept`; a
`format` or `output` parameter naming a known format (as some clients send) wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept
from werkzeug.wrappers import Request

from server.sparql.results import GRAPH_FORMATS, SELECT_FORMATS

MAX_QUERY = 64 * 1024
READ_ONLY = "this endpoint is read-only: SPARQL Update is not accepted"

_SELECT_TYPES = {
    **{media: name for name, media in SELECT_FORMATS.items()},
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}
_GRAPH_TYPES = {
    **{media: name for name, media in GRAPH_FORMATS.items()},
    "application/x-turtle": "turtle",
    "text/n3": "turtle",
    "application/json": "jsonld",
    "text/plain": "nt",
}
_NAMES = {  # `format`/`output` values -> (select format, graph format)
    "json": ("json", "jsonld"),
    "xml": ("xml", "rdfxml"),
    "csv": ("csv", None),
    "tsv": ("tsv", None),
    "turtle": (None, "turtle"),
    "ttl": (None, "turtle"),
    "n3": (None, "turtle"),
    "nt": (None, "nt"),
    "ntriples": (None, "nt"),
    "n-triples": (None, "nt"),
    "json-ld": (None, "jsonld"),
    "jsonld": (None, "jsonld"),
    "rdf+xml": (None, "rdfxml"),
    "rdfxml": (None, "rdfxml"),
    "rdf": (None, "rdfxml"),
}


class ProtocolError(ValueError):
    """A request the protocol does not allow; `status` is the HTTP code to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def query_of(request: Request) -> str | None:
    """Return the request's query (None when it has none), or raise ProtocolError."""
    if request.method == "GET":
        if "update" in request.args:
            raise ProtocolError(READ_ONLY)
        values = request.args.getlist("query")
    else:
        mimetype = request.mimetype
        if mimetype == "application/sparql-update":
            raise ProtocolError(READ_ONLY)
        if mimetype == "application/sparql-query":
            if (request.content_length or 0) > MAX_QUERY:
                raise ProtocolError(f"the query is longer than {MAX_QUERY} bytes")
            values = [request.get_data(cache=False, as_text=True)]
        elif mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            if "update" in request.form:
                raise ProtocolError(READ_ONLY)
            values = request.form.getlist("query")
        else:
            raise ProtocolError(
                "send the query as application/sparql-query or as a form field named query", 415
            )
    if len(values) > 1:
        raise ProtocolError("give exactly one query parameter")
    if not values:
        return None
    query = values[0]
    if len(query.encode()) > MAX_QUERY:
        raise ProtocolError(f"the query is longer than {MAX_QUERY} bytes")
    if not query.strip():
        raise ProtocolError("the query is empty")
    return query


@dataclass(frozen=True)
class Choice:
    """The formats to answer in: for SELECT/ASK, for CONSTRUCT/DESCRIBE, or an HTML page."""

    select: str
    graph: str
    html: bool


def wants_html(accept: MIMEAccept) -> bool:
    """Return whether a person's browser asked (text/html named, preferred to our formats)."""
    named = dict(accept)
    if named.get("text/html", 0) <= 0:
        return False
    others = [q for media, q in named.items() if media in _SELECT_TYPES or media in _GRAPH_TYPES]
    return named["text/html"] >= max(others, default=0)


def choose(accept: MIMEAccept, params: dict[str, str]) -> Choice:
    """Pick the answer formats from `format`/`output`, else `Accept`, else JSON and Turtle."""
    select = accept.best_match(list(_SELECT_TYPES))
    graph = accept.best_match(list(_GRAPH_TYPES))
    chosen_select = _SELECT_TYPES.get(select or "", "json")
    chosen_graph = _GRAPH_TYPES.get(graph or "", "turtle")
    for key in ("format", "output"):
        named = _NAMES.get((params.get(key) or "").strip().lower().split(";")[0].rsplit("/", 1)[-1])
        if named:
            chosen_select = named[0] or chosen_select
            chosen_graph = named[1] or chosen_graph
            break
    return Choice(chosen_select, chosen_graph, wants_html(accept))

"""Content negotiation: one IRI, every representation, chosen by the Accept header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, abort, request
from werkzeug.datastructures import MIMEAccept

AS2_PROFILE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

# media type -> (format name for vocab.rdf.serialize, Content-Type answered)
RDF_TYPES: dict[str, tuple[str, str]] = {
    "application/activity+json": ("jsonld", "application/activity+json"),
    "application/ld+json": ("jsonld", AS2_PROFILE),
    "application/json": ("jsonld", "application/activity+json"),
    "text/turtle": ("turtle", "text/turtle; charset=utf-8"),
    "application/n-triples": ("nt", "application/n-triples"),
    "application/rdf+xml": ("rdfxml", "application/rdf+xml"),
}
OFFERED = ["text/html", *RDF_TYPES]
# Format-suffixed alternates: suffix -> (format, Content-Type).
SUFFIXES = {
    "jsonld": ("jsonld", AS2_PROFILE),
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "nt": ("nt", "application/n-triples"),
    "rdf": ("rdfxml", "application/rdf+xml"),
}


def accepted(header: str) -> MIMEAccept:
    """Parse an Accept header keeping only media types and q-values.

    Werkzeug matches media-type parameters strictly, so `application/ld+json;
    profile="https://www.w3.org/ns/activitystreams"` (what Mastodon sends) would match no
    offer; the profile asks for the only JSON-LD we serve anyway.
    """
    values = []
    for part in header.split(","):
        media_type, *params = (p.strip() for p in part.split(";"))
        if not media_type:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
        values.append((media_type.lower(), quality))
    return MIMEAccept(values)


def chosen_type() -> str | None:
    """Return the offered media type the client prefers, or None when none fits."""
    if not request.headers.get("Accept"):
        return "text/html"
    accept = accepted(request.headers["Accept"])
    best = accept.best_match(OFFERED)
    if best is None:
        return None
    # A browser's "*/*" should not win over its explicit text/html.
    if best != "text/html" and accept["text/html"] >= accept[best] and accept["text/html"] > 0:
        return "text/html"
    return best


def represent(
    obj_fn: Callable[[], Any], html_fn: Callable[[], Any], fmt: str | None = None
) -> Response:
    """Answer with HTML or RDF for the same object, with `Vary: Accept`; 406 otherwise."""
    from vocab.rdf import serialize

    if fmt is not None:
        if fmt not in SUFFIXES:
            abort(404)
        name, content_type = SUFFIXES[fmt]
        response = Response(serialize(obj_fn(), name), content_type=content_type)
    else:
        media_type = chosen_type()
        if media_type is None:
            abort(406)
        if media_type == "text/html":
            response = html_fn()
            if not isinstance(response, Response):
                response = Response(response, content_type="text/html; charset=utf-8")
        else:
            name, content_type = RDF_TYPES[media_type]
            response = Response(serialize(obj_fn(), name), content_type=content_type)
    response.headers.add("Vary", "Accept")
    return response


def alternates(url: str) -> list[tuple[str, str]]:
    """Return (media type, URL) pairs for an HTML page's <link rel="alternate">."""
    return [
        ("application/activity+json", url),
        ("application/ld+json", f"{url}.jsonld"),
        ("text/turtle", f"{url}.ttl"),
        ("application/n-triples", f"{url}.nt"),
        ("application/rdf+xml", f"{url}.rdf"),
    ]

"""The vocabulary document at /ns: an HTML page for people, Turtle and JSON-LD for machines."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request

import vocab
from server.views.negotiation import accepted

bp = Blueprint("vocabulary", __name__)

ONTOLOGY = Path(vocab.__file__).parent / "commons.ttl"
FORMATS = {
    "text/turtle": ("turtle", "text/turtle; charset=utf-8"),
    "application/ld+json": ("json-ld", "application/ld+json"),
    "application/json": ("json-ld", "application/ld+json"),
    "application/n-triples": ("nt", "application/n-triples"),
    "application/rdf+xml": ("xml", "application/rdf+xml"),
}


@cache
def _ontology_graph():
    from rdflib import Graph

    return Graph().parse(ONTOLOGY, format="turtle")


@cache
def _serialised(fmt: str) -> str:
    if fmt == "turtle":
        return ONTOLOGY.read_text(encoding="utf-8")
    return _ontology_graph().serialize(format=fmt)


@bp.get("/ns")
def ontology() -> Response:
    """Serve the vocabulary, negotiated; `Vary: Accept`."""
    if not request.headers.get("Accept"):
        best = "text/html"
    else:
        accept = accepted(request.headers["Accept"])
        best = accept.best_match(["text/html", *FORMATS])
        if (
            best
            and best != "text/html"
            and accept["text/html"] >= accept[best]
            and accept["text/html"]
        ):
            best = "text/html"
    if best is None:
        abort(406)
    if best == "text/html":
        response = Response(render_template("vocabulary.html", terms=_terms()))
    else:
        fmt, content_type = FORMATS[best]
        response = Response(_serialised(fmt), content_type=content_type)
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@cache
def _terms() -> list[dict[str, object]]:
    """List every class and property with its labels and comments per language."""
    from rdflib import OWL, RDF, RDFS

    from vocab.terms import COMMONS_NS

    graph = _ontology_graph()
    kinds = {
        OWL.Class: "class",
        RDFS.Class: "class",
        OWL.ObjectProperty: "property",
        OWL.DatatypeProperty: "property",
        RDF.Property: "property",
        OWL.AnnotationProperty: "property",
        OWL.NamedIndividual: "individual",
    }
    terms: dict[str, dict[str, object]] = {}
    for rdf_type, kind in kinds.items():
        for subject in graph.subjects(RDF.type, rdf_type):
            iri = str(subject)
            if not iri.startswith(COMMONS_NS):
                continue
            entry = terms.setdefault(
                iri,
                {
                    "iri": iri,
                    "name": iri[len(COMMONS_NS) :],
                    "kind": kind,
                    "label": {},
                    "comment": {},
                    "parents": [],
                },
            )
            for label in graph.objects(subject, RDFS.label):
                entry["label"][getattr(label, "language", None) or "en"] = str(label)
            for comment in graph.objects(subject, RDFS.comment):
                entry["comment"][getattr(comment, "language", None) or "en"] = str(comment)
            for parent in (
                *graph.objects(subject, RDFS.subClassOf),
                *graph.objects(subject, RDFS.subPropertyOf),
            ):
                if str(parent) not in entry["parents"]:
                    entry["parents"].append(str(parent))
    order = {"class": 0, "property": 1, "individual": 2}
    return sorted(terms.values(), key=lambda t: (order[t["kind"]], t["name"]))

"""Graph building, serialisation and safe parsing for the node's objects.

One path for every format: `to_jsonld()` is the single mapping from fields to terms;
`triples.compile_document()` turns that JSON-LD into triples directly; pyoxigraph writes
Turtle, N-Triples and RDF/XML from them (rdflib's serialisers are ten times slower).
rdflib is kept for SHACL and as the reference JSON-LD parser in tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol

import pyoxigraph as ox
import rdflib
from rdflib.term import Node as RdflibNode

from vocab.context import VocabError, expand_contexts
from vocab.triples import Lit, Triple, compile_document

Format = Literal["jsonld", "turtle", "nt", "rdfxml"]

MEDIA_TYPES: dict[str, str] = {
    "jsonld": "application/ld+json",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "rdfxml": "application/rdf+xml",
}

_OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}
_RDFLIB_FORMATS = {"turtle": "turtle", "nt": "nt", "rdfxml": "xml", "jsonld": "json-ld"}

# Prefixes offered to Turtle and RDF/XML; only those a graph uses are written.
PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "as": "https://www.w3.org/ns/activitystreams#",
    "commons": "https://w3id.org/transition-commons/ns#",
    "schema": "https://schema.org/",
    "dct": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "cc": "http://creativecommons.org/ns#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "toot": "http://joinmastodon.org/ns#",
    "sec": "https://w3id.org/security#",
    "ldp": "http://www.w3.org/ns/ldp#",
}


class Publishable(Protocol):
    """Anything with `to_jsonld()`: every dataclass in `vocab.objects`."""

    def to_jsonld(self) -> dict[str, Any]: ...


def triples(obj: Publishable) -> list[Triple]:
    """Return the object's triples as neutral tuples (see `vocab.triples`)."""
    return compile_document(obj.to_jsonld())


# --- rdflib -------------------------------------------------------------------------


def _rdflib_term(node: str | Lit) -> RdflibNode:
    if isinstance(node, Lit):
        dt = None if node.datatype is None else rdflib.URIRef(node.datatype)
        return rdflib.Literal(node.value, lang=node.language, datatype=dt)
    if node.startswith("_:"):
        return rdflib.BNode(node[2:])
    return rdflib.URIRef(node)


def to_graph(obj: Publishable) -> rdflib.Graph:
    """Return the object as an rdflib Graph (built directly, no JSON-LD parsing)."""
    # No prefix bindings: binding costs more than adding the triples, and our serialisers
    # (pyoxigraph) take PREFIXES themselves.
    graph = rdflib.Graph(bind_namespaces="none")
    add = graph.add
    for s, p, o in triples(obj):
        add((_rdflib_term(s), rdflib.URIRef(p), _rdflib_term(o)))  # type: ignore[arg-type]
    return graph


# --- pyoxigraph ---------------------------------------------------------------------


@cache
def _named(iri: str) -> ox.NamedNode:
    # Predicates and types repeat across objects: build each NamedNode once.
    return ox.NamedNode(iri)


def _ox_term(node: str | Lit) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(node, Lit):
        if node.language is not None:
            return ox.Literal(node.value, language=node.language)
        if node.datatype is not None:
            return ox.Literal(node.value, datatype=_named(node.datatype))
        return ox.Literal(node.value)
    if node.startswith("_:"):
        return ox.BlankNode(node[2:])
    return ox.NamedNode(node)


def to_oxigraph(obj: Publishable) -> list[ox.Triple]:
    """Return the object's triples as pyoxigraph Triples (for a Store or a serialiser)."""
    try:
        return [ox.Triple(_ox_term(s), _named(p), _ox_term(o)) for s, p, o in triples(obj)]
    except ValueError as exc:  # an IRI or language tag pyoxigraph refuses
        raise VocabError(str(exc)) from exc


def _used_prefixes(triple_list: list[ox.Triple]) -> dict[str, str]:
    iris = {t.predicate.value for t in triple_list}
    for t in triple_list:
        obj = t.object
        if isinstance(obj, ox.NamedNode):
            iris.add(obj.value)
        elif isinstance(obj, ox.Literal):
            iris.add(obj.datatype.value)
    return {p: ns for p, ns in PREFIXES.items() if any(i.startswith(ns) for i in iris)}


def _subject_rank(obj: Publishable) -> Any:
    root = getattr(obj, "id", None)
    order: dict[str, int] = {}

    def rank(t: ox.Triple) -> tuple[int, int]:
        key = str(t.subject)
        return (0 if t.subject.value == root else 1, order.setdefault(key, len(order)))

    return rank


def serialize(obj: Publishable, fmt: Format | str) -> str:
    """Render one object as "jsonld", "turtle", "nt" or "rdfxml" text."""
    if fmt == "jsonld":
        return json.dumps(obj.to_jsonld(), ensure_ascii=False)
    if fmt not in _OX_FORMATS:
        raise VocabError(f"unknown RDF format {fmt!r}; expected one of {sorted(MEDIA_TYPES)}")
    # Group by subject, the object's own first, so that Turtle writes each subject once.
    triple_list = sorted(to_oxigraph(obj), key=_subject_rank(obj))
    prefixes = None if fmt == "nt" else _used_prefixes(triple_list)
    return ox.serialize(triple_list, format=_OX_FORMATS[fmt], prefixes=prefixes).decode()


# --- N-Triples for dumps ------------------------------------------------------------

_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _nt(node: str | Lit) -> str:
    if isinstance(node, Lit):
        text = '"' + node.value.translate(_ESCAPES) + '"'
        if node.language is not None:
            return f"{text}@{node.language}"
        return text if node.datatype is None else f"{text}^^<{node.datatype}>"
    if node.startswith("_:"):
        return node
    if _BAD_IRI.search(node):
        raise VocabError(f"{node!r} cannot be written as an IRI")
    return f"<{node}>"


def ntriples_lines(objects: Iterable[Publishable]) -> Iterator[str]:
    """Yield N-Triples lines (with "\\n") for many objects: the dump writer's inner loop.

    Plain f-strings, no RDF library: the fastest correct path (tests parse the output with
    pyoxigraph). Blank-node labels are derived from each object's IRI, so they never
    collide between objects and the same data gives the same bytes.
    """
    for obj in objects:
        for s, p, o in triples(obj):
            yield f"{_nt(s)} <{p}> {_nt(o)} .\n"


# --- parsing (never fetches anything) -----------------------------------------------


def _from_ox(term: Any) -> RdflibNode:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language is not None:
        return rdflib.Literal(term.value, lang=term.language)
    dt = term.datatype.value
    xsd_string = "http://www.w3.org/2001/XMLSchema#string"
    return rdflib.Literal(term.value, datatype=None if dt == xsd_string else rdflib.URIRef(dt))


def parse(
    data: str | bytes | dict[str, Any], fmt: Format | str, engine: str = "rdflib"
) -> rdflib.Graph:
    """Parse a document into an rdflib Graph with rdflib or pyoxigraph, never fetching.

    JSON-LD goes through `expand_contexts()` first, so a context we do not bundle raises
    ContextNotAllowed before any parser sees it. Malformed input raises VocabError.
    """
    if fmt not in _OX_FORMATS:
        raise VocabError(f"unknown RDF format {fmt!r}")
    if fmt == "jsonld":
        try:
            doc = json.loads(data) if isinstance(data, str | bytes) else data
        except ValueError as exc:
            raise VocabError(f"cannot parse jsonld: {exc}") from exc
        data = json.dumps(expand_contexts(doc))
    raw = data.encode() if isinstance(data, str) else data
    graph = rdflib.Graph(bind_namespaces="none")
    try:
        if engine == "rdflib":
            graph.parse(data=raw, format=_RDFLIB_FORMATS[fmt])
        elif engine == "oxigraph":
            for t in ox.parse(raw, format=_OX_FORMATS[fmt]):
                graph.add((_from_ox(t.subject), _from_ox(t.predicate), _from_ox(t.object)))
        else:
            raise VocabError(f"unknown parser {engine!r}")
    except VocabError:
        raise
    except Exception as exc:  # each parser has its own error types; callers need one
        raise VocabError(f"cannot parse {fmt}: {exc}") from exc
    return graph


def parse_jsonld(doc: dict[str, Any]) -> rdflib.Graph:
    """Parse a JSON-LD document (any context we bundle) with rdflib, never fetching."""
    return parse(doc, "jsonld")


@cache
def ontology_graph() -> rdflib.Graph:
    """Return the ontology (commons.ttl), parsed once; the server serves it at `/ns`."""
    graph = rdflib.Graph()
    graph.parse(Path(__file__).parent / "commons.ttl", format="turtle")
    return graph

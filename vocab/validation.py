"""Validate objects against the node's SHACL shapes, with reasons a person can read.

The federation inbox and the write API call `validate()` to accept or refuse an object;
an empty list means it conforms. SHACL runs without inference (six times slower with it),
the shapes graph is parsed and harvested once per process.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import Any

import rdflib
from pyshacl import Validator
from pyshacl.graph_abstraction import DataGraph
from pyshacl.shapes_graph import ShapesGraph
from rdflib.namespace import RDF, SH

from vocab.codec import BCP47
from vocab.context import CONTEXT, VocabError
from vocab.rdf import PREFIXES, parse_jsonld
from vocab.terms import AS, COMMONS
from vocab.triples import Lit, compile_document

SHAPES_PATH = Path(__file__).parent / "shapes.ttl"

# The classes a document must carry one of: anything else is not ours to accept.
KNOWN_CLASSES = frozenset(
    {
        COMMONS.Experience,
        COMMONS.GuidingPrinciple,
        COMMONS.Resource,
        COMMONS.Territory,
        COMMONS.Theme,
        AS.Organization,
    }
)

_lock = threading.Lock()


@cache
def shapes_graph() -> rdflib.Graph:
    """Return the shapes (shapes.ttl) as an rdflib Graph, parsed once."""
    return rdflib.Graph().parse(SHAPES_PATH, format="turtle")


@cache
def _harvested_shapes() -> ShapesGraph:
    # Harvesting the shapes costs a third of a validation; do it once, not per call.
    shapes = ShapesGraph(shapes_graph())
    shapes.shapes  # noqa: B018 - the property getter is what harvests
    return shapes


def validate(doc_or_graph: dict[str, Any] | rdflib.Graph) -> list[str]:
    """Return the reasons the object does not conform to the shapes; empty if it does.

    Takes a JSON-LD dict (as received by the inbox or the write API) or an rdflib Graph.
    Never fetches a context; a document it cannot read is refused with the reason why.
    """
    if isinstance(doc_or_graph, rdflib.Graph):
        graph = doc_or_graph
    else:
        try:
            graph = _graph_of(doc_or_graph)
        except (VocabError, ValueError, TypeError) as exc:
            return [f"unreadable document: {exc}"]
    reasons = _language_tags(graph)
    if not any((None, RDF.type, cls) in graph for cls in KNOWN_CLASSES):
        reasons.append(
            "type: not an Experience, GuidingPrinciple, Resource, Territory, Theme or Organization"
        )
    return reasons + _shacl(graph)


def _graph_of(doc: Any) -> rdflib.Graph:
    if not isinstance(doc, dict):
        raise VocabError(f"expected a JSON object, got {type(doc).__name__}")
    if doc.get("@context") == CONTEXT and isinstance(doc.get("id"), str):
        # Our own shape (what our peers send): compile directly, a key outside the
        # context is refused rather than dropped. Tests prove this graph equals rdflib's.
        graph = rdflib.Graph()
        for s, p, o in compile_document(doc):
            graph.add((_term(s), rdflib.URIRef(p), _term(o)))
        return graph
    return parse_jsonld(doc)


def _term(node: str | Lit) -> rdflib.term.Node:
    if isinstance(node, Lit):
        if not isinstance(node.value, str):
            raise VocabError(f"expected text, got {node.value!r}")
        dt = None if node.datatype is None else rdflib.URIRef(node.datatype)
        return rdflib.Literal(node.value, lang=node.language, datatype=dt)
    if node.startswith("_:"):
        return rdflib.BNode(node[2:])
    return rdflib.URIRef(node)


def _language_tags(graph: rdflib.Graph) -> list[str]:
    # rdflib accepts some tags BCP 47 forbids (e.g. "fr-"), and SHACL cannot check them.
    bad = {
        o.language
        for o in graph.objects()
        if isinstance(o, rdflib.Literal) and o.language and not BCP47.match(o.language)
    }
    return [f"language tag {tag!r} is not a well-formed BCP 47 tag" for tag in sorted(bad)]


def _shacl(graph: rdflib.Graph) -> list[str]:
    validator = Validator(
        DataGraph.from_rdflib(graph),
        shacl_graph=shapes_graph(),
        options={"inference": "none", "inplace": True, "advanced": False},
    )
    validator.shacl_graph = _harvested_shapes()
    with _lock:  # the harvested shapes are shared; pyshacl does not promise thread safety
        conforms, report, _text = validator.run()
    if conforms:
        return []
    return sorted(
        {_reason(report, result) for result in report.subjects(RDF.type, SH.ValidationResult)}
    )


def _reason(report: rdflib.Graph, result: rdflib.term.Node) -> str:
    message = report.value(result, SH.resultMessage)
    value = report.value(result, SH.value)
    focus = report.value(result, SH.focusNode)
    text = str(message)
    source = report.value(result, SH.sourceShape)
    if source is None or shapes_graph().value(source, SH.message) is None:
        # Our sh:message texts name the property; pyshacl's default messages may not.
        path = report.value(result, SH.resultPath)
        if path is not None:
            text = f"{_short(path)}: {text}"
    if value is not None and not isinstance(value, rdflib.BNode):
        text += f" (got {value.n3()})"
    if isinstance(focus, rdflib.BNode):
        text = "in a nested object, " + text
    return text


def _short(iri: Any) -> str:
    text = str(iri)
    for prefix, ns in PREFIXES.items():
        if text.startswith(ns):
            return f"{prefix}:{text[len(ns) :]}"
    return f"<{text}>"

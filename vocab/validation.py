"""Validate objects against the node's SHACL shapes, with reasons a person can read.

The federation inbox and the write API call `validate()` to accept or refuse an object;
an empty list means it conforms. SHACL runs without inference. The shapes are compiled
once per process by vocab.shacl_core (about a hundred times faster than pyshacl on our
objects); `validate_with_pyshacl()` runs the reference implementation on the same input,
and is what `validate()` falls back to if shapes.ttl ever uses something shacl_core does
not evaluate.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import rdflib
from pyshacl import Validator
from pyshacl.graph_abstraction import DataGraph
from pyshacl.shapes_graph import ShapesGraph
from rdflib.namespace import RDF, SH

from vocab import shacl_core
from vocab.codec import BCP47
from vocab.context import CONTEXT, VocabError
from vocab.rdf import PREFIXES, parse_jsonld
from vocab.terms import AS, COMMONS
from vocab.triples import Lit, compile_document

log = logging.getLogger("commons.validation")

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

_KNOWN_CLASS_IRIS = frozenset(str(cls) for cls in KNOWN_CLASSES)
_UNKNOWN_TYPE = (
    "type: not an Experience, GuidingPrinciple, Resource, Territory, Theme or Organization"
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


@cache
def compiled_shapes() -> shacl_core.Shapes | None:
    """Return shapes.ttl compiled by shacl_core, or None if it uses what that cannot do."""
    try:
        return shacl_core.compile_shapes(shapes_graph())
    except shacl_core.Unsupported as exc:
        log.warning("validating with pyshacl: shapes.ttl uses %s", exc)
        return None


def validate(doc_or_graph: dict[str, Any] | rdflib.Graph) -> list[str]:
    """Return the reasons the object does not conform to the shapes; empty if it does.

    Takes a JSON-LD dict (as received by the inbox or the write API) or an rdflib Graph.
    Never fetches a context; a document it cannot read is refused with the reason why.
    """
    shapes = compiled_shapes()
    if shapes is None or not _own_document(doc_or_graph):
        # Graphs and documents in other contexts go through rdflib, which rewrites some
        # literals as it reads them (an ill-typed boolean becomes "false"): only pyshacl
        # sees them as rdflib does. Our peers send our own context, the path below.
        return validate_with_pyshacl(doc_or_graph)
    try:
        triples = triples_of(doc_or_graph)
    except (VocabError, ValueError, TypeError) as exc:
        return [f"unreadable document: {exc}"]
    reasons = _language_tags(o.language for _, _, o in triples if isinstance(o, Lit))
    if not any(p == shacl_core.RDF_TYPE and o in _KNOWN_CLASS_IRIS for _, p, o in triples):
        reasons.append(_UNKNOWN_TYPE)
    return reasons + sorted({_core_reason(result) for result in shapes.validate(triples)})


def _own_document(doc: Any) -> bool:
    return (
        isinstance(doc, dict) and doc.get("@context") == CONTEXT and isinstance(doc.get("id"), str)
    )


def validate_with_pyshacl(doc_or_graph: dict[str, Any] | rdflib.Graph) -> list[str]:
    """`validate()` by pyshacl, the reference implementation (15 ms per object)."""
    if isinstance(doc_or_graph, rdflib.Graph):
        graph = doc_or_graph
    else:
        try:
            graph = _graph_of(doc_or_graph)
        except (VocabError, ValueError, TypeError) as exc:
            return [f"unreadable document: {exc}"]
    reasons = _language_tags(o.language for o in graph.objects() if isinstance(o, rdflib.Literal))
    if not any((None, RDF.type, cls) in graph for cls in KNOWN_CLASSES):
        reasons.append(_UNKNOWN_TYPE)
    return reasons + _shacl(graph)


def triples_of(doc_or_graph: dict[str, Any] | rdflib.Graph) -> list[tuple[str, str, Any]]:
    """Return a document's triples as shacl_core reads them."""
    if isinstance(doc_or_graph, rdflib.Graph):
        return shacl_core.from_rdflib(doc_or_graph)
    doc = doc_or_graph
    if not isinstance(doc, dict):
        raise VocabError(f"expected a JSON object, got {type(doc).__name__}")
    if _own_document(doc):
        triples = compile_document(doc)
        for _, _, o in triples:
            if isinstance(o, Lit) and not isinstance(o.value, str):
                raise VocabError(f"expected text, got {o.value!r}")
        return triples
    return shacl_core.from_rdflib(parse_jsonld(doc))


def _core_reason(result: shacl_core.Result) -> str:
    """Word a shacl_core result as `_reason` words pyshacl's."""
    text = result.message or result.detail
    if result.message is None and result.path:
        text = f"{_short(result.path)}: {text}"
    value = result.value
    if value is not None and not (isinstance(value, str) and value.startswith("_:")):
        text += f" (got {_n3(value)})"
    if isinstance(result.focus, str) and result.focus.startswith("_:"):
        text = "in a nested object, " + text
    return text


def _n3(value: Any) -> str:
    if isinstance(value, Lit):
        return shacl_core._rdflib_literal(value).n3()
    return rdflib.URIRef(value).n3()


def _graph_of(doc: Any) -> rdflib.Graph:
    if not isinstance(doc, dict):
        raise VocabError(f"expected a JSON object, got {type(doc).__name__}")
    if _own_document(doc):
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


def _language_tags(languages: Iterable[str | None]) -> list[str]:
    # rdflib accepts some tags BCP 47 forbids (e.g. "fr-"), and SHACL cannot check them.
    bad = {tag for tag in languages if tag and not BCP47.match(tag)}
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

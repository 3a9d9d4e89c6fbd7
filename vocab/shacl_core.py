"""SHACL Core, the part shapes.ttl uses, compiled once into Python checks.

Why our own: pyshacl, the reference implementation, takes about 15 ms per object here
(an rdflib graph per document, and a walk of the shapes graph per constraint). The inbox
validates every object a peer sends, and at that cost the worker could not keep up with
what the inbox accepts (bench/bench_federation.py). This module reads shapes.ttl itself,
so the shapes stay the one source of truth, and evaluates them on the document's triples
as compiled by vocab.triples, with no rdflib graph.

It follows the SHACL 1.0 specification for the constraint components listed in
`COMPONENTS` on predicate paths; `compile_shapes` refuses any other construct, and then
vocab.validation falls back to pyshacl. tests/vocab/test_shacl_core.py checks that this
and pyshacl give the same results, one by one, over valid and broken documents.
Literal well-formedness and ordering are rdflib's, as in pyshacl.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD

from vocab.triples import Lit

Term = str | Lit  # an IRI, a blank node ("_:" + id) or a literal
RDF_LANGSTRING = str(RDF.langString)
XSD_STRING = str(XSD.string)
RDF_TYPE = str(RDF.type)

# Constraint parameters this module evaluates, and the annotations it reads or ignores.
COMPONENTS = {
    SH.minCount: "MinCountConstraintComponent",
    SH.maxCount: "MaxCountConstraintComponent",
    SH.datatype: "DatatypeConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent",
    SH.pattern: "PatternConstraintComponent",
    SH.minLength: "MinLengthConstraintComponent",
    SH["in"]: "InConstraintComponent",
    SH.minInclusive: "MinInclusiveConstraintComponent",
    SH.maxInclusive: "MaxInclusiveConstraintComponent",
    SH.uniqueLang: "UniqueLangConstraintComponent",
    SH.hasValue: "HasValueConstraintComponent",
    SH.equals: "EqualsConstraintComponent",
    SH.lessThanOrEquals: "LessThanOrEqualsConstraintComponent",
    SH.node: "NodeConstraintComponent",
    SH["or"]: "OrConstraintComponent",
    SH.xone: "XoneConstraintComponent",
}
_STRUCTURE = {RDF.type, SH.path, SH.property, SH.targetClass, SH.message}
_ANNOTATIONS = {rdflib.RDFS.label, rdflib.RDFS.comment, SH.name, SH.description}


class Unsupported(ValueError):
    """The shapes use something this module does not evaluate."""


class Result(NamedTuple):
    """One violation, as a SHACL validation report states it."""

    focus: Term
    path: str | None
    value: Term | None
    component: str
    shape: str  # the source shape: an IRI, or "_:" for an unnamed one
    message: str | None  # the shape's sh:message
    detail: str  # what failed, in SHACL's terms (for shapes without a message)


@dataclass
class Shape:
    """A node shape or a property shape (with `path`), and its constraints in order."""

    id: str
    path: str | None = None
    message: str | None = None
    constraints: list[tuple[Any, Any]] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)


class Data:
    """The triples of one document, indexed by subject then predicate; a set, as RDF is."""

    def __init__(self, triples: Iterable[tuple[str, str, Term]]) -> None:
        index: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        seen: set[tuple[str, str, Term]] = set()
        for s, p, o in triples:
            if isinstance(o, Lit) and o.language:
                o = Lit(o.value, None, o.language.lower())  # RDF compares tags case-insensitively
            elif isinstance(o, Lit) and o.datatype == XSD_STRING:
                o = Lit(o.value, None, None)
            if (s, p, o) not in seen:
                seen.add((s, p, o))
                index[s][p].append(o)
        self.index = index

    def values(self, focus: Term, path: str) -> list[Term]:
        """The values of `path` at `focus` (the index's own list: read it, don't change it)."""
        if isinstance(focus, Lit):
            return []
        by_predicate = self.index.get(focus)
        return by_predicate.get(path, []) if by_predicate else []

    def instances(self, cls: str) -> list[str]:
        return [s for s, by_p in self.index.items() if cls in by_p.get(RDF_TYPE, ())]


class Shapes:
    """The compiled shapes: targeted node shapes, each with what it checks."""

    def __init__(self, targets: list[tuple[str, Shape]]) -> None:
        self.targets = targets

    def validate(self, triples: Iterable[tuple[str, str, Term]]) -> list[Result]:
        """Return every violation of the shapes by these triples (empty: conforms)."""
        data = Data(triples)
        results: list[Result] = []
        for cls, shape in self.targets:
            for focus in data.instances(cls):
                _check(shape, focus, data, results)
        return results


# --- compiling shapes.ttl -------------------------------------------------------------


def compile_shapes(graph: rdflib.Graph) -> Shapes:
    """Compile the shapes graph; raise Unsupported for anything outside COMPONENTS."""
    compiled: dict[rdflib.term.Node, Shape] = {}

    def shape(node: rdflib.term.Node) -> Shape:
        if node in compiled:
            return compiled[node]
        path = graph.value(node, SH.path)
        if path is not None and not isinstance(path, rdflib.URIRef):
            raise Unsupported(f"only predicate paths are supported (got {path!r})")
        message = graph.value(node, SH.message)
        result = compiled[node] = Shape(
            _name(node), str(path) if path is not None else None, str(message) if message else None
        )
        for predicate, obj in graph.predicate_objects(node):
            if predicate in _STRUCTURE or predicate in _ANNOTATIONS:
                continue
            if predicate not in COMPONENTS:
                raise Unsupported(f"{predicate} is not supported")
            kind = str(predicate).removeprefix(str(SH))
            result.constraints.append((kind, _parameter(graph, predicate, obj, shape)))
        result.constraints.sort(key=lambda c: list(COMPONENTS).index(SH[c[0]]))
        # Property shapes in a stable order, so results come in the same order every time.
        result.properties = [shape(p) for p in sorted(graph.objects(node, SH.property), key=str)]
        return result

    targets = [
        (str(cls), shape(node))
        for node, cls in sorted(graph.subject_objects(SH.targetClass), key=lambda t: str(t[0]))
    ]
    return Shapes(targets)


def _name(node: rdflib.term.Node) -> str:
    return "_:" if isinstance(node, rdflib.BNode) else str(node)


def _parameter(graph: rdflib.Graph, predicate, obj, shape) -> Any:
    if predicate in (SH.minCount, SH.maxCount, SH.minLength):
        return int(obj)
    if predicate == SH.uniqueLang:
        return bool(obj.toPython())
    if predicate == SH.pattern:
        if graph.value(None, SH.flags) is not None:
            raise Unsupported("sh:flags is not supported")
        return re.compile(str(obj))
    if predicate in (SH.datatype, SH.equals, SH.lessThanOrEquals):
        return str(obj)
    if predicate == SH.nodeKind:
        if obj != SH.IRI:
            raise Unsupported(f"sh:nodeKind {obj} is not supported")
        return "IRI"
    if predicate == SH["in"]:
        return [_from_rdflib(member) for member in Collection(graph, obj)]
    if predicate == SH.hasValue:
        return _from_rdflib(obj)
    if predicate in (SH.minInclusive, SH.maxInclusive):
        return obj  # an rdflib Literal: compared as rdflib compares
    if predicate == SH.node:
        return shape(obj)
    if predicate in (SH["or"], SH.xone):
        return [shape(member) for member in Collection(graph, obj)]
    raise Unsupported(f"{predicate} is not supported")  # pragma: no cover - COMPONENTS


def _from_rdflib(term: rdflib.term.Node) -> Term:
    if isinstance(term, rdflib.Literal):
        datatype = str(term.datatype) if term.datatype is not None else None
        if datatype == XSD_STRING:
            datatype = None
        return Lit(str(term), datatype, term.language.lower() if term.language else None)
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    return str(term)


def from_rdflib(graph: rdflib.Graph) -> list[tuple[str, str, Term]]:
    """Return an rdflib graph's triples in this module's terms."""
    return [(_from_rdflib(s), str(p), _from_rdflib(o)) for s, p, o in graph]  # type: ignore[misc]


# --- evaluating -------------------------------------------------------------------------


def _is_blank(term: Term | None) -> bool:
    return isinstance(term, str) and term.startswith("_:")


def _rdflib_literal(term: Lit) -> rdflib.Literal:
    datatype = rdflib.URIRef(term.datatype) if term.datatype else None  # None: plain, as parsed
    return rdflib.Literal(term.value, lang=term.language, datatype=datatype)


def _conforms(shape: Shape, focus: Term, data: Data) -> bool:
    results: list[Result] = []
    _check(shape, focus, data, results, stop_at_first=True)
    return not results


def _check(
    shape: Shape, focus: Term, data: Data, results: list[Result], stop_at_first: bool = False
) -> None:
    """Add the violations of `shape` at `focus` to `results`."""
    if shape.path is None:
        values: list[Term] = [focus]
    else:
        values = data.values(focus, shape.path)

    def fail(component: str, value: Term | None, detail: str) -> bool:
        results.append(Result(focus, shape.path, value, component, shape.id, shape.message, detail))
        return stop_at_first

    for kind, parameter in shape.constraints:
        component = _COMPONENT_NAMES[kind]
        if kind == "minCount":
            if len(values) < parameter and fail(component, None, f"Less than {parameter} values"):
                return
        elif kind == "maxCount":
            if len(values) > parameter and fail(component, None, f"More than {parameter} values"):
                return
        elif kind == "uniqueLang":
            if parameter:
                counts: dict[str, int] = defaultdict(int)
                for value in values:
                    if isinstance(value, Lit) and value.language:
                        counts[value.language] += 1
                for lang in (lang for lang, n in counts.items() if n > 1):
                    if fail(component, None, f"More than one String shares language {lang!r}"):
                        return
        elif kind == "hasValue":
            if parameter not in values and fail(component, None, "A required value is missing"):
                return
        elif kind == "equals":
            others = data.values(focus, parameter)
            for value in [v for v in values if v not in others] + [
                v for v in others if v not in values
            ]:
                if fail(component, value, f"Value differs from the values of <{parameter}>"):
                    return
        elif kind == "lessThanOrEquals":
            others = data.values(focus, parameter)
            for value in values:
                if any(not _less_or_equal(value, other) for other in others) and fail(
                    component, value, f"Value is not less than or equal to <{parameter}>"
                ):
                    return
        elif kind == "node":
            # As pyshacl does, the nested shape's own violations are reported too (sh:detail).
            for value in values:
                nested: list[Result] = []
                _check(parameter, value, data, nested, stop_at_first)
                if nested:
                    if fail(component, value, _DETAILS[kind](parameter)):
                        return
                    results.extend(nested)
        else:
            for value in values:
                if not _value_ok(kind, parameter, value, data) and fail(
                    component, value, _DETAILS[kind](parameter)
                ):
                    return
    for prop in shape.properties:
        for value in [focus] if shape.path is None else values:
            before = len(results)
            _check(prop, value, data, results, stop_at_first)
            if stop_at_first and len(results) > before:
                return


_COMPONENT_NAMES = {str(p).removeprefix(str(SH)): name for p, name in COMPONENTS.items()}
_DETAILS = {
    "nodeKind": lambda kind: f"Value is not of Node Kind sh:{kind}",
    "datatype": lambda datatype: f"Value is not Literal with datatype <{datatype}>",
    "pattern": lambda pattern: f"Value does not match pattern {pattern.pattern!r}",
    "minLength": lambda length: f"String length not >= {length}",
    "in": lambda _: "Value is not one of the allowed values",
    "minInclusive": lambda bound: f"Value is not >= {bound}",
    "maxInclusive": lambda bound: f"Value is not <= {bound}",
    "node": lambda shape: f"Value does not conform to Shape {shape.id}",
    "or": lambda _: "Value does not conform to any shape in sh:or",
    "xone": lambda _: "Value does not conform to exactly one shape in sh:xone",
}


def _value_ok(kind: str, parameter: Any, value: Term, data: Data) -> bool:
    """Return whether one value node satisfies a value-type or value-range constraint."""
    if kind == "nodeKind":
        return isinstance(value, str) and not _is_blank(value)
    if kind == "datatype":
        return _has_datatype(value, parameter)
    if kind == "pattern":
        return not _is_blank(value) and parameter.search(_lexical(value)) is not None
    if kind == "minLength":
        return not _is_blank(value) and len(_lexical(value)) >= parameter
    if kind == "in":
        return value in parameter
    if kind in ("minInclusive", "maxInclusive"):
        if not isinstance(value, Lit):
            return False
        bound = _from_rdflib(parameter)
        pair = (bound, value) if kind == "minInclusive" else (value, bound)
        return _less_or_equal(*pair)  # type: ignore[arg-type]
    if kind == "or":
        return any(_conforms(member, value, data) for member in parameter)
    if kind == "xone":
        return sum(_conforms(member, value, data) for member in parameter) == 1
    raise Unsupported(f"sh:{kind} is not supported")  # pragma: no cover - COMPONENTS


def _lexical(value: Term) -> str:
    return value.value if isinstance(value, Lit) else value


def _has_datatype(value: Term, datatype: str) -> bool:
    if not isinstance(value, Lit):
        return False
    if datatype == RDF_LANGSTRING:
        return bool(value.language)
    if value.language:
        return False
    if datatype == XSD_STRING:
        return value.datatype is None
    if value.datatype != datatype:
        return False
    return _well_typed(value.value, datatype)


@lru_cache(maxsize=4096)
def _well_typed(lexical: str, datatype: str) -> bool:
    """rdflib's verdict on a typed literal, as pyshacl's. Remembered: a document states its
    dates twice (as:published and dct:created) and booleans are always the same two."""
    return not rdflib.Literal(lexical, datatype=rdflib.URIRef(datatype)).ill_typed


_NUMERIC = {
    str(XSD[name])
    for name in [
        "integer",
        "decimal",
        "float",
        "double",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    ]
}


_DATES = {str(XSD.date), str(XSD.dateTime)}


def _less_or_equal(value: Term, other: Term) -> bool:
    """SPARQL's `value <= other`; False when the two cannot be compared (SHACL 4.4, 4.5.4)."""
    if not isinstance(value, Lit) or not isinstance(other, Lit):
        return False
    if value.language or other.language:
        return False
    if value.datatype is None and other.datatype is None:
        return value.value <= other.value  # two plain strings compare as text
    left, right = _rdflib_literal(value), _rdflib_literal(other)
    if left.ill_typed or right.ill_typed:
        return False
    numeric = (value.datatype in _NUMERIC, other.datatype in _NUMERIC)
    if any(numeric):
        if not all(numeric):
            return False
        a, b = left.toPython(), right.toPython()
        if a != a or b != b:  # NaN: every comparison with it is false
            return False
        return bool(a <= b)
    if value.datatype != other.datatype and {value.datatype, other.datatype} != _DATES:
        return False  # dates and date-times with each other, as rdflib (so pyshacl) does
    try:
        result = left <= right
    except TypeError:
        return False
    return result is True

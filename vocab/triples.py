"""Compile the node's own compact JSON-LD into triples, without a JSON-LD processor.

rdflib's JSON-LD parser costs milliseconds per object (it processes the whole AS2 context
each time); our documents only use terms of `CONTEXT`, so a table lookup per key is
enough. This is a JSON-LD to RDF conversion restricted to that one context: the tests
prove, object by object, that its graph is isomorphic to the one rdflib parses from the
same document. A key outside the context raises instead of vanishing silently (AS2 maps
unknown keys to blank IRIs, which every processor drops).

Triples are neutral tuples: an IRI is a `str`, a blank node a `str` starting with `_:`,
a literal a `Lit`. `rdf.py` turns them into rdflib, pyoxigraph or N-Triples text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from vocab.context import VocabError, active_terms, expand_iri

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


class Lit(NamedTuple):
    """A literal: lexical form, datatype IRI (None: xsd:string) and language tag."""

    value: str
    datatype: str | None = None
    language: str | None = None


Node = str | Lit
Triple = tuple[str, str, Node]


@dataclass(frozen=True, slots=True)
class TermDef:
    """A term of the active context, resolved: predicate IRI, coercion and container."""

    iri: str
    coerce: str | None  # "@id", a datatype IRI, or None
    container: str | None  # "@language" or None


@cache
def term_table() -> dict[str, TermDef]:
    """Resolve every property term of CONTEXT once."""
    table: dict[str, TermDef] = {}
    for key, definition in active_terms().items():
        if key.startswith("@") or definition in ("@id", "@type"):
            continue
        if isinstance(definition, str):
            table[key] = TermDef(expand_iri(key), None, None)
            continue
        if not isinstance(definition, dict):
            continue
        coerce = definition.get("@type")
        if coerce is not None and coerce != "@id":
            coerce = expand_iri(coerce)
        table[key] = TermDef(expand_iri(key), coerce, definition.get("@container"))
    return table


def compile_document(doc: dict[str, Any]) -> list[Triple]:
    """Return the triples of one of our JSON-LD documents (as rdflib would parse them)."""
    root = doc.get("id")
    if not isinstance(root, str):
        raise VocabError("a top-level document needs an id")
    # Blank-node labels derived from the root IRI: unique across objects in one dump, and
    # the same every time the object is rendered, so dumps are reproducible.
    prefix = "_:b" + hashlib.sha1(root.encode()).hexdigest()[:12] + "x"
    out: list[Triple] = []
    _Compiler(term_table(), prefix, out).node(doc)
    return out


@cache
def _compact_key(key: str) -> TermDef:
    # A compact IRI key ("dct:language") needs no term definition, only a known prefix.
    iri = expand_iri(key)
    if iri == key:
        raise VocabError(f"key {key!r} is not defined in the context")
    return TermDef(iri, None, None)


class _Compiler:
    __slots__ = ("table", "prefix", "out", "count")

    def __init__(self, table: dict[str, TermDef], prefix: str, out: list[Triple]) -> None:
        self.table, self.prefix, self.out, self.count = table, prefix, out, 0

    def node(self, obj: dict[str, Any]) -> str:
        subject = obj.get("id", obj.get("@id"))
        if subject is None:
            self.count += 1
            subject = f"{self.prefix}{self.count}"
        else:
            subject = expand_iri(subject)
        out = self.out
        for key, value in obj.items():
            if key in ("@context", "id", "@id") or value is None:
                continue
            if key in ("type", "@type"):
                for name in value if isinstance(value, list) else [value]:
                    out.append((subject, RDF_TYPE, expand_iri(name)))
                continue
            term = self.table.get(key) or _compact_key(key)
            for item in value if isinstance(value, list) else [value]:
                if term.container == "@language":
                    if not isinstance(item, dict):
                        raise VocabError(f"{term.iri}: expected a language map, got {item!r}")
                    for lang, text in item.items():
                        for one in text if isinstance(text, list) else [text]:
                            out.append((subject, term.iri, Lit(one, None, lang)))
                else:
                    out.append((subject, term.iri, self.value(item, term)))
        return subject

    def value(self, item: Any, term: TermDef) -> Node:
        if isinstance(item, dict):
            if "@value" in item:
                raise VocabError("value objects are not used in our documents")
            return self.node(item)
        if isinstance(item, bool):  # before int: bool is an int in Python
            return Lit("true" if item else "false", term.coerce or XSD_BOOLEAN)
        if isinstance(item, int):
            return Lit(str(item), term.coerce or XSD_INTEGER)
        if isinstance(item, str):
            if term.coerce == "@id":
                return expand_iri(item)
            return Lit(item, term.coerce)
        # JSON floats get a different lexical form in each processor: we never write them.
        raise VocabError(f"{term.iri}: unsupported JSON value {item!r}")

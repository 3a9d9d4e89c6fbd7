"""The default thesaurus of transition themes, read from themes.ttl.

Every node starts with these concepts; their IRIs are shared by all nodes, so a theme
picked on one node means the same on every other.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import rdflib
from rdflib.namespace import RDF, SKOS

from vocab.objects import Theme
from vocab.terms import THEMES_SCHEME

THEMES_PATH = Path(__file__).parent / "themes.ttl"


@cache
def themes_graph() -> rdflib.Graph:
    """Return the thesaurus graph, parsed once (do not modify it: it is shared)."""
    return rdflib.Graph().parse(THEMES_PATH, format="turtle")


def theme_iri(slug: str) -> str:
    """Return the shared IRI of a default theme from its slug ("energy-transition")."""
    return THEMES_SCHEME + slug


def _lang_map(graph: rdflib.Graph, subject: rdflib.URIRef, predicate: rdflib.URIRef) -> dict:
    return {
        str(o.language): str(o)
        for o in graph.objects(subject, predicate)
        if isinstance(o, rdflib.Literal) and o.language
    }


def _iris(graph: rdflib.Graph, subject: rdflib.URIRef, predicate: rdflib.URIRef) -> list[str]:
    return sorted(str(o) for o in graph.objects(subject, predicate))


def default_themes() -> list[Theme]:
    """Return every concept of the default thesaurus as a Theme, ordered by IRI.

    A fresh list each call: callers may modify the Themes they get.
    """
    graph = themes_graph()
    themes = []
    for concept in sorted(graph.subjects(RDF.type, SKOS.Concept)):
        if not isinstance(concept, rdflib.URIRef):
            continue
        themes.append(
            Theme(
                id=str(concept),
                scheme=str(graph.value(concept, SKOS.inScheme) or THEMES_SCHEME),
                pref_label=_lang_map(graph, concept, SKOS.prefLabel),
                definition=_lang_map(graph, concept, SKOS.definition),
                broader=_iris(graph, concept, SKOS.broader),
                narrower=_iris(graph, concept, SKOS.narrower),
                related=_iris(graph, concept, SKOS.related),
                exact_match=_iris(graph, concept, SKOS.exactMatch),
                close_match=_iris(graph, concept, SKOS.closeMatch),
            )
        )
    return themes


def scheme_title() -> dict[str, str]:
    """Return the concept scheme's title per language (dct:title)."""
    graph = themes_graph()
    return _lang_map(graph, rdflib.URIRef(THEMES_SCHEME), rdflib.DCTERMS.title)

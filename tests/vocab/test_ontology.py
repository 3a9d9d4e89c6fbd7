"""The ontology (commons.ttl): every term documented in French and English, aligned."""

from __future__ import annotations

import rdflib
from rdflib.namespace import OWL, RDF, RDFS

from vocab.context import INLINE_CONTEXT, expand_iri
from vocab.rdf import ontology_graph
from vocab.terms import COMMONS_NS, ONTOLOGY_IRI, TOOT

DCT = rdflib.Namespace("http://purl.org/dc/terms/")


def _terms(graph: rdflib.Graph) -> set[rdflib.URIRef]:
    return {
        s for s in graph.subjects() if isinstance(s, rdflib.URIRef) and s.startswith(COMMONS_NS)
    }


def test_every_term_has_french_and_english_label_and_comment():
    """Given every term of our namespace, then it has rdfs:label and rdfs:comment in fr and en."""
    graph = ontology_graph()
    terms = _terms(graph) | {TOOT.indexable}
    assert len(terms) >= 20
    for term in terms:
        for prop in (RDFS.label, RDFS.comment):
            langs = {o.language for o in graph.objects(term, prop)}
            assert {"fr", "en"} <= langs, (term, prop)


def test_every_term_we_emit_is_declared():
    """Given every commons: IRI the context maps to, then the ontology declares it."""
    graph = ontology_graph()
    declared = _terms(graph)
    used = {
        rdflib.URIRef(expand_iri(key))
        for key in INLINE_CONTEXT
        if expand_iri(key).startswith(COMMONS_NS) and expand_iri(key) != COMMONS_NS
    }
    used |= {
        rdflib.URIRef(COMMONS_NS + s) for s in ("narrative", "capitalisation", "dissemination")
    }
    assert used - declared == set()


def test_classes_are_aligned_with_shared_vocabularies():
    """Given our classes, then each is a subclass of AS2 and schema.org (or SKOS) classes."""
    graph = ontology_graph()
    schema, as2 = "https://schema.org/", "https://www.w3.org/ns/activitystreams#"
    for name in ("Experience", "GuidingPrinciple", "Resource", "Territory"):
        parents = {str(p) for p in graph.objects(rdflib.URIRef(COMMONS_NS + name), RDFS.subClassOf)}
        assert any(p.startswith(schema) for p in parents) and any(
            p.startswith(as2) for p in parents
        )
    theme_parents = set(graph.objects(rdflib.URIRef(COMMONS_NS + "Theme"), RDFS.subClassOf))
    assert rdflib.URIRef("http://www.w3.org/2004/02/skos/core#Concept") in theme_parents
    derived = rdflib.URIRef(COMMONS_NS + "derivedFrom")
    prov = rdflib.URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
    assert (derived, RDFS.subPropertyOf, prov) in graph


def test_ontology_header_has_title_licence_and_version():
    """Given the ontology header, then it has titles in fr and en, CC BY-SA 4.0, a version."""
    graph = ontology_graph()
    onto = rdflib.URIRef(ONTOLOGY_IRI)
    assert (onto, RDF.type, OWL.Ontology) in graph
    assert {o.language for o in graph.objects(onto, DCT.title)} == {"fr", "en"}
    license_iri = rdflib.URIRef("https://creativecommons.org/licenses/by-sa/4.0/")
    assert graph.value(onto, DCT.license) == license_iri
    assert graph.value(onto, OWL.versionInfo) is not None

"""RDF: one graph whatever the format, whichever parser reads it."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import given, settings

from tests.vocab.vocab_samples import STRATEGIES, any_object, same_graph
from vocab.context import VocabError
from vocab.examples import EXAMPLES
from vocab.rdf import (
    MEDIA_TYPES,
    ntriples_lines,
    ontology_graph,
    parse,
    parse_jsonld,
    serialize,
    to_graph,
    to_oxigraph,
)

FORMATS = ["jsonld", "turtle", "nt", "rdfxml"]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_direct_graph_equals_rdflib_parse_of_the_jsonld(name):
    """Given an example, then the graph built directly equals rdflib's parse of its JSON-LD."""
    obj = EXAMPLES[name]()
    assert same_graph(to_graph(obj), parse_jsonld(obj.to_jsonld()))


@settings(max_examples=30, deadline=None)
@given(any_object)
def test_direct_graph_equals_rdflib_parse_for_generated_objects(obj):
    """Given any generated object, then the direct graph equals rdflib's JSON-LD parse."""
    assert same_graph(to_graph(obj), parse_jsonld(obj.to_jsonld()))


@pytest.mark.parametrize("name", sorted(EXAMPLES))
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_yields_the_same_graph(name, fmt):
    """Given an example, when serialised in a format and parsed back, then the graph is equal."""
    obj = EXAMPLES[name]()
    reference = to_graph(obj)
    assert same_graph(parse(serialize(obj, fmt), fmt), reference)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
@pytest.mark.parametrize("fmt", FORMATS)
def test_rdflib_and_pyoxigraph_read_the_same_graph(name, fmt):
    """Given an example in a format, then rdflib and pyoxigraph parse the same graph."""
    text = serialize(EXAMPLES[name](), fmt)
    assert same_graph(parse(text, fmt, engine="rdflib"), parse(text, fmt, engine="oxigraph"))


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_generated_objects_agree_across_formats_and_parsers(name):
    """Given generated objects, then every format and both parsers give one graph."""

    @settings(max_examples=15, deadline=None)
    @given(STRATEGIES[name])
    def check(obj):
        reference = to_graph(obj)
        for fmt in FORMATS:
            text = serialize(obj, fmt)
            assert same_graph(parse(text, fmt), reference), fmt
            assert same_graph(parse(text, fmt, engine="oxigraph"), reference), fmt

    check()


def test_ntriples_lines_for_many_objects_form_one_valid_dump():
    """Given several objects, when dumped as lines, then pyoxigraph reads their union."""
    objects = [make() for make in EXAMPLES.values()]
    data = "".join(ntriples_lines(objects)).encode()
    dumped = {str(t) for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)}
    expected = {str(t) for obj in objects for t in to_oxigraph(obj)}
    assert dumped == expected


def test_ntriples_blank_nodes_never_collide_between_objects_and_are_stable():
    """Given two objects with blank nodes, then their labels differ and repeat identically."""
    a, b = EXAMPLES["Experience"](), EXAMPLES["GuidingPrinciple"]()
    blanks_a = {t.split()[0] for t in ntriples_lines([a]) if t.startswith("_:")}
    blanks_b = {t.split()[0] for t in ntriples_lines([b]) if t.startswith("_:")}
    assert blanks_a and blanks_b and not blanks_a & blanks_b
    assert list(ntriples_lines([a])) == list(ntriples_lines([a]))


def test_ntriples_escapes_quotes_and_newlines():
    """Given text with quotes, backslashes and newlines, then the dump still parses."""
    exp = EXAMPLES["Experience"]()
    exp.name = {"fr": 'Dit "ça"\\ et\nça\r'}
    lines = "".join(ntriples_lines([exp])).encode()
    values = {
        t.object.value
        for t in ox.parse(lines, format=ox.RdfFormat.N_TRIPLES)
        if isinstance(t.object, ox.Literal)
    }
    assert exp.name["fr"] in values


def test_ntriples_refuses_an_iri_that_would_break_the_line():
    """Given an IRI with a space, when dumped, then VocabError is raised, not bad output."""
    exp = EXAMPLES["Experience"]()
    exp.attributed_to = "https://x.example/a b"
    with pytest.raises(VocabError):
        list(ntriples_lines([exp]))


def test_turtle_writes_the_object_first_with_prefixes():
    """Given an experience, when written as Turtle, then it starts with prefixes and its IRI."""
    text = serialize(EXAMPLES["Experience"](), "turtle")
    body = [line for line in text.splitlines() if not line.startswith("@prefix")]
    assert body[0].startswith("<https://fabrique.example/experiences/1> a ")
    assert "@prefix commons: <https://w3id.org/transition-commons/ns#> ." in text


def test_unknown_format_is_refused():
    """Given an unknown format name, then serialize and parse raise VocabError."""
    with pytest.raises(VocabError):
        serialize(EXAMPLES["Theme"](), "yaml")
    with pytest.raises(VocabError):
        parse("x", "yaml")
    assert set(MEDIA_TYPES) == set(FORMATS)


def test_malformed_input_raises_one_error_type():
    """Given broken Turtle or JSON, then both parsers raise VocabError."""
    for engine in ("rdflib", "oxigraph"):
        with pytest.raises(VocabError):
            parse("<a> <b> .", "turtle", engine=engine)
        with pytest.raises(VocabError):
            parse("{not json", "jsonld", engine=engine)


def test_ontology_graph_is_served_from_the_package():
    """Given the ontology, then it parses and declares the ontology IRI."""
    graph = ontology_graph()
    ontology = rdflib.URIRef("https://w3id.org/transition-commons/ns")
    assert (ontology, rdflib.RDF.type, rdflib.OWL.Ontology) in graph

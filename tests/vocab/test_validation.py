"""SHACL validation: our objects conform, broken ones are refused with readable reasons."""

from __future__ import annotations

import copy

import pytest
import rdflib
import rdflib.collection
from hypothesis import given, settings
from rdflib.namespace import RDF, SH

from tests.vocab.vocab_samples import STRATEGIES, refs_are_distinct
from vocab.examples import EXAMPLES, example_experience
from vocab.rdf import to_graph
from vocab.terms import AS, COMMONS, RESOURCE_TYPES, TERRITORY_KINDS
from vocab.triples import RDF_TYPE
from vocab.validation import shapes_graph, validate

TARGETS = {
    "Experience": COMMONS.Experience,
    "GuidingPrinciple": COMMONS.GuidingPrinciple,
    "Resource": COMMONS.Resource,
    "Territory": COMMONS.Territory,
    "Theme": COMMONS.Theme,
    "NodeActor": AS.Organization,
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_conform_as_dict_and_as_graph(name):
    """Given each example, when validated as JSON-LD and as a graph, then it conforms."""
    obj = EXAMPLES[name]()
    assert validate(obj.to_jsonld()) == []
    assert validate(to_graph(obj)) == []


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_generated_objects_conform(name):
    """Given any generated object, when validated, then it conforms."""

    @settings(max_examples=15, deadline=None)
    @given(STRATEGIES[name].filter(refs_are_distinct))
    def check(obj):
        assert validate(obj.to_jsonld()) == []

    check()


def _broken(mutate) -> list[str]:
    doc = example_experience().to_jsonld()
    mutate(doc)
    return validate(doc)


def _drop(*keys):
    return lambda d: [d.pop(k) for k in keys]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_drop("dct:license", "schema:license", "ccrel:license"), "licence IRI is required"),
        (_drop("name", "nameMap", "dct:title"), "a title is required"),
        (_drop("attributedTo", "dct:creator", "prov:wasAttributedTo"), "owning actor"),
        (lambda d: d.update(published="1st of May"), "published: one valid date-time"),
        (lambda d: d.update(periodStart="2021-02-30"), "periodStart: one valid date"),
        (lambda d: d.update(periodStart="2024-01-01"), "not after periodEnd"),
        (lambda d: d.update({"dct:language": "not a tag"}), "BCP 47"),
        (lambda d: d.update(nameMap={"fr-": "x"}), "language tag"),
        (lambda d: d.update(nameMap={"fr": "x", "not a tag": "y"}), "language tag"),
        (lambda d: d.update({"schema:license": "https://other.example/l"}), "same as dct:license"),
        (lambda d: d.update(tag=[{"type": "Link", "href": "https://x.example/t"}]), "Hashtag"),
        (lambda d: d["attachment"][1].update({"dcat:byteSize": -3}), "non-negative integer"),
        (lambda d: d.update(mediationStep="https://x.example/other"), "mediationStep"),
        (lambda d: d.update(bogus="value"), "not defined in the context"),
    ],
)
def test_broken_experiences_are_refused_with_reasons(mutate, expected):
    """Given an experience broken in one way, when validated, then a reason says why."""
    reasons = _broken(mutate)
    assert any(expected in reason for reason in reasons), reasons


@pytest.mark.parametrize(
    ("lat", "long", "expected"),
    [
        (90.5, 2.0, "between -90 and 90"),
        (-91.0, 2.0, "between -90 and 90"),
        (45.0, 180.5, "between -180 and 180"),
    ],
)
def test_out_of_range_coordinates_are_refused(lat, long, expected):
    """Given a territory outside the globe, when validated, then the coordinate is named."""
    terr = EXAMPLES["Territory"]()
    terr.latitude, terr.longitude = lat, long
    assert any(expected in reason for reason in validate(terr.to_jsonld()))


def test_out_of_range_coordinates_from_a_foreign_context_are_refused():
    """Given a territory with JSON numbers in another context form, then it is refused."""
    doc = EXAMPLES["Territory"]().to_jsonld()
    doc["@context"] = [*doc["@context"][:2], dict(doc["@context"][2])]  # not our exact CONTEXT
    doc["@context"][2]["extra"] = "https://x.example/extra"
    doc["latitude"] = 123.5
    assert any("between -90 and 90" in reason for reason in validate(doc))


def test_broken_actor_and_theme_are_refused():
    """Given an actor without a key and a theme without a scheme, then both are refused."""
    actor = EXAMPLES["NodeActor"]().to_jsonld()
    actor.pop("publicKey")
    assert any("publicKey" in reason for reason in validate(actor))
    theme = EXAMPLES["Theme"]().to_jsonld()
    theme.pop("skos:inScheme")
    assert any("inScheme" in reason for reason in validate(theme))


def test_documents_that_are_not_ours_are_refused():
    """Given a Note, a list or a remote context, when validated, then reasons are returned."""
    note = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Note",
        "id": "https://x.example/1",
    }
    assert any("not an Experience" in r for r in validate(note))
    assert validate([1, 2]) == ["unreadable document: expected a JSON object, got list"]
    remote = copy.deepcopy(note)
    remote["@context"] = "https://evil.example/context"
    assert "will not be fetched" in validate(remote)[0]


def _paths_of(shapes: rdflib.Graph, shape: rdflib.term.Node) -> tuple[set, set]:
    """Return the paths a node shape constrains, and the node shapes it nests (sh:node)."""
    paths, nested = set(), set()
    for prop in shapes.objects(shape, SH.property):
        paths.add(shapes.value(prop, SH.path))
        nested.update(shapes.objects(prop, SH.node))
    return paths, nested


def _nested_paths(shapes: rdflib.Graph, start: set) -> set:
    seen, todo, paths = set(), list(start), set()
    while todo:
        shape = todo.pop()
        if shape in seen:
            continue
        seen.add(shape)
        own, nested = _paths_of(shapes, shape)
        paths |= own
        todo.extend(nested)
    return paths


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_emitted_predicate_has_a_constraint(name):
    """Given every predicate an object emits, then the shape for its type constrains it."""
    shapes = shapes_graph()
    (shape,) = shapes.subjects(SH.targetClass, TARGETS[name])
    root_paths, nested = _paths_of(shapes, shape)
    nested_paths = _nested_paths(shapes, nested)
    obj = EXAMPLES[name]()
    graph = to_graph(obj)
    root = rdflib.URIRef(obj.id)
    for s, p, _ in graph:
        allowed = root_paths if s == root else nested_paths
        assert p in allowed, f"{p} on {'the object' if s == root else 'a nested node'}"
    assert rdflib.URIRef(RDF_TYPE) in root_paths


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_constraint_states_a_type_and_a_cardinality_or_is_multi_valued(name):
    """Given each property shape of a type, then it states a datatype, kind, class or node."""
    shapes = shapes_graph()
    (shape,) = shapes.subjects(SH.targetClass, TARGETS[name])
    kinds = (SH.datatype, SH.nodeKind, SH["class"], SH.node, SH["in"], SH.hasValue, SH["or"])
    for prop in shapes.objects(shape, SH.property):
        path = shapes.value(prop, SH.path)
        assert any(shapes.value(prop, k) is not None for k in kinds), path


def test_enumerations_in_shapes_match_the_terms():
    """Given the sh:in lists, then they equal RESOURCE_TYPES and TERRITORY_KINDS."""
    shapes = shapes_graph()
    lists = []
    for prop in shapes.subjects(SH.path, None):
        head = shapes.value(prop, SH["in"])
        if head is not None:
            lists.append([str(x) for x in rdflib.collection.Collection(shapes, head)])
    assert list(RESOURCE_TYPES) in lists and list(TERRITORY_KINDS) in lists


def test_shapes_graph_is_parsed_once():
    """Given two calls, then the same parsed shapes graph is returned."""
    assert shapes_graph() is shapes_graph()
    assert (None, RDF.type, SH.NodeShape) in shapes_graph()

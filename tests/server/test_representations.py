"""Every object a node serves, in every format: one graph, readable with common vocabularies."""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.compare import isomorphic

from vocab import kinds
from vocab.rdf import parse
from vocab.terms import AS, DCT, SCHEMA, SKOS
from vocab.validation import validate

FORMATS = {
    "application/activity+json": "jsonld",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"': "jsonld",
    "application/ld+json": "jsonld",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "rdfxml",
}


@pytest.fixture
def demo_paths(demo):
    """One object of each type on the demo node, and the node actor."""
    from sqlalchemy import select

    from server.extensions import db
    from server.models import Item

    with demo.app_context():
        first = {}
        for item in db.session.scalars(select(Item).order_by(Item.id)):
            first.setdefault(item.kind, f"/{kinds.by_name(item.kind).path}/{item.slug}")
    return [*first.values(), "/territories/loos-en-gohelle", "/themes/local-savings", "/actor"]


def _graph(client, path: str, media_type: str) -> Graph:
    response = client.get(path, headers={"Accept": media_type})
    assert response.status_code == 200, (path, media_type, response.status_code)
    assert "Accept" in response.headers.get("Vary", "")
    return parse(response.get_data(), FORMATS[media_type])


def test_every_format_of_every_object_is_the_same_graph(demo, demo_paths):
    """Each object answers every RDF media type, and all of them parse to one graph."""
    client = demo.test_client()
    for path in demo_paths:
        graphs = [_graph(client, path, media_type) for media_type in FORMATS]
        for other in graphs[1:]:
            assert isomorphic(graphs[0], other), path


def test_every_object_answers_html_and_refuses_what_it_cannot_give(demo, demo_paths):
    """Browsers get HTML; an unknown media type gets 406; every answer varies on Accept."""
    client = demo.test_client()
    for path in demo_paths:
        html = client.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert html.status_code in (200, 302) and "Accept" in html.headers["Vary"]
        refused = client.get(path, headers={"Accept": "image/png"})
        assert refused.status_code == 406, path


def test_every_served_object_passes_the_shapes(demo, demo_paths):
    """What the node serves is what it would accept: every object conforms to the shapes."""
    client = demo.test_client()
    for path in demo_paths:
        document = client.get(path, headers={"Accept": "application/activity+json"}).get_json()
        assert validate(document) == [], path


def test_a_harvester_knowing_only_common_vocabularies_can_read_every_object(demo, demo_paths):
    """Each object is typed and titled in schema.org, Dublin Core, SKOS or AS2 terms."""
    client = demo.test_client()
    common_types = {
        SCHEMA.CreativeWork,
        SCHEMA.Place,
        SKOS.Concept,
        AS.Article,
        AS.Page,
        AS.Place,
        AS.Organization,
        SCHEMA.Organization,
    }
    for path in demo_paths:
        graph = _graph(client, path, "text/turtle")
        subject = URIRef(f"http://node.test{path}")
        assert set(graph.objects(subject, RDF.type)) & common_types, path
        labels = [
            *graph.objects(subject, DCT.title),
            *graph.objects(subject, SKOS.prefLabel),
            *graph.objects(subject, AS.name),
        ]
        assert labels, path


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("text/html", "text/html"),
        ("application/rdf+xml", "application/rdf+xml"),
    ],
)
def test_the_vocabulary_is_served_at_ns(client, accept, expected):
    """/ns answers people with a page and machines with the ontology."""
    response = client.get("/ns", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.content_type.startswith(expected)
    assert "Accept" in response.headers["Vary"]
    if expected != "text/html":
        fmt = {
            "text/turtle": "turtle",
            "application/ld+json": "jsonld",
            "application/rdf+xml": "rdfxml",
        }[expected]
        graph = parse(response.get_data(), fmt)
        assert (
            URIRef("https://w3id.org/transition-commons/ns#Experience"),
            RDF.type,
            None,
        ) in graph

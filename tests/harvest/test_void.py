"""/.well-known/void: VoID and DCAT-AP 3.0.1, checked against SEMICeu's official shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from pyshacl import validate
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID
from sqlalchemy import func, select

from server.extensions import db
from server.harvest.void import EXAMPLES
from server.models import Theme
from tests.harvest.helpers import demo_items

SHAPES = Path(__file__).resolve().parent.parent / "data" / "dcat-ap-3.0.1"
ODBL = rdflib.URIRef("https://opendatacommons.org/licenses/odbl/1-0/")


@pytest.fixture(scope="module")
def description(demo_node) -> rdflib.Graph:
    response = demo_node.get("/.well-known/void")
    assert response.headers["Content-Type"].startswith("text/turtle")
    return rdflib.Graph().parse(data=response.text, format="turtle")


@pytest.mark.parametrize("shapes", ["shapes.ttl", "range.ttl"])
def test_description_conforms_to_the_dcat_ap_shapes(description, shapes):
    """Given the node's description, when SEMICeu's DCAT-AP 3.0.1 shapes check it, it conforms."""
    shapes_graph = rdflib.Graph().parse(SHAPES / shapes, format="turtle")
    conforms, _, report = validate(description, shacl_graph=shapes_graph, inference="none")
    assert conforms, report


def test_description_names_every_harvest_endpoint(demo_node, description):
    """Given the description, when read as VoID, then dumps, SPARQL, OAI-PMH and feeds are named."""
    dataset = next(description.subjects(RDF.type, VOID.Dataset))
    dumps = {str(o) for o in description.objects(dataset, VOID.dataDump)}
    assert dumps == {
        demo_node.url(f"/dumps/dataset.{ext}") for ext in ("nt", "nt.gz", "ttl", "jsonld")
    }
    assert description.value(dataset, VOID.sparqlEndpoint) == rdflib.URIRef(
        demo_node.url("/sparql")
    )
    endpoints = {str(o) for o in description.objects(None, DCAT.endpointURL)}
    assert {demo_node.url("/sparql"), demo_node.url("/oai")} <= endpoints
    access = {str(o) for o in description.objects(None, DCAT.accessURL)}
    assert {
        demo_node.url("/feed.atom"),
        demo_node.url("/feed.rss"),
        demo_node.url("/actor/outbox"),
    } <= access
    assert description.value(dataset, VOID.uriSpace) == rdflib.Literal(demo_node.url("/"))
    examples = list(description.objects(dataset, VOID.exampleResource))
    assert len(examples) == min(EXAMPLES, len(demo_items()))
    assert rdflib.URIRef("https://www.w3.org/ns/activitystreams#") in set(
        description.objects(dataset, VOID.vocabulary)
    )


def test_description_gives_the_database_licence_once_per_resource(description):
    """Given the catalogue and its distributions, then each has the ODbL as its one licence."""
    catalog = next(description.subjects(RDF.type, DCAT.Catalog))
    holders = [catalog, *description.subjects(RDF.type, DCAT.Distribution)]
    assert [list(description.objects(h, DCTERMS.license)) for h in holders] == [[ODBL]] * len(
        holders
    )


def test_description_lists_the_thesaurus_and_the_places(demo_node, description):
    """Given the description, then themes come from a titled concept scheme, places as locations."""
    dataset = next(description.subjects(RDF.type, DCAT.Dataset))
    scheme = description.value(
        predicate=DCAT.themeTaxonomy, subject=next(description.subjects(RDF.type, DCAT.Catalog))
    )
    assert description.value(scheme, DCTERMS.title) is not None
    themes = list(description.objects(dataset, DCAT.theme))
    with demo_node.context():
        thesaurus = db.session.scalar(select(func.count(Theme.id)).where(Theme.origin.is_(None)))
    assert len(themes) == len(set(themes)) == thesaurus > 0
    assert all(
        (t, rdflib.URIRef("http://www.w3.org/2004/02/skos/core#inScheme"), scheme) in description
        for t in themes
    )
    places = list(description.objects(dataset, DCTERMS.spatial))
    assert places and all((p, RDF.type, DCTERMS.Location) in description for p in places)


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_description_answers_content_negotiation(demo_node, description, accept, fmt):
    """Given an Accept header for another RDF syntax, then the same description comes in it."""
    response = demo_node.get("/.well-known/void", headers={"Accept": accept})
    assert response.headers["Content-Type"].startswith(accept)
    assert "Accept" in response.headers["Vary"]
    data = json.dumps(response.json()) if fmt == "json-ld" else response.text
    graph = rdflib.Graph().parse(data=data, format=fmt)
    assert isomorphic(graph, description)


def test_shapes_catch_a_catalogue_without_publisher(description):
    """Given the description minus the catalogue's publisher, then the shapes report a violation."""
    broken = rdflib.Graph()
    for triple in description:
        broken.add(triple)
    catalog = next(broken.subjects(RDF.type, DCAT.Catalog))
    broken.remove((catalog, DCTERMS.publisher, None))
    shapes_graph = rdflib.Graph().parse(SHAPES / "shapes.ttl", format="turtle")
    conforms, _, _ = validate(broken, shacl_graph=shapes_graph, inference="none")
    assert not conforms

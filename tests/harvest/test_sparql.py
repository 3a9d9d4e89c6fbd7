"""The SPARQL 1.1 Protocol at /sparql, queried with SPARQLWrapper and plain HTTP."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest
import rdflib
import requests
from SPARQLWrapper import JSON, POST, POSTDIRECTLY, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from server.sparql import client as index
from tests.harvest.helpers import demo_items, publish, withdraw

PREFIXES = """PREFIX commons: <https://w3id.org/transition-commons/ns#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX as: <https://www.w3.org/ns/activitystreams#>
"""
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(autouse=True)
def _index_loaded(request):
    """Start each node's index first: a loading index answers 503, which is not under test."""
    for name in ("demo_node", "live_node"):
        if name in request.fixturenames:
            request.getfixturevalue(name).wait_for_index()


def _wrapper(node, query: str, fmt: str = JSON) -> SPARQLWrapper:
    wrapper = SPARQLWrapper(node.url("/sparql"))
    wrapper.setQuery(query)
    wrapper.setReturnFormat(fmt)
    wrapper.setTimeout(60)
    return wrapper


def _count(node, query: str = COUNT_ALL) -> int:
    result = _wrapper(node, query).queryAndConvert()
    return int(result["results"]["bindings"][0]["n"]["value"])


def _ask(node, iri: str) -> bool:
    return _wrapper(node, f"ASK {{ <{iri}> ?p ?o }}").queryAndConvert()["boolean"]


def _titles() -> int:
    """Count the demo experiences' titles, one per language each is written in."""
    return sum(len(entry["title"]) for entry in demo_items("experience"))


def test_select_counts_experiences_by_theme(demo_node):
    """Given the demo node, when SPARQLWrapper counts experiences by theme, counts come back."""
    query = (
        PREFIXES
        + """SELECT ?theme (COUNT(?e) AS ?n) WHERE {
        ?e a commons:Experience ; dct:subject ?theme } GROUP BY ?theme ORDER BY DESC(?n)"""
    )
    rows = _wrapper(demo_node, query).queryAndConvert()["results"]["bindings"]
    assert rows and all(row["theme"]["type"] == "uri" for row in rows)
    tagged = sum(len(set(entry.get("themes", []))) for entry in demo_items("experience"))
    assert sum(int(row["n"]["value"]) for row in rows) == tagged >= len(demo_items("experience"))


def test_default_graph_is_the_whole_dataset(demo_node):
    """Given the dumps, when every triple is counted over SPARQL, then it is the dump's count."""
    lines = demo_node.get("/dumps/dataset.nt").content.count(b"\n")
    assert _count(demo_node) == lines


def test_construct_returns_turtle(demo_node):
    """Given a CONSTRUCT, when Turtle is asked, then rdflib reads the constructed graph."""
    query = (
        PREFIXES + "CONSTRUCT { ?e dct:title ?t } WHERE { ?e a commons:Experience ; dct:title ?t }"
    )
    data = _wrapper(demo_node, query, TURTLE).queryAndConvert()
    graph = rdflib.Graph().parse(data=data, format="turtle")
    assert len(graph) == _titles() >= len(demo_items("experience"))
    assert set(graph.predicates()) == {rdflib.URIRef("http://purl.org/dc/terms/title")}


@pytest.mark.parametrize(
    "accept", ["application/n-triples", "application/ld+json", "application/rdf+xml"]
)
def test_describe_answers_in_each_rdf_syntax(demo_node, accept):
    """Given an item, when DESCRIBE asks N-Triples, JSON-LD or RDF/XML, then rdflib reads it."""
    iri = demo_node.url("/experiences/loos-en-gohelle-mettre-en-recit-une-trajectoire")
    response = demo_node.get(
        "/sparql", params={"query": f"DESCRIBE <{iri}>"}, headers={"Accept": accept}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(accept)
    fmt = {
        "application/n-triples": "nt",
        "application/ld+json": "json-ld",
        "application/rdf+xml": "xml",
    }
    graph = rdflib.Graph().parse(data=response.content, format=fmt[accept])
    assert (rdflib.URIRef(iri), None, None) in graph


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ],
)
def test_select_results_in_json_xml_and_tsv(demo_node, accept, fmt):
    """Given a SELECT, when each results format is asked, then pyoxigraph reads the same rows."""
    query = (
        PREFIXES + "SELECT ?e ?t WHERE { ?e a commons:Experience ; dct:title ?t } ORDER BY ?e ?t"
    )
    response = demo_node.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.headers["Content-Type"].startswith(accept)
    rows = list(ox.parse_query_results(response.content, format=fmt))
    assert len(rows) == _titles() >= len(demo_items("experience"))
    assert all(isinstance(row["e"], ox.NamedNode) and row["t"].language for row in rows)


def test_select_results_in_csv(demo_node):
    """Given a SELECT, when CSV is asked, then it has a header and one line per solution."""
    query = PREFIXES + "SELECT ?e WHERE { ?e a commons:Experience }"
    response = demo_node.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["e"] and len(rows) == 1 + len(demo_items("experience"))


def test_post_form_and_direct_post_give_the_same_answer(demo_node):
    """Given one query sent three ways (GET, POST form, POST body), then the answers agree."""
    via_get = _count(demo_node)
    form = _wrapper(demo_node, COUNT_ALL)
    form.setMethod(POST)
    direct = _wrapper(demo_node, COUNT_ALL)
    direct.setMethod(POST)
    direct.setRequestMethod(POSTDIRECTLY)
    counts = [
        int(w.queryAndConvert()["results"]["bindings"][0]["n"]["value"]) for w in (form, direct)
    ]
    assert counts == [via_get, via_get]


def test_unknown_parameters_are_ignored(demo_node):
    """Given parameters the protocol does not define, then the query is answered all the same."""
    params = {"query": COUNT_ALL, "format": "json", "output": "json", "foo": "bar", "timeout": "0"}
    response = demo_node.get("/sparql", params=params)
    assert response.status_code == 200
    assert response.json()["results"]["bindings"][0]["n"]["value"]


@pytest.mark.parametrize(
    "update",
    ["INSERT DATA { <http://x.example/a> <http://x.example/b> <http://x.example/c> }", "CLEAR ALL"],
)
def test_updates_are_refused(demo_node, update):
    """Given an update sent by SPARQLWrapper, then the endpoint refuses it as read-only."""
    wrapper = _wrapper(demo_node, update)
    wrapper.setMethod(POST)
    with pytest.raises(QueryBadFormed, match="read-only"):
        wrapper.query()
    direct = requests.post(
        demo_node.url("/sparql"),
        data=update.encode(),
        timeout=30,
        headers={"Content-Type": "application/sparql-update"},
    )
    assert direct.status_code == 400
    assert _count(demo_node) > 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * WHERE { ?s ?p }", "Query refused"),
        ("SELEKT ?x", "Query refused"),
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 99999999999999999999999999", "Query refused"),
        ("SELECT * WHERE { ?s ?p ?o }", "cap of 50 rows"),
    ],
)
def test_broken_or_hostile_queries_get_a_readable_400(demo_node, monkeypatch, query, message):
    """Given a malformed, federated or oversized query, then the answer is 400 with a reason."""
    monkeypatch.setitem(demo_node.app.config, "SPARQL_MAX_ROWS", 50)
    response = demo_node.get("/sparql", params={"query": query})
    assert response.status_code == 400
    assert message in response.text


def test_huge_limit_with_few_results_is_answered(demo_node, monkeypatch):
    """Given a LIMIT far above the cap but few matches, then the matches come back."""
    monkeypatch.setitem(demo_node.app.config, "SPARQL_MAX_ROWS", 50)
    query = PREFIXES + "SELECT ?e WHERE { ?e a commons:Experience } LIMIT 1000000000"
    rows = _wrapper(demo_node, query).queryAndConvert()["results"]["bindings"]
    assert len(rows) == len(demo_items("experience"))


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"query": ["ASK {}", "ASK {}"]}, 400),
        ({"query": "  "}, 400),
        ({"update": "CLEAR ALL"}, 400),
    ],
)
def test_protocol_misuse_is_a_client_error(demo_node, params, status):
    """Given two queries, an empty one or a GET update, then the answer is a 4xx, never a 500."""
    assert demo_node.get("/sparql", params=params).status_code == status


def _runs(pid: int) -> bool:
    """Return whether a process exists and is not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in {"Z", "X"}


def test_query_past_the_time_limit_is_stopped(demo_node, monkeypatch):
    """Given a one-second limit, when a runaway query is sent, then it is stopped and reported."""
    monkeypatch.setitem(demo_node.app.config, "SPARQL_TIMEOUT", 1)
    assert _count(demo_node) > 0
    before = index.status(demo_node.app)["workers"]
    with pytest.raises(QueryBadFormed, match="time limit"):
        _wrapper(demo_node, PATHOLOGICAL).queryAndConvert()
    assert _count(demo_node) > 0  # the index survived, with a fresh worker...
    assert not any(_runs(pid) for pid in before)  # ...and the killed one uses no more CPU


def test_people_get_a_query_form(demo_node):
    """Given a browser, when it opens /sparql and runs a query, then it sees a form and a table."""
    page = demo_node.get("/sparql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "<textarea" in page.text
    query = PREFIXES + "SELECT ?e WHERE { ?e a commons:Experience }"
    results = demo_node.get(
        "/sparql", params={"query": query}, headers={"Accept": "text/html,*/*;q=0.8"}
    )
    assert results.status_code == 200
    assert results.text.count("<tr>") == 1 + len(demo_items("experience"))


def test_machine_without_query_gets_the_service_description(demo_node):
    """Given a client asking /sparql for Turtle without a query, then it gets a description."""
    response = demo_node.get("/sparql", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (rdflib.URIRef(demo_node.url("/sparql")), sd.endpoint, None) in graph


def test_index_follows_publish_and_withdrawal_at_once(live_node):
    """Given a running index, when an item is published then withdrawn, each next query sees it."""
    assert _count(live_node) > 0  # the index is up
    iri = publish(live_node.app, "Visible tout de suite")
    assert _ask(live_node, iri)
    withdraw(live_node.app, iri)
    assert not _ask(live_node, iri)


def test_unindexable_items_stay_out_of_the_index(live_node):
    """Given an item its editor kept from indexing, then SPARQL never sees it."""
    iri = publish(live_node.app, "Invisible aux requêtes", indexable=False)
    assert not _ask(live_node, iri)

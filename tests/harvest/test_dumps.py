"""Dumps: snapshot files read by pyoxigraph and rdflib, described by the bytes served."""

from __future__ import annotations

import gzip
import hashlib
import json

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from server.cli import commons
from tests.harvest.helpers import allow_copies, hide, publish, store_copy, withdraw
from vocab.context import expand_contexts

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
DCT_LICENSE = "http://purl.org/dc/terms/license"


def _void(node) -> rdflib.Graph:
    response = node.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return rdflib.Graph().parse(data=response.text, format="turtle")


def _subjects(node, fmt: str = "dataset.nt") -> set[str]:
    data = node.get(f"/dumps/{fmt}").content
    return {q.subject.value for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)}


def test_ntriples_dump_line_count_is_the_declared_triple_count(demo_node):
    """Given the demo node, when the N-Triples dump is read, then void:triples counts its lines."""
    data = demo_node.get("/dumps/dataset.nt").content
    lines = data.decode().splitlines()
    store = ox.Store()
    store.load(data, format=ox.RdfFormat.N_TRIPLES)
    declared = next(_void(demo_node).objects(None, rdflib.URIRef(VOID + "triples")))
    assert int(declared) == len(lines) == len(store) > 1000


@pytest.mark.parametrize("name", ["dataset.nt", "dataset.nt.gz", "dataset.ttl", "dataset.jsonld"])
def test_distribution_size_and_checksum_match_the_bytes_served(demo_node, name):
    """Given a dump in DCAT, when its file is downloaded, then its size and SHA-256 match."""
    graph = _void(demo_node)
    url = rdflib.URIRef(demo_node.url(f"/dumps/{name}"))
    dist = graph.value(predicate=rdflib.URIRef(DCAT + "downloadURL"), object=url)
    size = graph.value(dist, rdflib.URIRef(DCAT + "byteSize"))
    checksum = graph.value(dist, rdflib.URIRef(SPDX + "checksum"))
    value = graph.value(checksum, rdflib.URIRef(SPDX + "checksumValue"))
    body = demo_node.get(f"/dumps/{name}").content
    assert (int(size), str(value)) == (len(body), hashlib.sha256(body).hexdigest())


def test_gzipped_dump_holds_the_plain_dump(demo_node):
    """Given both N-Triples dumps, when the gzipped one is decompressed, it is the plain one."""
    packed = demo_node.get("/dumps/dataset.nt.gz")
    assert packed.headers["Content-Type"] == "application/gzip"
    assert gzip.decompress(packed.content) == demo_node.get("/dumps/dataset.nt").content


def test_turtle_and_jsonld_dumps_hold_the_same_graph(demo_node):
    """Given the dumps, when rdflib reads Turtle and JSON-LD, both equal the N-Triples graph."""
    reference = rdflib.Graph().parse(data=demo_node.get("/dumps/dataset.nt").content, format="nt")
    turtle = rdflib.Graph().parse(data=demo_node.get("/dumps/dataset.ttl").content, format="turtle")
    document = expand_contexts(json.loads(demo_node.get("/dumps/dataset.jsonld").content))
    jsonld = rdflib.Graph().parse(data=json.dumps(document), format="json-ld")
    assert len(turtle) == len(jsonld) == len(reference)
    assert isomorphic(turtle, reference)
    assert isomorphic(jsonld, reference)


def test_dump_answers_conditional_requests(demo_node):
    """Given a downloaded dump, when asked again with its ETag or date, then the answer is 304."""
    first = demo_node.get("/dumps/dataset.nt.gz")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    again = demo_node.get("/dumps/dataset.nt.gz", headers={"If-None-Match": first.headers["ETag"]})
    since = demo_node.get(
        "/dumps/dataset.nt.gz", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert (again.status_code, since.status_code) == (304, 304)
    assert again.content == b""


def test_dump_serves_a_byte_range(demo_node):
    """Given a large dump, when a client resumes a download, then it gets the range it asked."""
    whole = demo_node.get("/dumps/dataset.nt").content
    part = demo_node.get("/dumps/dataset.nt", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == whole[100:200]


def test_unknown_dump_is_not_found(demo_node):
    """Given the dumps folder, when a file that is no dump is asked, then the answer is 404."""
    assert demo_node.get("/dumps/manifest.json").status_code == 404


def test_snapshot_is_rewritten_after_a_publish(live_node):
    """Given a node, when an item is published and the job runs, then the new dump holds it."""
    iri = publish(live_node.app, "Une nouvelle expérience")
    assert iri not in _subjects(live_node)
    assert live_node.harvest() > 0
    assert iri in _subjects(live_node)


def test_consent_keeps_unindexable_hidden_and_withdrawn_items_out(live_node):
    """Given items not for indexing, hidden or withdrawn, when the dump is read, they are absent."""
    kept = publish(live_node.app, "Indexable")
    private = publish(live_node.app, "Pas pour les moissonneurs", indexable=False)
    hidden = publish(live_node.app, "Cachée")
    gone = publish(live_node.app, "Retirée")
    hide(live_node.app, hidden)
    withdraw(live_node.app, gone)
    live_node.harvest()
    subjects = _subjects(live_node)
    assert kept in subjects
    assert not {private, hidden, gone} & subjects


def test_federated_copies_need_the_admin_switch_and_name_their_original(live_node):
    """Given a federated copy, when the admin allows copies, then it appears with provenance."""
    copy = store_copy(live_node.app)
    live_node.harvest()
    assert copy not in _subjects(live_node)
    allow_copies(live_node.app)
    live_node.harvest()
    graph = rdflib.Graph().parse(data=live_node.get("/dumps/dataset.nt").content, format="nt")
    subject = rdflib.URIRef(copy)
    original = rdflib.URIRef("https://other.example/experiences/a-remote-experience")
    assert (subject, rdflib.URIRef(PROV_DERIVED), original) in graph
    assert graph.value(subject, rdflib.URIRef(DCT_LICENSE)) is not None


@pytest.mark.parametrize(
    ("args", "check"),
    [
        ([], lambda out: len(list(ox.parse(out, format=ox.RdfFormat.N_TRIPLES))) > 1000),
        (["--gzip"], lambda out: gzip.decompress(out).count(b"\n") > 1000),
        (
            ["--format", "ttl"],
            lambda out: len(rdflib.Graph().parse(data=out, format="turtle")) > 1000,
        ),
        (["--format", "jsonld"], lambda out: len(json.loads(out)["@graph"]) > 10),
        (["--since", "2999-01-01"], lambda out: out == b""),
    ],
)
def test_dump_command_writes_the_dataset_to_standard_output(demo_node, args, check):
    """Given the demo node, when `commons dump` runs with options, then stdout is the dataset."""
    result = demo_node.app.test_cli_runner().invoke(commons, ["dump", *args])
    assert result.exit_code == 0, result.stderr
    assert check(result.stdout_bytes)


@pytest.mark.parametrize("args", [["--since", "last tuesday"], ["--format", "xml"]])
def test_dump_command_refuses_bad_input_in_one_line(demo_node, args):
    """Given a bad --since date or format, when `commons dump` runs, then it fails in one line."""
    result = demo_node.app.test_cli_runner().invoke(commons, ["dump", *args])
    assert result.exit_code != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("Error:")

"""A real node (gunicorn, two web processes, the worker) harvested over HTTP."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.e2e.harness import Node, wait_for

pytestmark = pytest.mark.slow

PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """One demo node for the module (starting one costs seconds); the tests only add to it."""
    started = Node(
        "harvest",
        tmp_path_factory.mktemp("processes"),
        os.environ.get("COMMONS_TEST_DATABASE_URL"),
        COMMONS_SPARQL_TIMEOUT="3",
    )
    started.setup(demo=True).start(workers=2)
    yield started
    started.stop()


def _ask(node: Node, iri: str) -> bool:
    response = requests.get(
        f"{node.base_url}/sparql",
        params={"query": f"ASK {{ <{iri}> ?p ?o }}"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["boolean"]


def test_publish_through_one_process_is_seen_by_every_process(node):
    """Given two web processes, when an item is published, then every next query sees it."""
    wait_for(
        lambda: _ask(node, f"{node.base_url}/territories/loos-en-gohelle"),
        timeout=60,
        message="the SPARQL index to load",
    )
    created = node.post_outbox(
        {
            "type": ["Article", "Experience"],
            "name": "Vue partout",
            "nameMap": {"fr": "Vue partout"},
            "dct:language": "fr",
            "dct:license": "https://creativecommons.org/licenses/by-sa/4.0/",
        }
    )
    assert created.status_code == 201, created.text
    iri = created.headers["Location"]
    # Fresh connections land on either web process; none may answer from a stale index.
    assert all(_ask(node, iri) for _ in range(8))


def test_dumps_follow_changes_through_the_worker(node):
    """Given the worker beside the web processes, when an item is published, the dump gets it."""
    created = node.post_outbox(
        {
            "type": ["Article", "Experience"],
            "name": "Dans le dump",
            "nameMap": {"fr": "Dans le dump"},
            "dct:language": "fr",
            "dct:license": "https://creativecommons.org/licenses/by-sa/4.0/",
        }
    )
    iri = created.headers["Location"].encode()
    wait_for(
        lambda: iri in requests.get(f"{node.base_url}/dumps/dataset.nt", timeout=30).content,
        timeout=60,
        message="the snapshot to be rewritten",
    )


def test_pathological_queries_leave_pages_and_inbox_answering(node):
    """Given ten runaway queries at once, then pages and the inbox still answer, none with 500."""
    wait_for(
        lambda: _ask(node, f"{node.base_url}/territories/loos-en-gohelle"),
        timeout=60,
        message="the SPARQL index to load",
    )

    def runaway(_: int) -> int:
        return requests.get(
            f"{node.base_url}/sparql", params={"query": PATHOLOGICAL}, timeout=60
        ).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        queries = [pool.submit(runaway, n) for n in range(10)]
        home = requests.get(f"{node.base_url}/", headers={"Accept": "text/html"}, timeout=30)
        inbox = requests.post(f"{node.base_url}/inbox", json={"type": "Follow"}, timeout=30)
        statuses = [q.result() for q in queries]
    assert home.status_code == 200
    assert 400 <= inbox.status_code < 500  # unsigned: refused, but answered
    assert set(statuses) <= {400, 503} and 400 in statuses
    assert _ask(node, f"{node.base_url}/territories/loos-en-gohelle")

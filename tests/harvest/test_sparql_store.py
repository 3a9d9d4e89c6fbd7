"""Where the SPARQL index keeps the dataset: on disk across restarts, or in memory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from server.harvest.rebuild import rebuild_all
from server.sparql import client as index
from tests.harvest.conftest import LiveNode
from tests.harvest.helpers import publish, withdraw


def _ask(node: LiveNode, iri: str) -> bool:
    response = requests.get(
        node.url("/sparql"),
        params={"query": f"ASK {{ <{iri}> ?p ?o }}"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    response.raise_for_status()
    return response.json()["boolean"]


def _state(node: LiveNode) -> dict:
    return json.loads((index.store_dir(node.app) / "state.json").read_text())


def _restart(node: LiveNode) -> None:
    index.stop(node.app)
    node.index_ready = False
    node.wait_for_index()


@pytest.fixture
def disk_node(tmp_path: Path):
    node = LiveNode(tmp_path, demo=False)
    node.wait_for_index()
    yield node
    node.close()


def test_the_index_on_disk_survives_a_restart_and_catches_up(disk_node):
    """Given an index on disk, when its process restarts after a publish and a withdrawal,
    then the same store is used again (not rebuilt) and answers with both changes."""
    node = disk_node
    kept = publish(node.app, "Gardée")
    gone = publish(node.app, "Retirée")
    assert _ask(node, kept) and _ask(node, gone)
    store = _state(node)["store"]

    index.stop(node.app)  # stopped while changes come: it must catch up when back
    later = publish(node.app, "Publiée pendant l'arrêt")
    withdraw(node.app, gone)
    _restart(node)

    assert _ask(node, kept) and _ask(node, later) and not _ask(node, gone)
    assert _state(node)["store"] == store
    assert (index.store_dir(node.app) / store).is_dir()


def test_a_damaged_index_is_rebuilt_from_the_database(disk_node):
    """Given an index whose state file is damaged (a crash, a bad copy), when it restarts,
    then it is rebuilt from the records and answers as before."""
    node = disk_node
    iri = publish(node.app, "Toujours là")
    assert _ask(node, iri)
    index.stop(node.app)
    before = _state(node)["store"]
    (index.store_dir(node.app) / "state.json").write_text("{not json")

    _restart(node)

    assert _ask(node, iri)
    assert _state(node)["store"] != before
    assert not (index.store_dir(node.app) / before).exists()  # the old store is removed


def test_reindex_rebuilds_the_store_on_disk(disk_node):
    """When the admin runs a reindex, then the index builds a new store and keeps answering."""
    node = disk_node
    iri = publish(node.app, "Réindexée")
    assert _ask(node, iri)
    before = _state(node)["store"]
    with node.app.app_context():
        rebuild_all()  # what `commons reindex` does to the records: logs a reload
    node.index_ready = False
    node.wait_for_index()
    assert _ask(node, iri)
    assert _state(node)["store"] != before


def test_the_index_in_memory_follows_publish_and_keeps_nothing_on_disk(tmp_path):
    """With COMMONS_SPARQL_STORE=memory the index answers the same, with no files."""
    node = LiveNode(tmp_path, demo=False, SPARQL_STORE="memory")
    try:
        node.wait_for_index()
        iri = publish(node.app, "En mémoire")
        assert _ask(node, iri)
        assert index.status(node.app)["store"] == "memory"
        assert not (Path(node.app.config["SETTINGS"].data_dir) / "sparql").exists()
    finally:
        node.close()

"""A node restored from a backup taken while it was being written keeps its followers.

Real node processes over HTTP: A is followed by B; a script keeps posting to A while its
admin runs `commons backup`; A is restored from that archive into a fresh data directory
and database at the same address, and B receives A's next item, signed with the same key.
The same archive restored into the other database serves the same items.
"""

from __future__ import annotations

import json
import os
import tarfile
import threading
from pathlib import Path

import pytest
import requests

from tests.backup.helpers import postgres_url
from tests.e2e.harness import Node, wait_for
from tests.e2e.test_federation import experience

pytestmark = pytest.mark.slow


def _restored_copy(original: Node, tmp_path: Path, name: str, database: str | None) -> Node:
    """An empty node at the original's address, with its own data directory and database."""
    node = Node(name, tmp_path, database)
    node.port, node.base_url, node.handle = original.port, original.base_url, original.handle
    node.env = {
        **original.env,
        "COMMONS_DATA_DIR": str(node.data_dir),
        "COMMONS_DATABASE_URL": node.database_url,
    }
    node.token = original.token  # API tokens are restored with the accounts
    return node


def _jsonld(node: Node, iri: str) -> dict:
    response = requests.get(iri, headers={"Accept": "application/activity+json"}, timeout=10)
    response.raise_for_status()
    return response.json()


def _page(node: Node, path: str) -> str:
    response = requests.get(f"{node.base_url}{path}", headers={"Accept": "text/html"}, timeout=10)
    response.raise_for_status()
    return response.text


def _counts(node: Node, tables: tuple[str, ...]) -> dict[str, int]:
    return {t: node.query(f'SELECT count(*) FROM "{t}"')[0][0] for t in tables}


def test_a_restored_node_keeps_its_followers(make_node, tmp_path):
    a = make_node("a")
    b = make_node("b")
    b.cli("follow", a.acct)
    wait_for(lambda: (b.following(a) or ("",))[0] == "accepted", timeout=60, message="B follows A")

    # A script keeps posting to A while the admin takes the backup.
    written: list[str] = []
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            response = a.post_outbox(experience(f"Écrite pendant la sauvegarde {n}", n))
            if response.status_code == 201:
                written.append(response.headers["Location"])
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    archive = tmp_path / "a.tar.gz"
    try:
        wait_for(lambda: len(written) >= 3, message="items written before the backup")
        a.cli("backup", str(archive))
        during = len(written)
        wait_for(lambda: len(written) >= during + 3, message="items written after the backup")
    finally:
        stop.set()
        writer.join(60)
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert 3 <= manifest["counts"]["item"] < len(written)
    a.stop()

    restored = _restored_copy(
        a, tmp_path, "a_restored", os.environ.get("COMMONS_TEST_DATABASE_URL")
    )
    others: list[Node] = [restored]
    try:
        assert "counts checked" in restored.cli("restore", str(archive)).stdout
        # One snapshot: every item came with the Create that announced it, none without.
        assert restored.query(
            "SELECT count(*) FROM item i WHERE NOT EXISTS (SELECT 1 FROM outbox_activity o "
            "WHERE o.item_id = i.id AND o.activity_type = 'Create')"
        ) == [(0,)]
        restored.start()

        created = restored.post_outbox(experience("Publiée après la restauration"))
        assert created.status_code == 201, created.text
        wait_for(
            lambda: "Publiée après la restauration" in _page(b, "/experiences"),
            timeout=60,
            message="B receives the restored node's next item",
        )
        # B took it at its inbox, which verifies signatures: the same key, still known.
        assert b.query(
            "SELECT count(*) FROM actor WHERE iri = :iri AND public_key_pem = :key",
            iri=a.actor,
            key=restored.query("SELECT public_key_pem FROM actor WHERE is_local")[0][0],
        ) == [(1,)]
        sample = written[:3]
        served = {iri: _jsonld(restored, iri) for iri in sample}
        restored.stop()

        # The same archive into the other database: the move to PostgreSQL (or back).
        source_is_postgres = manifest["database"] == "postgresql"
        other = None if source_is_postgres else postgres_url()
        if not source_is_postgres and other is None:
            pytest.skip("restore into PostgreSQL not checked: set COMMONS_TEST_POSTGRES_URL")
        moved = _restored_copy(a, tmp_path, "a_moved", other)
        others.append(moved)
        moved.cli("restore", str(archive))
        moved.start()
        assert {iri: _jsonld(moved, iri) for iri in sample} == served
        stable = ("item", "actor", "follow", "theme", "territory", "user")
        found = _counts(moved, stable)
        assert found == {t: manifest["counts"][t] for t in stable}
    finally:
        for node in others:
            node.stop()

"""Nodes as separate processes over real HTTP: following, pooling, changing, withdrawing."""

from __future__ import annotations

import re

import pytest
import requests

from tests.e2e.harness import wait_for
from tests.harvest.helpers import demo_items

pytestmark = pytest.mark.slow


def experience(title: str, n: int = 0) -> dict:
    """A bare Experience, as a script would post it to the write API."""
    return {
        "type": ["Article", "Experience"],
        "name": title,
        "nameMap": {"fr": title},
        "summary": f"Résumé {n}",
        "summaryMap": {"fr": f"Résumé {n}"},
        "dct:language": "fr",
        "dct:license": "https://creativecommons.org/licenses/by-sa/4.0/",
        "authors": ["Collectif de test"],
    }


def _page(node, path: str) -> str:
    response = requests.get(f"{node.base_url}{path}", headers={"Accept": "text/html"}, timeout=10)
    response.raise_for_status()
    return response.text


def _state(node, other) -> str | None:
    follow = node.following(other)
    return follow[0] if follow else None


def test_follow_backfill_then_live_changes(make_node):
    """B follows A, backfills four outbox pages, then sees A's new, edited and withdrawn items."""
    a = make_node("a", demo=True)
    for n in range(50):
        response = a.post_outbox(experience(f"Expérience de remplissage {n}", n))
        assert response.status_code == 201, response.text
    outbox = a.get_json(f"{a.base_url}/actor/outbox")
    assert outbox["totalItems"] > 60  # more than three pages of 20

    b = make_node("b")
    b.cli("follow", a.acct)
    wait_for(
        lambda: (b.following(a) or ("",))[:2] == ("accepted", "done"),
        timeout=90,
        message="B accepted by A and backfilled",
    )
    assert b.following(a)[2] >= len(demo_items()) + 50  # A's demo items and the fifty others
    assert "backfill done" in b.cli("following").stdout  # what an admin reads
    assert "Expérience de remplissage 49" in _page(b, "/experiences")
    assert a.follower_state(b) == "accepted"

    created = a.post_outbox(experience("Nouvelle expérience partagée"))
    iri = created.headers["Location"]
    wait_for(
        lambda: "Nouvelle expérience partagée" in _page(b, "/experiences"),
        message="the new item on B",
    )

    changed = experience("Expérience partagée, revue")
    changed["id"] = iri
    update = a.post_outbox({"type": "Update", "object": changed})
    assert update.status_code == 200, update.text
    wait_for(
        lambda: "Expérience partagée, revue" in _page(b, "/experiences"), message="the edit on B"
    )

    assert a.post_outbox({"type": "Delete", "object": iri}).status_code == 204
    wait_for(
        lambda: "Expérience partagée, revue" not in _page(b, "/experiences"),
        message="the withdrawal on B",
    )
    gone = requests.get(iri, headers={"Accept": "application/activity+json"}, timeout=10)
    assert gone.status_code == 410
    assert gone.json()["type"] == "Tombstone"


def test_announce_reaches_a_third_node_with_attribution(make_node):
    """C follows B; B re-shares A's item; C holds it attributed to A, fetched from A."""
    a = make_node("a")
    b = make_node("b")
    c = make_node("c")
    b.cli("follow", a.acct)
    c.cli("follow", b.acct)
    wait_for(
        lambda: _state(b, a) == "accepted" and _state(c, b) == "accepted",
        message="both follows accepted",
    )
    iri = a.post_outbox(experience("Récit à relayer")).headers["Location"]
    wait_for(lambda: "Récit à relayer" in _page(b, "/experiences"), message="the item on B")
    assert b.post_outbox({"type": "Announce", "object": iri}).status_code == 202
    wait_for(
        lambda: "Récit à relayer" in _page(c, "/experiences"), message="the re-shared item on C"
    )
    listing = _page(c, "/experiences")
    assert "Node a" in listing  # marked with its origin node, not with B
    path = re.search(r'href="(/experiences/[^"]+)"[^>]*>Récit à relayer', listing).group(1)
    page = _page(c, path)
    assert "Node a" in page and f'href="{iri}"' in page  # attributed to A, linking to A's original


def test_undo_reject_block_and_allowlist(make_node):
    """Manual approval rejects then accepts a follower; undo, allowlist and blocks end follows."""
    a = make_node("a", COMMONS_FOLLOW_APPROVAL="manual")
    b = make_node("b")
    c = make_node("c", COMMONS_FEDERATION_MODE="allowlist")
    b.cli("follow", a.acct)
    wait_for(lambda: a.follower_state(b) == "pending", message="B's request pending on A")
    assert _state(b, a) == "pending"
    a.cli("reject-follower", b.actor)
    wait_for(lambda: _state(b, a) == "rejected", message="B told of the rejection")

    b.cli("unfollow", a.actor)
    b.cli("follow", a.acct)
    wait_for(lambda: a.follower_state(b) == "pending", message="B asks again")
    a.cli("accept-follower", b.actor)
    wait_for(lambda: _state(b, a) == "accepted", message="B accepted")
    b.cli("unfollow", a.actor)
    wait_for(lambda: a.follower_state(b) is None, message="the Undo reached A")

    # C federates only with listed domains: B is refused until listed.
    b.cli("follow", c.acct)
    wait_for(
        lambda: b.deliveries().get("given_up"),
        message="C refuses B's follow",
    )
    assert c.follower_state(b) is None
    c.cli("allow", f"127.0.0.1:{b.port}")
    b.cli("unfollow", c.actor)
    b.cli("follow", c.acct)
    wait_for(lambda: _state(b, c) == "accepted", message="B accepted by C once allowed")

    # C blocks B: B's follow ends and its deliveries are refused.
    c.cli("block", f"127.0.0.1:{b.port}")
    assert c.follower_state(b) == "rejected"

"""Nodes as separate processes over real HTTP: following, pooling, changing, withdrawing."""

from __future__ import annotations

import re

import pytest
import requests

from tests.e2e.harness import wait_for

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


def _following_line(node, other) -> str:
    out = node.cli("following").stdout
    return next((line for line in out.splitlines() if line.startswith(other.actor)), "")


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
        lambda: "accepted" in _following_line(b, a) and "backfill done" in _following_line(b, a),
        timeout=90,
        message="B accepted by A and backfilled",
    )
    count = int(re.search(r"backfill done: (\d+) items", _following_line(b, a)).group(1))
    assert count >= 60
    assert (
        "Expérience de remplissage 0" in _page(b, "/experiences?page=1")
        or "Expérience de remplissage"
        in requests.get(f"{b.base_url}/experiences", params={"q": "remplissage"}, timeout=10).text
    )
    assert a.cli("followers").stdout.count("accepted") == 1

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
        lambda: "accepted" in _following_line(b, a) and "accepted" in _following_line(c, b),
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
    wait_for(lambda: "pending" in a.cli("followers").stdout, message="B's request pending on A")
    assert "pending" in _following_line(b, a)
    a.cli("reject-follower", b.actor)
    wait_for(lambda: "rejected" in _following_line(b, a), message="B told of the rejection")

    b.cli("unfollow", a.actor)
    b.cli("follow", a.acct)
    wait_for(lambda: "pending" in a.cli("followers").stdout, message="B asks again")
    a.cli("accept-follower", b.actor)
    wait_for(lambda: "accepted" in _following_line(b, a), message="B accepted")
    b.cli("unfollow", a.actor)
    wait_for(lambda: b.actor not in a.cli("followers").stdout, message="the Undo reached A")

    # C federates only with listed domains: B is refused until listed.
    b.cli("follow", c.acct)
    wait_for(
        lambda: "failed" in b.cli("deliveries").stdout or "given_up" in b.cli("deliveries").stdout,
        message="C refuses B's follow",
    )
    assert b.actor not in c.cli("followers").stdout
    c.cli("allow", f"127.0.0.1:{b.port}")
    b.cli("unfollow", c.actor)
    b.cli("follow", c.acct)
    wait_for(lambda: "accepted" in _following_line(b, c), message="B accepted by C once allowed")

    # C blocks B: B's follow ends and its deliveries are refused.
    c.cli("block", f"127.0.0.1:{b.port}")
    assert "rejected" in c.cli("followers").stdout

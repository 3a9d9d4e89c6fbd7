"""A node rotates its key; a follower node keeps receiving its items, signed with the new key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import create_engine, update

from server.models import Actor
from tests.e2e.harness import wait_for
from tests.e2e.test_federation import experience

pytestmark = pytest.mark.slow


def _titles(node) -> str:
    response = requests.get(
        f"{node.base_url}/experiences", headers={"Accept": "text/html"}, timeout=10
    )
    response.raise_for_status()
    return response.text


def _fetched_at(node, iri: str, when: datetime) -> None:
    """Set when `node` last fetched the actor `iri` (in its database, as its processes do)."""
    engine = create_engine(node.database_url)
    actors = Actor.__table__
    with engine.begin() as conn:
        conn.execute(update(actors).where(actors.c.iri == iri).values(fetched_at=when))
    engine.dispose()


def _key_of(node) -> str:
    return node.get_json(node.actor)["publicKey"]["publicKeyPem"]


def test_after_a_rotation_the_follower_fetches_the_new_key_and_keeps_receiving(make_node):
    """B follows A; A rotates its key; A's next item reaches B, which now holds A's new key."""
    # Given B following A, and holding A's key for longer than the minute it waits before
    # fetching a key again
    a, b = make_node("a"), make_node("b")
    b.cli("follow", a.acct)
    wait_for(lambda: (b.following(a) or ("",))[0] == "accepted", message="B's follow of A")
    a_before = a.post_outbox(experience("Publiée avant la rotation"))
    assert a_before.status_code == 201, a_before.text
    wait_for(lambda: "Publiée avant la rotation" in _titles(b), message="the first item on B")
    long_ago = datetime.now(UTC) - timedelta(minutes=5)
    _fetched_at(b, a.actor, long_ago)
    old_key = _key_of(a)

    # When A's admin rotates its key
    out = a.cli("rotate-key").stdout
    assert f"New key {a.actor}#main-key" in out
    new_key = _key_of(a)
    assert new_key != old_key

    # Then A's next item reaches B (its signature verified with the new key)
    created = a.post_outbox(experience("Publiée après la rotation"))
    assert created.status_code == 201, created.text
    wait_for(lambda: "Publiée après la rotation" in _titles(b), message="the new item on B")
    # And B holds A's new key, and took every delivery of A
    [(stored,)] = b.query("SELECT public_key_pem FROM actor WHERE iri = :iri", iri=a.actor)
    assert stored.strip() == new_key.strip()
    wait_for(lambda: a.deliveries().get("pending", 0) == 0, message="A's deliveries done")
    assert set(a.deliveries()) <= {"done"}, a.deliveries()

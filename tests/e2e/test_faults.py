"""Faults: receivers down, workers killed, several workers at once. Nothing is lost or doubled."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from sqlalchemy import create_engine, select, text

from federation.delivery import PARALLEL
from federation.signatures import sign_request
from server.models import Item
from tests.e2e.harness import wait_for
from tests.e2e.test_federation import experience
from tests.federation.peer import Peer

pytestmark = pytest.mark.slow
ON_POSTGRESQL = (os.environ.get("COMMONS_TEST_DATABASE_URL") or "").startswith("postgresql")


def _count_titled(node, title: str) -> int:
    engine = create_engine(node.database_url)
    with engine.connect() as conn:
        rows = conn.execute(select(Item.title)).scalars().all()
    engine.dispose()
    return sum(1 for t in rows if t.get("fr") == title)


def _follow_from_peer(node, peer: Peer, name: str = "alice"):
    """A peer actor follows the node with a signed Follow; return the actor."""
    import requests

    actor = peer.add_actor(name)
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "Follow",
        "id": f"{actor.iri}/follows/1",
        "actor": actor.iri,
        "object": node.actor,
    }
    body = json.dumps(activity).encode()
    headers = sign_request(
        "POST",
        f"{node.base_url}/inbox",
        {"Content-Type": "application/activity+json"},
        body,
        actor.key_id,
        actor.private_pem,
    )
    assert (
        requests.post(f"{node.base_url}/inbox", data=body, headers=headers, timeout=10).status_code
        == 202
    )
    return actor


def _creates(peer: Peer) -> list[str]:
    return [d["body"]["id"] for d in peer.received if d["body"].get("type") == "Create"]


def test_a_receiver_down_during_publishing_gets_everything_once(make_node):
    """B is stopped while A publishes three items; when B returns, each arrives exactly once."""
    a = make_node("a")
    b = make_node("b")
    b.cli("follow", a.acct)
    wait_for(lambda: (b.following(a) or ("",))[0] == "accepted", message="B follows A")
    b.stop()
    titles = [f"Publié pendant la panne {n}" for n in range(3)]
    for title in titles:
        assert a.post_outbox(experience(title)).status_code == 201
    wait_for(lambda: a.deliveries().get("pending"), message="A's deliveries waiting")
    b.start()
    for title in titles:
        wait_for(lambda t=title: _count_titled(b, t) == 1, timeout=90, message=f"{title} on B")
    time.sleep(2)
    assert [_count_titled(b, t) for t in titles] == [1, 1, 1]
    assert "given_up" not in a.deliveries()


def test_a_worker_killed_mid_fan_out_loses_nothing(make_node):
    """SIGKILL the only worker while it delivers to slow peers; a new worker finishes the job."""
    a = make_node("a", start=False)
    a.start(with_worker=False)
    peers = [Peer().__enter__() for _ in range(2 * PARALLEL)]  # more than one wave
    try:
        for peer in peers:
            _follow_from_peer(a, peer)
        worker = a.start_worker()
        wait_for(
            lambda: (
                a.query("SELECT count(*) FROM follow WHERE state = 'accepted'")[0][0] == len(peers)
            ),
            message="followers accepted",
        )
        wait_for(lambda: all(p.received for p in peers), message="Accepts delivered")
        for peer in peers:
            peer.received.clear()
            peer.inbox_status = lambda: (time.sleep(0.4), 202)[1]
        iri = a.post_outbox(experience("Diffusé malgré la panne")).headers["Location"]
        wait_for(lambda: any(_creates(p) for p in peers), interval=0.05, message="fan-out started")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        delivered_before_restart = sum(1 for p in peers if _creates(p))
        a.start_worker()
        wait_for(
            lambda: all(_creates(p) for p in peers), timeout=60, message="every peer got the Create"
        )
        ids = {activity_id for p in peers for activity_id in _creates(p)}
        assert len(ids) == 1
        # Receivers deduplicate by activity id; at most those in flight at the kill are resent.
        raw_posts = sum(len(_creates(p)) for p in peers)
        assert len(peers) <= raw_posts <= len(peers) + PARALLEL
        assert delivered_before_restart < len(peers)
        assert iri
    finally:
        for peer in peers:
            peer.__exit__(None, None, None)


@pytest.mark.skipif(
    not ON_POSTGRESQL, reason="several workers need PostgreSQL (SQLite runs exactly one)"
)
def test_several_workers_on_postgresql_send_each_delivery_once(make_node):
    """Three workers fan one item out to twenty peers: every peer receives it exactly once."""
    a = make_node("a", start=False)
    a.start(with_worker=False)
    peers = [Peer().__enter__() for _ in range(20)]
    try:
        for peer in peers:
            _follow_from_peer(a, peer)
        for _ in range(3):
            a.start_worker()
        wait_for(lambda: all(p.received for p in peers), timeout=60, message="Accepts delivered")
        for peer in peers:
            peer.received.clear()
        for n in range(3):
            assert a.post_outbox(experience(f"Éventail {n}")).status_code == 201
        wait_for(
            lambda: all(len(_creates(p)) >= 3 for p in peers), timeout=60, message="fan-out done"
        )
        time.sleep(1)
        assert [len(_creates(p)) for p in peers] == [3] * len(peers)
        engine = create_engine(a.database_url)
        with engine.connect() as conn:
            states = dict(
                conn.execute(text("SELECT state, count(*) FROM delivery GROUP BY state")).all()
            )
        engine.dispose()
        assert states.get("pending", 0) == 0
    finally:
        for peer in peers:
            peer.__exit__(None, None, None)

"""Our node against Fedify 2.3.6, the reference TypeScript framework, over real HTTP.

Fedify verifies every signature before its listeners run, so an activity the peer logged
as received is one whose signature Fedify accepted. Fedify signs with RFC 9421 first and
falls back to draft-cavage only when refused; the peer logs each status it got.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.harness import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.interop]

INBOX_401 = re.compile(r'"POST [^"]*inbox[^"]*" 401 ')
MESSAGE = text("SELECT activity_type, state, error FROM inbox_message WHERE activity_iri = :iri")


def _experience(title: str) -> dict:
    """A bare Experience, as a script would post it to the write API."""
    return {
        "type": ["Article", "Experience"],
        "name": title,
        "nameMap": {"fr": title},
        "summary": "Un jardin partagé tenu par le quartier.",
        "summaryMap": {"fr": "Un jardin partagé tenu par le quartier."},
        "dct:language": "fr",
        "dct:license": "https://creativecommons.org/licenses/by-sa/4.0/",
        "authors": ["Collectif de test"],
    }


def _following_line(node, actor: str) -> str:
    out = node.cli("following").stdout
    return next((line for line in out.splitlines() if line.startswith(actor)), "")


def _accepted_following(node) -> list[str]:
    """Our node's public `following` collection, which lists accepted follows only."""
    return node.get_json(f"{node.base_url}/actor/following", page="1")["orderedItems"]


def _received(peer, kind: str, object_id: str) -> list[dict]:
    """The verified activities of one type about one object that the peer logged."""
    return [entry for entry in peer.received(kind) if entry["object"] == object_id]


def _posts_to(node, peer, since: int) -> list[tuple[str, int]]:
    """How the peer signed each POST it made to our node (after `since`), and what it got."""
    outgoing = peer.log()["outgoing"][since:]
    return [
        (e["scheme"], e["status"])
        for e in outgoing
        if e["method"] == "POST" and e["url"].startswith(node.base_url)
    ]


def _inbox_message(node, activity_iri: str) -> dict | None:
    """Our node's record of one received activity, once the worker has processed it."""
    engine = create_engine(node.database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(MESSAGE, {"iri": activity_iri}).mappings().first()
    finally:
        engine.dispose()
    if row is None or row["state"] in ("pending", "processing"):
        return None
    return dict(row)


def test_fedify_follows_our_node_and_verifies_our_item(commons_node, fedify_peer):
    """Fedify follows our node, then verifies and records our Accept and our new item."""
    # Given our node and a Fedify peer
    node = commons_node
    since = len(fedify_peer.log()["outgoing"])

    # When the peer follows our node
    answer = fedify_peer.post("/_follow", {"actor": node.actor})
    assert answer.status_code == 202, answer.text

    # Then Fedify verified and recorded our Accept, and our node lists it as accepted
    follow_id = answer.json()["id"]
    accepts = wait_for(
        lambda: _received(fedify_peer, "Accept", follow_id), message="the Accept on Fedify"
    )
    assert accepts[0]["actor"] == node.actor
    assert fedify_peer.log()["following"] == {node.actor: "accepted"}
    assert f"{fedify_peer.actor}\taccepted" in node.cli("followers").stdout
    # (and the Follow, signed RFC 9421 first, passed our inbox at once)
    assert _posts_to(node, fedify_peer, since) == [("rfc9421", 202)]

    # When our node publishes an item through the write API
    created = node.post_outbox(_experience("Jardin partagé du quartier"))
    assert created.status_code == 201, created.text
    iri = created.headers["Location"]

    # Then Fedify verified our signature on the Create and read our object's name
    creates = wait_for(lambda: _received(fedify_peer, "Create", iri), message="the Create")
    assert creates[0]["actor"] == node.actor
    assert creates[0]["objectName"] == "Jardin partagé du quartier"
    log = fedify_peer.log()
    assert log["unverified"] == [] and log["errors"] == []


def test_our_node_follows_fedify_and_verifies_its_first_knock(commons_node, fedify_peer):
    """We follow Fedify by handle; its RFC 9421 deliveries pass our inbox on the first try."""
    # Given our node following the Fedify peer by its WebFinger handle
    node = commons_node
    since, log_start = len(fedify_peer.log()["outgoing"]), node.log.stat().st_size
    node.cli("follow", fedify_peer.acct)
    wait_for(
        lambda: fedify_peer.actor in _accepted_following(node),
        message="our follow of the Fedify peer accepted",
    )
    assert "accepted" in _following_line(node, fedify_peer.actor)
    assert fedify_peer.log()["followers"] == [node.actor]

    # When the peer publishes a Note to its followers
    published = fedify_peer.post("/_publish", {"content": "<p>Bonjour depuis Fedify</p>"})
    assert published.status_code == 202, published.text

    # Then our node verified and stored it, and the worker rejected it with a reason
    message = wait_for(
        lambda: _inbox_message(node, published.json()["id"]),
        message="our worker processing the Note",
    )
    assert message["activity_type"] == "Create"
    assert message["state"] == "rejected", message
    assert message["error"]

    # And every delivery Fedify made to our inbox passed on its first, RFC 9421, attempt
    assert _posts_to(node, fedify_peer, since) == [("rfc9421", 202), ("rfc9421", 202)]
    with node.log.open("rb") as served:  # our access log agrees: no 401 from our inbox
        served.seek(log_start)
        assert not INBOX_401.search(served.read().decode("utf-8", "replace"))


def test_fedify_keeps_receiving_after_our_key_rotation(commons_node, fedify_peer):
    """Fedify, holding our old key, verifies what we sign with the new one after a rotation:
    our actor's Update first, then a new item."""
    # Given the Fedify peer following our node (and so holding our key)
    node = commons_node
    if fedify_peer.log()["following"].get(node.actor) != "accepted":
        fedify_peer.post("/_follow", {"actor": node.actor})
        wait_for(
            lambda: fedify_peer.log()["following"].get(node.actor) == "accepted",
            message="the peer's follow accepted",
        )
    old_key = node.get_json(node.actor)["publicKey"]["publicKeyPem"]

    # When our admin rotates the node's key, then publishes an item
    assert "New key" in node.cli("rotate-key").stdout
    assert node.get_json(node.actor)["publicKey"]["publicKeyPem"] != old_key
    created = node.post_outbox(_experience("Publiée après la rotation de clé"))
    assert created.status_code == 201, created.text
    iri = created.headers["Location"]

    # Then Fedify verified our Update of the actor and the item's Create (new signatures)
    wait_for(lambda: _received(fedify_peer, "Update", node.actor), message="the actor Update")
    creates = wait_for(lambda: _received(fedify_peer, "Create", iri), message="the Create")
    assert creates[0]["objectName"] == "Publiée après la rotation de clé"
    log = fedify_peer.log()
    assert log["unverified"] == [] and log["errors"] == []

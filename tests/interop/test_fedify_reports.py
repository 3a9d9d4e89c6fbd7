"""A report from Fedify: a Flag, as Mastodon sends it to a remote server, reaches the queue."""

from __future__ import annotations

import pytest

from tests.e2e.harness import wait_for
from tests.interop.test_fedify import _experience, _inbox_message

pytestmark = [pytest.mark.slow, pytest.mark.interop]


def test_a_flag_from_fedify_lands_in_the_moderation_queue(commons_node, fedify_peer):
    """Fedify reports one of our items (with our actor): our inbox verifies the Flag, the
    worker queues the item with the reason and the reporter."""
    node = commons_node
    created = node.post_outbox(_experience("Un jardin signalé"))
    assert created.status_code == 201, created.text
    iri = created.headers["Location"]

    sent = fedify_peer.post(
        "/_flag",
        {"actor": node.actor, "objects": [node.actor, iri], "content": "Contenu trompeur"},
    )
    assert sent.status_code == 202, sent.text
    message = wait_for(
        lambda: _inbox_message(node, sent.json()["id"]), message="the Flag processed"
    )
    assert (message["activity_type"], message["state"]) == ("Flag", "done"), message
    assert node.query("SELECT item_iri, reporter_iri, reason, state FROM report") == [
        (iri, fedify_peer.actor, "Contenu trompeur", "open")
    ]


def test_a_flag_from_fedify_about_nothing_held_is_refused(commons_node, fedify_peer):
    """A report naming only an item this node does not hold is rejected with its reason."""
    node = commons_node
    sent = fedify_peer.post(
        "/_flag",
        {
            "actor": node.actor,
            "objects": [f"{node.base_url}/experiences/nowhere"],
            "content": "?",
        },
    )
    assert sent.status_code == 202, sent.text
    message = wait_for(
        lambda: _inbox_message(node, sent.json()["id"]), message="the Flag processed"
    )
    assert (message["state"], message["error"]) == (
        "rejected",
        "the report names no item held on this node",
    )

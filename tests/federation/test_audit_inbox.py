"""What the worker does on the node's behalf is in the audit log too, by "system"."""

from __future__ import annotations

from tests.federation.conftest import follow_activity, signed_post
from tests.federation.test_processing import _process
from tests.moderation.helpers import audited


def test_a_follow_accepted_automatically_is_recorded_by_system(fed_app, peer):
    """With automatic approval, the worker accepts a peer's Follow: one entry, once."""
    alice = peer.add_actor("alice")
    follow = follow_activity(alice)
    signed_post(fed_app.test_client(), alice, follow)
    _process(fed_app)
    again = {**follow, "id": f"{alice.iri}/follows/2"}  # sent again: already accepted
    signed_post(fed_app.test_client(), alice, again)
    _process(fed_app)
    assert audited(fed_app) == [("system", "follow.accept", alice.iri, {"automatic": True})]


def test_a_follow_waiting_for_an_admin_is_not_recorded_yet(fed_app, peer):
    fed_app.config["SETTINGS"].follow_approval = "manual"
    alice = peer.add_actor("alice")
    follow = follow_activity(alice)
    signed_post(fed_app.test_client(), alice, follow)
    _process(fed_app)
    assert audited(fed_app) == []

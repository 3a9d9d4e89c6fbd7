"""An admin rotates the node's key; a peer that rotated its own is believed from its Update."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from federation.inbox import run_inbox
from server.cli import commons
from server.extensions import db
from server.models import Actor, AuditEntry, Delivery, OutboxActivity
from server.services import node
from tests.conftest import make_user, sign_in
from tests.federation.conftest import followed_by, signed_post
from tests.federation.peer import key_pair


@pytest.fixture(autouse=True)
def _fresh_keys(monkeypatch):
    """Real key generation (in-process tests otherwise reuse one key pair)."""
    monkeypatch.setattr(node, "generate_key_pair", key_pair)


def _local_keys(app) -> tuple[str, str, str]:
    with app.app_context():
        local = Actor.local()
        return local.public_key_id, local.public_key_pem, local.private_key_pem


def _updates(app) -> list[tuple[dict, list[str]]]:
    """The Updates in the node's outbox, each with the inboxes it is queued to."""
    with app.app_context():
        found = []
        for row in db.session.scalars(
            select(OutboxActivity).where(OutboxActivity.activity_type == "Update")
        ):
            inboxes = select(Delivery.inbox_url).where(Delivery.activity_id == row.id)
            found.append((row.raw, list(db.session.scalars(inboxes))))
        return found


def test_rotate_key_makes_a_new_pair_and_sends_an_update_to_followers(fed_app, peer):
    """Given a follower, when the admin runs `commons rotate-key`, then the node has a new key
    under the same id, and an Update carrying it is queued to the follower's inbox."""
    alice = peer.add_actor("alice")
    followed_by(fed_app, alice)
    key_id, public, private = _local_keys(fed_app)

    result = fed_app.test_cli_runner().invoke(commons, ["rotate-key"])
    assert result.exit_code == 0, result.output
    assert "New key" in result.output

    new_id, new_public, new_private = _local_keys(fed_app)
    assert new_id == key_id
    assert new_public != public and new_private != private
    [(activity, inboxes)] = _updates(fed_app)
    assert activity["object"]["id"] == key_id.split("#")[0]
    assert activity["object"]["publicKey"]["publicKeyPem"] == new_public
    assert inboxes == [f"{peer.base_url}/inbox"]
    assert _audited_rotations(fed_app) == [("cli", key_id.split("#")[0])]


def test_the_federation_page_rotates_the_key_for_admins_only(fed_app):
    """An admin presses the button; an editor is refused and the key stays."""
    _, public, _ = _local_keys(fed_app)
    make_user(fed_app, "editor@example.org", "editor")
    editor = fed_app.test_client()
    sign_in(editor, "editor@example.org")
    assert editor.post("/admin/federation/key/rotate").status_code == 403
    assert _local_keys(fed_app)[1] == public

    make_user(fed_app, "admin@example.org", "admin")
    admin = fed_app.test_client()
    sign_in(admin, "admin@example.org")
    page = admin.get("/admin/federation/").get_data(as_text=True)
    assert "/admin/federation/key/rotate" in page
    answer = admin.post("/admin/federation/key/rotate", follow_redirects=True)
    assert answer.status_code == 200
    assert _local_keys(fed_app)[1] != public
    assert [who for who, _ in _audited_rotations(fed_app)] == ["admin@example.org"]


def test_an_actor_update_replaces_the_key_we_hold(fed_app, peer):
    """Given a peer we know, when it sends an Update of its own document with a new key
    (signed still with the old one), then we keep the new key: its next signatures verify."""
    alice = peer.add_actor("alice")
    followed_by(fed_app, alice)
    new_private, new_public = key_pair()
    document = {
        "type": "Organization",
        "id": alice.iri,
        "preferredUsername": "alice",
        "inbox": f"{alice.iri}/inbox",
        "endpoints": {"sharedInbox": f"{peer.base_url}/inbox"},
        "publicKey": {"id": alice.key_id, "owner": alice.iri, "publicKeyPem": new_public},
    }
    update = {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "type": "Update",
        "id": f"{alice.iri}/activities/rotate-1",
        "actor": alice.iri,
        "object": document,
    }
    client = fed_app.test_client()
    assert signed_post(client, alice, update).status_code == 202
    with fed_app.app_context():
        run_inbox(fed_app)
        stored = db.session.scalar(select(Actor).where(Actor.iri == alice.iri))
        assert stored.public_key_pem.strip() == new_public.strip()


def _audited_rotations(app) -> list[tuple[str, str]]:
    """Who rotated which actor's key, as the audit log recorded it."""
    with app.app_context():
        rows = db.session.execute(
            select(AuditEntry.who, AuditEntry.target).where(AuditEntry.action == "key.rotate")
        )
        return [tuple(row) for row in rows]

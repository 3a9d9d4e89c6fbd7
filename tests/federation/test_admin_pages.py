"""An admin looks after federation from the web: follows, rules, deliveries, refusals."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.models import Delivery, DomainRule, Follow, InboxMessage
from tests.conftest import make_user, sign_in
from tests.federation.conftest import followed_by


def _admin(app):
    make_user(app, "admin@example.org", "admin")
    client = app.test_client()
    sign_in(client, "admin@example.org")
    return client


def test_the_page_shows_followers_rules_and_refusals(fed_app, peer):
    """Given a pending follower, a rule and a refused activity, the admin page lists them."""
    alice = peer.add_actor("alice")
    followed_by(fed_app, alice, "pending")
    with fed_app.app_context():
        db.session.add(DomainRule(host="spam.example", kind="block", reason="spam"))
        db.session.add(
            InboxMessage(
                activity_iri=f"{alice.iri}/x",
                activity_type="Create",
                actor_iri=alice.iri,
                origin=peer.base_url,
                raw={},
                state="rejected",
                error="no licence given",
            )
        )
        db.session.commit()
    page = _admin(fed_app).get("/admin/federation/").get_data(as_text=True)
    assert alice.iri.rsplit("/", 1)[0] in page or "Alice" in page
    assert "spam.example" in page
    assert "no licence given" in page


def test_accepting_a_follower_from_the_page_sends_an_accept(fed_app, peer):
    """The admin accepts a pending follower; an Accept is queued to its inbox."""
    alice = peer.add_actor("alice")
    follow_id = followed_by(fed_app, alice, "pending")
    response = _admin(fed_app).post(f"/admin/federation/followers/{follow_id}/accept")
    assert response.status_code == 302
    with fed_app.app_context():
        assert db.session.get(Follow, follow_id).state == "accepted"
        delivery = db.session.scalar(select(Delivery))
        assert delivery.activity.raw["type"] == "Accept"


def test_following_from_the_page_queues_a_follow(fed_app, peer):
    """The admin types an actor URL; the node records a pending follow and queues the Follow."""
    alice = peer.add_actor("alice")
    client = _admin(fed_app)
    client.post("/admin/federation/follow", data={"target": alice.iri})
    with fed_app.app_context():
        follow = db.session.scalar(select(Follow))
        assert follow.state == "pending" and follow.followed.iri == alice.iri
        assert db.session.scalar(select(Delivery)).activity.raw["type"] == "Follow"


def test_an_unknown_target_is_explained_not_crashed(fed_app):
    """A handle that cannot be resolved comes back as a message, with no 500."""
    client = _admin(fed_app)
    response = client.post(
        "/admin/federation/follow", data={"target": "nobody@127.0.0.1:1"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "nobody@127.0.0.1:1" in response.get_data(as_text=True)


def test_blocking_from_the_page_ends_follows(fed_app, peer):
    """Blocking a follower's domain marks its follow rejected."""
    alice = peer.add_actor("alice")
    followed_by(fed_app, alice, "accepted")
    _admin(fed_app).post("/admin/federation/rules", data={"kind": "block", "host": peer.base_url})
    with fed_app.app_context():
        assert db.session.scalar(select(Follow)).state == "rejected"
        assert db.session.scalar(select(DomainRule)).host == f"127.0.0.1:{peer.port}"


def test_readers_and_anonymous_visitors_cannot_use_the_page(fed_app):
    """A reader gets 403; an anonymous visitor is sent to sign in."""
    assert fed_app.test_client().get("/admin/federation/").status_code == 302
    make_user(fed_app, "reader@example.org", "reader")
    client = fed_app.test_client()
    sign_in(client, "reader@example.org")
    assert client.get("/admin/federation/").status_code == 403
    assert (
        client.post(
            "/admin/federation/rules", data={"kind": "block", "host": "x.example"}
        ).status_code
        == 403
    )

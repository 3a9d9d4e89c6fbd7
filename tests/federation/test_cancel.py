"""Rejecting or removing a follower, or blocking its domain, cancels what is pending to it."""

from __future__ import annotations

from sqlalchemy import select

from federation.delivery import run_deliveries
from server.extensions import db
from server.models import Delivery, OutboxActivity
from server.services.federation import add_rule, answer
from tests.federation.conftest import followed_by, publish_experience


def _publish(app, count: int) -> None:
    with app.app_context():
        for n in range(count):
            publish_experience(f"Objet {n}")
        db.session.commit()
        run_deliveries(app)  # the follower is down: they stay pending


def _states(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(OutboxActivity.activity_type, Delivery.state)
            .join(OutboxActivity, Delivery.activity_id == OutboxActivity.id)
            .order_by(Delivery.id)
        )
        return [tuple(row) for row in rows]


def test_rejecting_a_follower_cancels_what_is_pending_to_it(fed_app, peer):
    peer.inbox_status = 503
    follow_id = followed_by(fed_app, peer.add_actor("alice"))
    _publish(fed_app, 3)
    assert _states(fed_app) == [("Create", "pending")] * 3
    with fed_app.app_context():
        answer(follow_id, accept=False)
    assert _states(fed_app) == [("Create", "given_up")] * 3 + [("Reject", "pending")]


def test_an_inbox_shared_with_a_remaining_follower_keeps_its_deliveries(fed_app, peer):
    peer.inbox_status = 503
    alice = followed_by(fed_app, peer.add_actor("alice"))
    followed_by(fed_app, peer.add_actor("bob"))  # behind the same shared inbox
    _publish(fed_app, 2)
    with fed_app.app_context():
        answer(alice, accept=False)
    assert _states(fed_app) == [("Create", "pending")] * 2 + [("Reject", "pending")]


def test_blocking_a_domain_cancels_what_is_pending_to_it(fed_app, peer):
    peer.inbox_status = 503
    followed_by(fed_app, peer.add_actor("alice"))
    _publish(fed_app, 2)
    with fed_app.app_context():
        add_rule("block", f"127.0.0.1:{peer.port}")
    assert _states(fed_app) == [("Create", "given_up")] * 2

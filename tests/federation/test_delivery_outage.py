"""A follower's short outage, on the federation clock: the breaker trips on a run of
failures over time, not on one batch, and everything arrives soon after the return."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from federation.delivery import run_deliveries
from server.extensions import db
from server.models import Delivery, PeerHealth, clock
from tests.federation.conftest import followed_by, publish_experience


def _publish(app, title: str) -> None:
    with app.app_context():
        publish_experience(title)
        db.session.commit()


def _creates(peer) -> list[str]:
    return [d["body"]["object"]["id"] for d in peer.received if d["body"]["type"] == "Create"]


def test_one_failing_batch_is_one_failure_not_an_hour_of_breaker(fed_app, peer):
    """Twenty deliveries to a down inbox in one batch: one is tried, the breaker stays shut,
    and the other nineteen wait for the next try without an attempt counted."""
    followed_by(fed_app, peer.add_actor("alice"))
    peer.inbox_status = 503
    for n in range(20):
        _publish(fed_app, f"Objet {n}")
    with fed_app.app_context():
        run_deliveries(fed_app)
        rows = db.session.scalars(select(Delivery).order_by(Delivery.id)).all()
        health = db.session.scalar(select(PeerHealth))
        assert [row.attempts for row in rows] == [1] + [0] * 19
        assert health.consecutive_failures == 1 and health.circuit_open_until is None
        assert len({row.next_attempt_at for row in rows}) == 1  # all due with the first
    assert len([r for r in peer.requests if r[0] == "POST"]) == 1


def test_after_a_ten_minute_outage_everything_arrives_within_two_minutes(fed_app, peer):
    """Down ten minutes while twenty items are published; back, each arrives once within two
    minutes (worker passes every 5 s of the clock), with no admin action."""
    followed_by(fed_app, peer.add_actor("alice"))
    with fed_app.app_context():
        start = clock.now()
    down_until = start + timedelta(minutes=10)
    peer.inbox_status = lambda: 503 if clock.now() < down_until else 202
    published, step, caught_up = 0, timedelta(seconds=5), None
    for _ in range(12 * 15):
        with fed_app.app_context():
            now = clock.now()
        if published < 20 and now >= start + timedelta(seconds=30 * published):
            _publish(fed_app, f"Pendant la coupure {published}")
            published += 1
        with fed_app.app_context():
            run_deliveries(fed_app)
            health = db.session.scalar(select(PeerHealth))
            if now < down_until and now - start > timedelta(minutes=2):
                assert health.circuit_open_until is not None  # tripped, on evidence
        if published == 20 and len(set(_creates(peer))) == 20:
            caught_up = now
            break
        clock.advance(step)
    assert caught_up is not None and caught_up - down_until <= timedelta(minutes=2)
    assert len(_creates(peer)) == 20  # each once
    with fed_app.app_context():
        assert {row.state for row in db.session.scalars(select(Delivery))} == {"done"}

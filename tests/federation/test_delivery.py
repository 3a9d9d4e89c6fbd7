"""Deliveries are durable rows: retried over days, given up by the rules, breakers per origin."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from federation import outbox
from federation.delivery import LEASE, MAX_ATTEMPTS, claim, run_deliveries
from server.extensions import db
from server.models import Delivery, PeerHealth, clock
from tests.federation.conftest import followed_by, publish_experience
from vocab import objects


def _followed_by(app, *actors) -> None:
    for actor in actors:
        followed_by(app, actor)


def _publish(app) -> None:
    with app.app_context():
        publish_experience("Une expérience")
        db.session.commit()


def _experience(title: str) -> objects.Experience:
    return objects.Experience(
        id="", attributed_to="", name={"fr": title}, language="fr", license=""
    )


def _deliveries(app) -> list[Delivery]:
    with app.app_context():
        return list(db.session.scalars(select(Delivery).order_by(Delivery.id)))


def _run_until_idle(app, rounds: int = 50) -> None:
    """Run the delivery job, moving the clock to each next due time, until nothing is pending."""
    with app.app_context():
        for _ in range(rounds):
            run_deliveries(app)
            pending = db.session.scalars(select(Delivery).where(Delivery.state == "pending")).all()
            if not pending:
                return
            due = min(d.next_attempt_at for d in pending)
            health = db.session.scalars(select(PeerHealth)).all()
            opens = [h.circuit_open_until for h in health if h.circuit_open_until]
            target = max([due, *opens]) if opens else due
            if target > clock.now():
                clock.advance(target - clock.now() + timedelta(seconds=1))


def test_followers_on_one_shared_inbox_get_one_delivery(fed_app, peer):
    """Two followers behind one shared inbox: the item is delivered once, signed."""
    _followed_by(fed_app, peer.add_actor("alice"), peer.add_actor("bob"))
    _publish(fed_app)
    rows = _deliveries(fed_app)
    assert [r.inbox_url for r in rows] == [f"{peer.base_url}/inbox"]
    with fed_app.app_context():
        run_deliveries(fed_app)
    assert [d["body"]["type"] for d in peer.received] == ["Create"]
    assert "Signature" in peer.received[0]["headers"] and "Digest" in peer.received[0]["headers"]


def test_a_failing_inbox_is_retried_for_two_days_then_given_up(fed_app, peer):
    """A peer answering 500 forever: 16 attempts spread over more than 2 days, then given up."""
    peer.inbox_status = 500
    _followed_by(fed_app, peer.add_actor("alice"))
    _publish(fed_app)
    start = clock.now()
    _run_until_idle(fed_app, rounds=200)
    (row,) = _deliveries(fed_app)
    assert row.state == "given_up" and row.attempts == MAX_ATTEMPTS and row.last_status == 500
    with fed_app.app_context():
        elapsed = clock.now() - start
    assert elapsed >= timedelta(days=2)


def test_a_refusing_inbox_is_given_up_at_once(fed_app, peer):
    """A 403 is final: no retry."""
    peer.inbox_status = 403
    _followed_by(fed_app, peer.add_actor("alice"))
    _publish(fed_app)
    with fed_app.app_context():
        run_deliveries(fed_app)
    (row,) = _deliveries(fed_app)
    assert row.state == "given_up" and row.attempts == 1


def test_retry_after_is_honoured(fed_app, peer):
    """A 429 with Retry-After: 3600 is not tried again before an hour."""
    peer.inbox_status = 429
    peer.inbox_headers = {"Retry-After": "3600"}
    _followed_by(fed_app, peer.add_actor("alice"))
    _publish(fed_app)
    with fed_app.app_context():
        run_deliveries(fed_app)
        row = db.session.scalar(select(Delivery))
        assert row.state == "pending"
        assert row.next_attempt_at - clock.now() >= timedelta(seconds=3590)


def test_a_temporary_failure_then_success_delivers_once(fed_app, peer):
    """The receiver is down for three tries, then answers: the item arrives exactly once."""
    answers = iter([503, 503, 503])
    peer.inbox_status = lambda: next(answers, 202)
    _followed_by(fed_app, peer.add_actor("alice"))
    _publish(fed_app)
    _run_until_idle(fed_app)
    (row,) = _deliveries(fed_app)
    assert row.state == "done" and row.attempts == 4
    assert len(peer.received) == 1


def test_the_breaker_opens_and_the_origin_is_marked_unavailable_then_recovers(fed_app, peer):
    """Failures on seven distinct days mark the origin unavailable; one success clears it."""
    peer.inbox_status = 500
    _followed_by(fed_app, peer.add_actor("alice"))
    _publish(fed_app)
    with fed_app.app_context():
        for day in range(8):
            if day:
                clock.advance(timedelta(days=1))
            row = db.session.scalar(select(Delivery))
            row.next_attempt_at = clock.now()
            db.session.commit()
            health = db.session.scalar(select(PeerHealth))
            if health is not None:
                health.circuit_open_until = None
                db.session.commit()
            run_deliveries(fed_app)
        health = db.session.scalar(select(PeerHealth))
        assert health.unavailable and len(health.failure_days) >= 7
        # While unavailable, nothing is sent until the daily probe.
        sent_before = len(peer.requests)
        run_deliveries(fed_app)
        assert len(peer.requests) == sent_before
        peer.inbox_status = 202
        clock.advance(timedelta(days=1, minutes=1))
        db.session.scalar(select(Delivery)).next_attempt_at = clock.now()
        db.session.commit()
        run_deliveries(fed_app)
        health = db.session.scalar(select(PeerHealth))
        assert not health.unavailable and health.circuit_open_until is None
        assert db.session.scalar(select(Delivery)).state == "done"


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_ends(fed_app, peer):
    """A worker that dies after claiming leaves the row; another takes it after the lease."""
    _followed_by(fed_app, peer.add_actor("alice"))
    _publish(fed_app)
    with fed_app.app_context():
        first = claim().ids
        assert len(first) == 1
        assert claim().ids == []
        clock.advance(LEASE + timedelta(seconds=1))
        assert claim().ids == first


def test_updates_and_withdrawals_are_delivered_too(fed_app, peer):
    """Editing then withdrawing a published item sends Update then Delete with a Tombstone."""
    from server.models import Item
    from server.services.items import update_item, withdraw_item

    _followed_by(fed_app, peer.add_actor("alice"))
    _publish(fed_app)
    with fed_app.app_context():
        item = db.session.scalar(select(Item))
        update_item(item, _experience("Titre revu"))
        withdraw_item(item)
        db.session.commit()
        run_deliveries(fed_app)
    kinds = [d["body"]["type"] for d in peer.received]
    assert kinds == ["Create", "Update", "Delete"]
    assert peer.received[-1]["body"]["object"]["type"] == "Tombstone"
    assert outbox  # the module the services publish through


def test_slow_peers_are_delivered_to_at_the_same_time(fed_app):
    """Given four followers on four slow servers, when an item is published, then the worker
    has several deliveries in flight at once (a slow peer holds one slot, not the batch)."""
    import threading
    import time

    from tests.federation.peer import Peer

    lock, in_flight, most = threading.Lock(), [0], [0]

    def slow_answer() -> int:
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.3)
        with lock:
            in_flight[0] -= 1
        return 202

    with Peer() as p1, Peer() as p2, Peer() as p3, Peer() as p4:
        peers = [p1, p2, p3, p4]
        _followed_by(fed_app, *(p.add_actor("reader") for p in peers))
        for p in peers:
            p.inbox_status = slow_answer
        _publish(fed_app)
        with fed_app.app_context():
            run_deliveries(fed_app)
        assert all(d["body"]["type"] == "Create" for p in peers for d in p.received)
        assert all(len(p.received) == 1 for p in peers)
    assert {d.state for d in _deliveries(fed_app)} == {"done"}
    assert most[0] > 1

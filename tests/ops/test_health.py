"""GET /healthz: 200 when the database answers, a worker beats and nothing waits too long."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from server import create_app
from server.extensions import db
from server.models import Delivery, HarvestRecord, InboxMessage, PeerHealth, clock
from server.worker import Heartbeat
from tests.federation.conftest import followed_by, publish_experience


def _health(app) -> tuple[int, dict]:
    response = app.test_client().get("/healthz")
    return response.status_code, response.get_json()


def _beat(app) -> None:
    Heartbeat(app).beat()


def test_a_node_whose_worker_beats_is_well(node):
    """The worker has just beaten: every check passes, in a small JSON body."""
    _beat(node)
    status, body = _health(node)
    assert status == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "worker", "inbox", "deliveries", "index"}
    assert body["checks"]["worker"]["alive"] == 1


def test_without_a_worker_the_node_is_failing_and_says_why(node):
    """No worker ever beat: 503, the worker check named."""
    status, body = _health(node)
    assert status == 503
    assert body["failing"] == ["worker"]
    assert body["checks"]["worker"]["last_beat_s"] is None


def test_a_silent_worker_fails_the_check_until_it_beats_again(node):
    """The worker's last beat grows older than the limit: 503; it beats again: 200."""
    _beat(node)
    limit = node.config["SETTINGS"].health_worker_max_age
    clock.advance(timedelta(seconds=limit + 1))
    status, body = _health(node)
    assert (status, body["failing"]) == (503, ["worker"])
    _beat(node)
    assert _health(node)[0] == 200


def test_a_worker_that_stops_cleanly_leaves_no_heartbeat(node):
    heartbeat = Heartbeat(node)
    heartbeat.start()
    assert _health(node)[0] == 200
    heartbeat.stop()
    assert _health(node)[1]["failing"] == ["worker"]


def test_an_activity_waiting_too_long_fails_the_inbox_check(fed_app, peer):
    """A message still pending after COMMONS_HEALTH_INBOX_MAX_AGE: the inbox is behind."""
    alice = peer.add_actor("alice")
    with fed_app.app_context():
        activity = {"id": f"{alice.iri}/follows/1", "type": "Follow", "actor": alice.iri}
        InboxMessage.store(activity, b"{}", alice.iri, peer.base_url)
    _beat(fed_app)
    assert _health(fed_app)[0] == 200
    clock.advance(timedelta(seconds=fed_app.config["SETTINGS"].health_inbox_max_age + 1))
    _beat(fed_app)
    status, body = _health(fed_app)
    assert (status, body["failing"]) == (503, ["inbox"])


def test_deliveries_due_too_long_fail_unless_their_origin_is_down(fed_app, peer):
    """Due deliveries left unsent fail the check; waiting on an origin whose breaker is
    open, they are that origin's trouble, not this node's."""
    followed_by(fed_app, peer.add_actor("alice"))
    with fed_app.app_context():
        publish_experience("Une expérience")
        db.session.commit()
    clock.advance(timedelta(seconds=fed_app.config["SETTINGS"].health_delivery_max_age + 1))
    _beat(fed_app)
    status, body = _health(fed_app)
    assert (status, body["failing"]) == (503, ["deliveries"])
    with fed_app.app_context():
        db.session.add(
            PeerHealth(origin=peer.base_url, circuit_open_until=clock.now(), failure_days=[])
        )
        db.session.commit()
    assert _health(fed_app)[0] == 200
    with fed_app.app_context():
        assert db.session.query(Delivery).count() == 1


def test_a_long_queue_of_records_to_render_fails_the_index_check(demo):
    """More stale harvest records than COMMONS_HEALTH_INDEX_MAX_STALE: the index is behind."""
    demo.config["SETTINGS"].health_index_max_stale = 2
    _beat(demo)
    assert _health(demo)[0] == 200
    with demo.app_context():
        db.session.execute(update(HarvestRecord).values(stale=True))
        db.session.commit()
    status, body = _health(demo)
    assert (status, body["failing"]) == (503, ["index"])
    assert body["checks"]["index"]["stale_records"] == 3  # counted no further than limit + 1
    demo.config["SETTINGS"].health_index_max_stale = 0  # 0 turns the check off
    assert _health(demo)[0] == 200


def test_a_database_that_does_not_answer_is_the_one_failing_check(tmp_path):
    """The database cannot be opened: 503 naming the database, nothing else tried."""
    app = create_app(
        {
            "data_dir": tmp_path / "instance",
            "database_url": f"sqlite:///{tmp_path / 'missing' / 'dir' / 'commons.db'}",
        }
    )
    status, body = _health(app)
    assert (status, body["failing"]) == (503, ["database"])
    assert list(body["checks"]) == ["database"]

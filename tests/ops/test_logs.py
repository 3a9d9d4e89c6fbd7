"""Logs: one line per event, JSON on request; a request id from the inbox to processing,
and from a publish to its deliveries."""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from federation.delivery import run_deliveries
from federation.inbox import run_inbox
from server.extensions import db
from server.models import ApiToken, Delivery, InboxMessage, OutboxActivity, User
from server.ops.logs import JsonFormatter, TextFormatter, request_context
from tests.conftest import make_user
from tests.federation.conftest import followed_by
from tests.ops.test_metrics import _follow, deliver


def _record(message: str = "stored %s", *args, exc: bool = False, **extra) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("a bad value\non two lines")
        except ValueError:
            import sys

            exc_info = sys.exc_info()
    record = logging.LogRecord(
        "commons.test", logging.WARNING, __file__, 1, message, args, exc_info
    )
    record.__dict__.update(extra)
    return record


def test_a_json_line_holds_the_event_its_fields_and_its_traceback():
    line = JsonFormatter().format(_record("stored %s", 3, exc=True, request_id="r-1", inbox=7))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "stored 3"
    assert (entry["level"], entry["logger"]) == ("WARNING", "commons.test")
    assert (entry["request_id"], entry["inbox"]) == ("r-1", 7)
    assert "ValueError: a bad value" in entry["exc"]


def test_a_text_line_is_one_line_too():
    line = TextFormatter().format(_record("stored %s", 3, exc=True, request_id="r-1"))
    assert "\n" not in line
    assert "[r-1] stored 3" in line and "ValueError" in line


def test_every_response_names_its_request(node, caplog):
    """A sane X-Request-Id is kept and logged; anything else is replaced by a fresh id."""
    client = node.test_client()
    with caplog.at_level(logging.INFO, logger="commons.request"):
        kept = client.get("/healthz", headers={"X-Request-Id": "lb-42.a"})
    assert kept.headers["X-Request-Id"] == "lb-42.a"
    line = [r for r in caplog.records if r.name == "commons.request"][-1]
    assert (line.request_id, line.route) == ("lb-42.a", "/healthz")
    for bad in ("has space", "x" * 200, "<script>"):
        fresh = client.get("/healthz", headers={"X-Request-Id": bad}).headers["X-Request-Id"]
        assert fresh != bad and len(fresh) == 32
    assert client.get("/healthz").headers["X-Request-Id"]


def test_a_request_id_follows_an_activity_from_the_inbox_to_its_processing(fed_app, peer, caplog):
    """A Follow arrives with a request id: the worker's line for it, and the delivery of
    the Accept it causes, carry that id."""
    alice = peer.add_actor("alice")
    response = deliver(fed_app.test_client(), alice, _follow(alice), request_id="peer-req-1")
    assert response.status_code == 202
    with fed_app.app_context():
        assert db.session.scalar(select(InboxMessage.request_id)) == "peer-req-1"
        with caplog.at_level(logging.INFO):
            run_inbox(fed_app)
            run_deliveries(fed_app)
    processed = [r for r in caplog.records if r.name == "commons.inbox"]
    assert [(r.request_id, r.activity_type, r.outcome) for r in processed] == [
        ("peer-req-1", "Follow", "done")
    ]
    sent = [r for r in caplog.records if r.name == "commons.delivery"]
    assert [(r.request_id, r.outcome) for r in sent] == [("peer-req-1", "done")]
    assert [d["body"]["type"] for d in peer.received] == ["Accept"]


def test_a_publish_request_id_goes_with_its_deliveries(node, peer, caplog):
    """An editor's script publishes with a request id: each delivery line carries it."""
    node.config["SETTINGS"].allow_private_addresses = True
    followed_by(node, peer.add_actor("alice"))
    editor = make_user(node, "script@example.org", "editor")
    with node.app_context():
        _, secret = ApiToken.issue(db.session.get(User, editor))
        db.session.commit()
    experience = {
        "type": ["Article", "Experience"],
        "name": "Un récit",
        "nameMap": {"fr": "Un récit"},
        "dct:language": "fr",
        "dct:license": "https://creativecommons.org/licenses/by-sa/4.0/",
    }
    headers = {"Authorization": f"Bearer {secret}", "X-Request-Id": "publish-7"}
    response = node.test_client().post("/actor/outbox", json=experience, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    with node.app_context():
        assert db.session.scalar(select(OutboxActivity.request_id)) == "publish-7"
        assert db.session.query(Delivery).count() == 1
        with caplog.at_level(logging.INFO, logger="commons.delivery"):
            run_deliveries(node)
    sent = [r for r in caplog.records if r.name == "commons.delivery"]
    assert [(r.request_id, r.outcome) for r in sent] == [("publish-7", "done")]


def test_lines_logged_for_a_request_carry_its_id():
    """The handler's filter stamps each line with the id of the request it was logged for."""
    from server.ops.logs import RequestIdFilter

    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("commons.test.context")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with request_context("job-9"):
            logger.info("inside")
        logger.info("outside")
    finally:
        logger.removeHandler(handler)
    assert [json.loads(line)["request_id"] for line in lines] == ["job-9", None]

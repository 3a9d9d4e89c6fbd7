"""GET /metrics: Prometheus text, for allowed addresses or the token; counters that move."""

from __future__ import annotations

import json

from prometheus_client.parser import text_string_to_metric_families

from federation.signatures import sign_request
from tests.conftest import BASE_URL


def _scrape(client, **kwargs) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _requests(samples, route: str, status: str, method: str = "GET") -> float:
    labels = (("method", method), ("route", route), ("status", status))
    return samples.get(("commons_http_request_duration_seconds_count", labels), 0.0)


def _follow(actor, suffix: str = "1") -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.iri}/follows/{suffix}",
        "type": "Follow",
        "actor": actor.iri,
        "object": f"{BASE_URL}/actor",
    }


def deliver(client, actor, activity: dict, request_id: str | None = None):
    """A peer POSTs a signed activity to the node's shared inbox."""
    body = json.dumps(activity).encode()
    headers = sign_request(
        "POST",
        f"{BASE_URL}/inbox",
        {"Content-Type": "application/activity+json"},
        body,
        actor.key_id,
        actor.private_pem,
    )
    if request_id:
        headers["X-Request-Id"] = request_id
    return client.post("/inbox", data=body, headers=headers)


def test_requests_are_counted_by_route_not_by_path(node):
    """Two theme pages count under their URL rule, with their status; a path that matches
    no rule counts as unmatched."""
    from sqlalchemy import select

    from server.extensions import db
    from server.models import Theme

    with node.app_context():
        slugs = db.session.scalars(select(Theme.slug).limit(2)).all()
    client = node.test_client()
    before = _scrape(client)
    for slug in slugs:
        assert client.get(f"/themes/{slug}").status_code == 200
    assert client.get("/no/such/page").status_code == 404
    after = _scrape(client)
    route = "/themes/<slug>"
    assert _requests(after, route, "200") - _requests(before, route, "200") == 2
    assert _requests(after, "<unmatched>", "404") - _requests(before, "<unmatched>", "404") == 1
    assert not any(slugs[0] in str(labels) for _, labels in after)


def test_inbox_counters_move_when_an_activity_arrives(fed_app, peer):
    """A peer delivers a Follow: the inbox route counts a 202 and one message is pending."""
    client = fed_app.test_client()
    before = _scrape(client)
    pending = ("commons_inbox_messages", (("state", "pending"),))
    assert before[pending] == 0
    alice = peer.add_actor("alice")
    assert deliver(client, alice, _follow(alice)).status_code == 202
    after = _scrape(client)
    assert after[pending] == 1
    inbox = ("/inbox", "202", "POST")
    assert _requests(after, *inbox) - _requests(before, *inbox) == 1
    assert after[("commons_inbox_oldest_pending_seconds", ())] >= 0


def test_the_database_gauges_are_there(node):
    samples = _scrape(node.test_client())
    names = {name for name, _ in samples}
    for name in (
        "commons_inbox_messages",
        "commons_deliveries",
        "commons_deliveries_pending_by_origin_health",
        "commons_peer_origins",
        "commons_index_stale_records",
        "commons_worker_heartbeat_age_seconds",
        "commons_workers_alive",
        "commons_db_pool_connections_in_use",
    ):
        assert name in names, name


def test_metrics_are_for_loopback_only_by_default(node):
    """Another address gets 403; behind an untrusted proxy, loopback proves nothing."""
    client = node.test_client()
    assert client.get("/metrics").status_code == 200
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert outside.status_code == 403
    assert outside.get_json()["error"] == "Forbidden"
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert proxied.status_code == 403


def test_configured_addresses_and_the_token_may_read_metrics(node):
    settings = node.config["SETTINGS"]
    settings.metrics_allow = "203.0.113.0/24"
    settings.metrics_token = "s3cret-metrics-token"
    client = node.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 200
    assert client.get("/metrics").status_code == 403  # loopback is no longer listed
    elsewhere = {"REMOTE_ADDR": "198.51.100.1"}
    assert client.get("/metrics", environ_base=elsewhere).status_code == 403
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.get("/metrics", environ_base=elsewhere, headers=wrong).status_code == 403
    right = {"Authorization": "Bearer s3cret-metrics-token"}
    assert client.get("/metrics", environ_base=elsewhere, headers=right).status_code == 200


def test_metrics_can_be_turned_off(tmp_path, database_url):
    from server import create_app

    app = create_app(
        {"data_dir": tmp_path / "instance", "database_url": database_url, "metrics": False}
    )
    assert app.test_client().get("/metrics").status_code == 404


def test_a_bad_allow_list_stops_the_node_with_a_clear_error():
    import pytest

    from server.config import ConfigError, Settings

    with pytest.raises(ConfigError, match="COMMONS_METRICS_ALLOW"):
        Settings.from_env({"COMMONS_METRICS_ALLOW": "10.0.0.0/8, not-an-address"})

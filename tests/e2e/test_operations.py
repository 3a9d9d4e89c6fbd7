"""Operating a real node: /healthz follows its worker, /metrics adds up its web processes,
and a request id follows an activity through the JSON logs."""

from __future__ import annotations

import json
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from federation.signatures import sign_request
from tests.e2e.harness import wait_for
from tests.federation.peer import Peer

pytestmark = pytest.mark.slow


def _health(node) -> tuple[int, list[str]]:
    response = requests.get(f"{node.base_url}/healthz", timeout=10)
    return response.status_code, response.json().get("failing", [])


def _count(node, route: str, status: str, method: str = "GET") -> float:
    text = requests.get(f"{node.base_url}/metrics", timeout=10).text
    wanted = {"route": route, "status": status, "method": method}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_count") and sample.labels == wanted:
                return sample.value
    return 0.0


def _log_lines(node) -> list[dict]:
    lines = []
    for line in node.log.read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_health_turns_503_when_the_worker_stops_and_200_when_it_comes_back(make_node):
    """A node served without its worker is failing; a `commons worker` beside it makes it
    well; killed, the worker's silence fails the check again; a new one cures it."""
    node = make_node("ops", start=False, COMMONS_HEALTH_WORKER_MAX_AGE="3")
    node.start(workers=2, with_worker=False)
    assert _health(node) == (503, ["worker"])
    worker = node.start_worker()
    wait_for(lambda: _health(node)[0] == 200, timeout=90, message="a beating worker")
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    wait_for(lambda: _health(node) == (503, ["worker"]), timeout=30, message="a silent worker")
    node.start_worker()
    wait_for(lambda: _health(node)[0] == 200, timeout=90, message="the worker back")


def test_the_supervised_worker_beats_and_deliveries_shows_it(make_node):
    """`commons serve` runs its own worker: the node is well, and `commons deliveries`
    names the worker's host and pid with its last beat."""
    node = make_node("super")
    wait_for(lambda: _health(node)[0] == 200, timeout=90, message="the supervised worker")
    shown = node.cli("deliveries").stdout
    assert "worker: running" in shown and "last beat" in shown


def test_metrics_add_up_across_web_processes_and_a_request_id_follows_an_activity(make_node):
    """Two web processes answer 40 requests: any scrape counts all 40. A peer's Follow,
    sent with a request id, is counted, and the worker's JSON lines for processing it and
    for delivering the Accept carry that id."""
    node = make_node("metrics", start=False, COMMONS_LOG_FORMAT="json", COMMONS_ACCESS_LOG="-")
    node.start(workers=2)
    before = _count(node, "/.well-known/nodeinfo", "200")
    url = f"{node.base_url}/.well-known/nodeinfo"
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: requests.get(url, timeout=20).status_code, range(40)))
    assert statuses == [200] * 40
    assert len(list((node.data_dir / "metrics").glob("histogram_*.db"))) >= 2
    for _ in range(4):  # whichever process answers the scrape
        assert _count(node, "/.well-known/nodeinfo", "200") - before == 40

    with Peer() as peer:
        alice = peer.add_actor("alice")
        follow = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{alice.iri}/follows/1",
            "type": "Follow",
            "actor": alice.iri,
            "object": node.actor,
        }
        body = json.dumps(follow).encode()
        headers = sign_request(
            "POST",
            f"{node.base_url}/inbox",
            {"Content-Type": "application/activity+json"},
            body,
            alice.key_id,
            alice.private_pem,
        )
        received = _count(node, "/inbox", "202", "POST")
        response = requests.post(
            f"{node.base_url}/inbox",
            data=body,
            headers={**headers, "X-Request-Id": "follow-from-alice-1"},
            timeout=20,
        )
        assert response.status_code == 202
        assert response.headers["X-Request-Id"] == "follow-from-alice-1"
        assert _count(node, "/inbox", "202", "POST") - received == 1
        wait_for(lambda: peer.received, timeout=60, message="the Accept")

    def carrying(logger: str) -> list[dict]:
        return [
            line
            for line in _log_lines(node)
            if line["logger"] == logger and line["request_id"] == "follow-from-alice-1"
        ]

    wait_for(lambda: carrying("commons.delivery"), timeout=30, message="the delivery line")
    assert [line["route"] for line in carrying("commons.request")] == ["/inbox"]
    processed = carrying("commons.inbox")
    assert [(line["activity_type"], line["outcome"]) for line in processed] == [("Follow", "done")]
    assert processed[0]["pid"] != carrying("commons.request")[0]["pid"]  # the worker's line
    assert carrying("commons.delivery")[0]["outcome"] == "done"

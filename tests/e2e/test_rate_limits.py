"""Rate limits hold across the web processes of a real node (`commons serve`, 2 workers)."""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.slow


def test_a_served_node_counts_searches_across_its_web_processes(make_node):
    """Given a node served by two gunicorn processes and 4 searches a minute, whichever process
    answers, the 5th search and those after it get 429 with Retry-After."""
    node = make_node("limited", COMMONS_RATE_LIMITS="search=4/minute")
    answers = [
        requests.get(
            f"{node.base_url}/search?q=eau",
            headers={"Accept": "application/json", "Connection": "close"},
            timeout=30,
        )
        for _ in range(10)
    ]
    assert [a.status_code for a in answers] == [200] * 4 + [429] * 6
    assert all(int(a.headers["Retry-After"]) >= 1 for a in answers[4:])
    assert answers[-1].json()["error"]
    assert requests.get(f"{node.base_url}/.well-known/nodeinfo", timeout=30).ok

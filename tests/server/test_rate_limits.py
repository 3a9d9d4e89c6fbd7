"""Rate limits: a client over its limit gets 429 with Retry-After, and is served again later.

Counters live in the node's database (SQLite or PostgreSQL, whichever the tests run on), or
in Redis (db 3 of COMMONS_TEST_REDIS_URL) when COMMONS_REDIS_URL is set.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server import create_app
from server.config import ConfigError, Settings
from server.extensions import db
from server.models import ApiToken, RateCounter, User, clock
from tests.conftest import BASE_URL, make_user

REDIS_URL = os.environ.get("COMMONS_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
JSON = {"Accept": "application/json"}


@pytest.fixture
def limited(node, database_url, tmp_path):
    """Build another application of the same node (same database) with these limits."""

    def make(rate_limits: str, **settings):
        return create_app(
            {
                "data_dir": tmp_path / "instance",
                "database_url": database_url,
                "base_url": BASE_URL,
                "node_handle": "fabrique",
                "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "rate_limits": rate_limits,
                **settings,
            }
        )

    return make


def _from(address: str) -> dict:
    return {"REMOTE_ADDR": address}


def test_a_search_over_its_limit_gets_429_and_is_served_after_the_window(limited):
    """Given 3 searches a minute, the 4th gets 429 with Retry-After; a minute later, 200."""
    client = limited("search=3/minute").test_client()
    assert [client.get("/search?q=eau", headers=JSON).status_code for _ in range(3)] == [200] * 3
    refused = client.get("/search?q=eau", headers=JSON)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert set(refused.get_json()) == {"error", "detail"}
    assert client.get("/map.json", headers=JSON).status_code == 429  # the same group
    assert client.get("/atlas.json").status_code == 429
    assert client.get("/", headers=JSON).status_code == 200  # pages are not limited

    clock.advance(timedelta(seconds=61))
    assert client.get("/search?q=eau", headers=JSON).status_code == 200


def test_people_get_the_error_page_in_their_language(limited):
    """Given a browser over its limit, the 429 is a page saying to wait, in FR or EN."""
    client = limited("search=1/minute").test_client()
    client.get("/search?q=eau")
    english = client.get("/search?q=eau&lang=en", headers={"Accept-Language": "en"})
    assert english.status_code == 429 and english.mimetype == "text/html"
    assert "Too many requests" in english.get_data(as_text=True)
    french = client.get("/search?q=eau", headers={"Accept-Language": "fr"})
    assert "attendez" in french.get_data(as_text=True)
    assert french.headers["Retry-After"]


def test_sparql_and_oai_clients_get_a_plain_429(limited):
    """Given harvesters over their limits, SPARQL and OAI-PMH answer 429 text with Retry-After."""
    client = limited("sparql=1/minute;oai=1/minute").test_client()
    sparql = {"Accept": "application/sparql-results+json"}
    assert client.get("/sparql", headers=sparql).status_code == 200
    refused = client.get("/sparql", headers=sparql)
    assert refused.status_code == 429 and refused.mimetype == "text/plain"
    assert int(refused.headers["Retry-After"]) >= 1

    assert client.get("/oai?verb=Identify").status_code == 200
    refused = client.get("/oai?verb=Identify")
    assert refused.status_code == 429 and refused.mimetype == "text/plain"
    assert int(refused.headers["Retry-After"]) >= 1


def test_the_write_api_counts_each_token_and_each_address(node, limited):
    """Given 2 API calls a minute, a token is stopped anywhere, an address with any token."""
    secrets = []
    for email in ("a@example.org", "b@example.org", "c@example.org"):
        user_id = make_user(node, email, "editor")
        with node.app_context():
            secrets.append(ApiToken.issue(db.session.get(User, user_id))[1])
            db.session.commit()
    client = limited("api=2/minute").test_client()

    def post(secret: str, address: str) -> int:
        headers = {"Authorization": f"Bearer {secret}"}
        return client.post(
            "/actor/outbox", data="{}", headers=headers, environ_base=_from(address)
        ).status_code

    first, second, third = secrets
    assert post(first, "192.0.2.1") != 429 and post(first, "192.0.2.1") != 429
    assert post(first, "192.0.2.1") == 429
    assert post(first, "192.0.2.2") == 429  # the same token from elsewhere
    assert post(second, "192.0.2.1") == 429  # the same address with another token
    assert post(third, "192.0.2.3") != 429


def test_sign_in_posts_are_limited_per_address(node, limited):
    """Given 3 sign-ins a minute, the 4th POST from one address is 429; the page still shows."""
    make_user(node, "ed@example.org", "editor")
    app = limited("signin=3/minute")
    form = {"email": "ed@example.org", "password": "correct horse battery"}

    def sign_in(address: str):
        return app.test_client().post("/signin", data=form, environ_base=_from(address))

    assert [sign_in("198.51.100.7").status_code for _ in range(3)] == [303] * 3
    refused = sign_in("198.51.100.7")
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert app.test_client().get("/signin", environ_base=_from("198.51.100.7")).status_code == 200
    assert sign_in("198.51.100.8").status_code == 303


def test_repeated_wrong_passwords_say_when_to_retry(client, node):
    """Given five failed sign-ins for an account, the 429 says to retry in up to 15 minutes."""
    make_user(node, "ed@example.org", "editor")
    for _ in range(5):
        client.post("/signin", data={"email": "ed@example.org", "password": "wrong password!"})
    response = client.post(
        "/signin", data={"email": "ed@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 15 * 60
    clock.advance(timedelta(seconds=int(response.headers["Retry-After"])))
    response = client.post(
        "/signin", data={"email": "ed@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 303


def test_two_web_processes_share_the_counters(limited, node):
    """Given two applications on one database, requests to either count against one limit."""
    one = limited("oai=4/minute").test_client()
    two = limited("oai=4/minute").test_client()
    answers = [(one if n % 2 else two).get("/oai?verb=Identify").status_code for n in range(6)]
    assert answers == [200, 200, 200, 200, 429, 429]
    with node.app_context():
        assert db.session.scalar(select(func.count()).select_from(RateCounter)) == 1


def test_behind_a_proxy_each_forwarded_client_has_its_own_count(limited):
    """Given a trusted proxy, clients are told apart by X-Forwarded-For, not the proxy's address."""
    client = limited("oai=1/minute", trusted_proxies=1).test_client()

    def get(client_address: str) -> int:
        headers = {"X-Forwarded-For": client_address}
        return client.get("/oai?verb=Identify", headers=headers).status_code

    assert get("203.0.113.1") == 200
    assert get("203.0.113.1") == 429
    assert get("203.0.113.2") == 200


def test_limits_off_let_everything_through(limited):
    """Given COMMONS_RATE_LIMITS=off, there is no limiter and no counting."""
    app = limited("off")
    assert app.extensions["rate_limits"] is None
    client = app.test_client()
    assert {client.get("/oai?verb=Identify").status_code for _ in range(70)} == {200}


def test_a_mistyped_limit_stops_the_node_at_start():
    """Given a typo in COMMONS_RATE_LIMITS, the settings refuse it with a clear message."""
    with pytest.raises(ConfigError, match="serch"):
        Settings.from_env({"COMMONS_RATE_LIMITS": "serch=10/minute"})
    with pytest.raises(ConfigError, match="a limit such as"):
        Settings.from_env({"COMMONS_RATE_LIMITS": "search=many"})
    with pytest.raises(ConfigError, match="COMMONS_REDIS_URL"):
        Settings.from_env({"COMMONS_REDIS_URL": "http://127.0.0.1:6379"})


# --- Redis --------------------------------------------------------------------------------


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(
    not os.environ.get("COMMONS_REQUIRE_REDIS") and not _redis_answers(),
    reason=f"no Redis at {REDIS_URL}",
)


@needs_redis
def test_with_redis_the_counters_are_shared_and_recover(limited, node):
    """Given COMMONS_REDIS_URL, two applications share counts in Redis, none in the database."""
    import time

    one = limited("oai=2/5 seconds", redis_url=REDIS_URL)
    one.extensions["rate_limits"].storage.reset()  # what an earlier run left
    two = limited("oai=2/5 seconds", redis_url=REDIS_URL)
    clients = [one.test_client(), two.test_client()]
    answers = [clients[n % 2].get("/oai?verb=Identify") for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    with node.app_context():
        assert db.session.scalar(select(func.count()).select_from(RateCounter)) == 0

    time.sleep(int(answers[-1].headers["Retry-After"]))  # Redis expires keys in real time
    assert clients[0].get("/oai?verb=Identify").status_code == 200


def test_when_redis_is_down_requests_are_served_and_logged(limited, caplog):
    """Given a Redis that does not answer, requests pass unlimited and the failure is logged."""
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = limited("oai=1/minute", redis_url=f"redis://127.0.0.1:{port}/3").test_client()
    with caplog.at_level(logging.WARNING, logger="server.services.rate_limits"):
        assert [client.get("/oai?verb=Identify").status_code for _ in range(3)] == [200] * 3
    assert "rate limits: the store failed" in caplog.text

"""Fixtures: a fresh node per test, on SQLite or on PostgreSQL (COMMONS_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from server import create_app
from server.extensions import db
from server.models import clock

BASE_URL = "http://node.test"


@pytest.fixture(scope="session", autouse=True)
def _fast_crypto():
    """Make in-process tests fast without changing what they check.

    Argon2 with its production cost takes about 0.3 s a hash; tests that sign in hash and
    verify many times, so in-process tests use cheap parameters (still argon2id). Nodes reuse
    one real RSA key pair instead of generating 2048-bit keys for every test. Node processes
    started by the end-to-end tests use the production settings.
    """
    from argon2 import PasswordHasher

    from server.models import user
    from server.services import node

    production_hasher, production_keys = user._hasher, node.generate_key_pair
    key_pair = production_keys()
    user._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    node.generate_key_pair = lambda: key_pair
    yield production_hasher
    user._hasher, node.generate_key_pair = production_hasher, production_keys


def _test_database_url(tmp_root: Path) -> str:
    return os.environ.get("COMMONS_TEST_DATABASE_URL") or f"sqlite:///{tmp_root / 'test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database every in-process test uses, schema created once from the models."""
    url = _test_database_url(tmp_path_factory.mktemp("db"))
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"data_dir": tmp_path_factory.mktemp("schema"), "database_url": url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return url


def _empty_all_tables() -> None:
    """Delete every row, children first, so the next test starts from nothing."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(database_url: str, tmp_path: Path):
    """A node application with an empty database and its own data directory.

    The clock (`server.models.clock`) is put back to the real time afterwards, whatever
    the test moved it to.
    """
    application = create_app(
        {
            "data_dir": tmp_path / "instance",
            "database_url": database_url,
            "base_url": BASE_URL,
            "node_handle": "fabrique",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "rate_limits": "off",  # tests/server/test_rate_limits.py turns them on
        }
    )
    with application.app_context():
        _empty_all_tables()
    yield application
    clock.reset()
    with application.app_context():
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def node(app):
    """An initialised node: settings, actor and keys, default thesaurus."""
    from server.services.node import initialise_node

    with app.app_context():
        initialise_node()
    return app


@pytest.fixture
def demo(node):
    """An initialised node with the demo content loaded."""
    from server.services.demo import seed_demo

    with node.app_context():
        seed_demo()
    return node


@pytest.fixture
def client(node):
    return node.test_client()


@pytest.fixture
def runner(node):
    return node.test_cli_runner()


def make_user(app, email: str, role: str, password: str = "correct horse battery") -> int:
    """Create a member account and return its id."""
    from server.services.accounts import create_user

    with app.app_context():
        user = create_user(email, role, password)
        db.session.commit()
        return user.id


def sign_in(client, email: str, password: str = "correct horse battery"):
    """Sign in through the real form."""
    return client.post("/signin", data={"email": email, "password": password})


@pytest.fixture
def editor_client(node):
    """A test client signed in as an editor."""
    make_user(node, "editor@example.org", "editor")
    client = node.test_client()
    sign_in(client, "editor@example.org")
    return client


@pytest.fixture
def admin_client(node):
    """A test client signed in as an admin."""
    make_user(node, "admin@example.org", "admin")
    client = node.test_client()
    sign_in(client, "admin@example.org")
    return client


@pytest.fixture
def reader_client(node):
    """A test client signed in as a reader."""
    make_user(node, "reader@example.org", "reader")
    client = node.test_client()
    sign_in(client, "reader@example.org")
    return client


def csrf_token(html: str) -> str:
    """Return the CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def empty_database_url(database_url: str, tmp_path: Path):
    """A database with nothing in it, of the same kind as the test database."""
    yield from fresh_database(database_url, tmp_path, "empty")


def fresh_database(database_url: str, tmp_path: Path, name: str):
    """Yield the URL of an empty database named `name`, of the same kind as the test
    database (a SQLite file, or a PostgreSQL schema dropped afterwards)."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / f'{name}.db'}"
        return
    schema = f"{name}_{os.getpid()}"
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in database_url else "?"
    yield f"{database_url}{separator}options={quote(f'-csearch_path={schema}')}"
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()

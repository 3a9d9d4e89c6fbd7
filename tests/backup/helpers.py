"""Nodes of their own database for backup tests: a SQLite file or a PostgreSQL schema."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import Result
from sqlalchemy import create_engine, inspect, text

from server import create_app
from server.cli import commons
from server.extensions import db
from tests.e2e.harness import node_database_url

BASE_URL = "http://node.test"


def postgres_url() -> str | None:
    """A PostgreSQL server to restore into: the test database's, or COMMONS_TEST_POSTGRES_URL."""
    url = os.environ.get("COMMONS_TEST_DATABASE_URL") or ""
    return url if url.startswith("postgresql") else os.environ.get("COMMONS_TEST_POSTGRES_URL")


def database(kind: str, name: str, tmp: Path) -> str:
    """A new empty database: kind "sqlite", "postgresql" or "test" (the suite's own kind)."""
    if kind == "test":
        base = os.environ.get("COMMONS_TEST_DATABASE_URL")
    elif kind == "postgresql":
        base = postgres_url()
    else:
        base = None
    tmp.mkdir(parents=True, exist_ok=True)
    return node_database_url(base, name, tmp)


def node_app(data_dir: Path, database_url: str, base_url: str = BASE_URL):
    return create_app(
        {
            "data_dir": data_dir,
            "database_url": database_url,
            "base_url": base_url,
            "node_handle": "fabrique",
            "TESTING": True,
        }
    )


def run(app, *args: str, input: str | None = None) -> Result:
    """Run a `commons` command against `app`, as an admin types it."""
    result = app.test_cli_runner().invoke(commons, list(args), input=input)
    with app.app_context():
        db.engine.dispose()
    return result


def table_names(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def scalars(database_url: str, sql: str, **params: object) -> list:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), params).scalars())
    finally:
        engine.dispose()


def scalar(database_url: str, sql: str, **params: object) -> object:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()

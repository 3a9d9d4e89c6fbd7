"""The database connections every process gets from `create_app`."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from server.extensions import db


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(app):
    """Given a node on SQLite, every connection checks foreign keys and uses the write-ahead
    log, so web and worker processes can share the file (set up by the factory)."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas")
        db.engine.dispose()
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"

"""The Alembic revisions build exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from server import create_app
from server.extensions import db
from server.search.index import is_index_table
from tests.conftest import fresh_database


def _search_index_schema(connection) -> list[str]:
    """The definitions of what the models cannot describe: the search index, its shadow
    tables, indexes and triggers (SQLite), or its table and indexes (PostgreSQL)."""
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'search_index%'"
        )
    else:
        rows = connection.exec_driver_sql(
            "SELECT 'index', indexname, replace(indexdef, current_schema() || '.', '') "
            "FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = 'search_index' "
            "UNION ALL SELECT 'column', column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = 'search_index'"
        )
    return sorted(" ".join(str(part) for part in row) for row in rows)


@pytest.fixture
def other_database_url(database_url: str, tmp_path):
    """A second empty database of the same kind, for what create_all() builds."""
    yield from fresh_database(database_url, tmp_path, "created")


def test_upgrade_head_matches_the_models(empty_database_url, other_database_url, tmp_path):
    """Given an empty database, when Alembic upgrades to head, then it equals the models."""
    app = create_app({"data_dir": tmp_path / "instance", "database_url": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            # The search index is left out (the models cannot describe it) and compared
            # below with what create_all() builds instead.
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, kind, _: (
                        not (kind == "table" and is_index_table(name))
                    ),
                },
            )
            differences = compare_metadata(context, db.metadata)
            migrated_index = _search_index_schema(connection)
        db.engine.dispose()
    assert differences == []
    created = create_app({"data_dir": tmp_path / "created", "database_url": other_database_url})
    with created.app_context():
        db.create_all()
        with db.engine.connect() as connection:
            created_index = _search_index_schema(connection)
        db.engine.dispose()
    assert migrated_index, "upgrade head built no search index"
    assert migrated_index == created_index


def test_downgrade_to_base_and_back(empty_database_url, tmp_path):
    """Every revision can be undone and applied again."""
    app = create_app({"data_dir": tmp_path / "instance", "database_url": empty_database_url})
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        with db.engine.connect() as connection:
            tables = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        db.engine.dispose()

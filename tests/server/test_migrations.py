"""The Alembic revisions build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from server import create_app
from server.extensions import db


def test_upgrade_head_matches_the_models(empty_database_url, tmp_path):
    """Given an empty database, when Alembic upgrades to head, then it equals the models."""
    app = create_app({"data_dir": tmp_path / "instance", "database_url": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


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

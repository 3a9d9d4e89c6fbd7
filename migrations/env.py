"""Alembic environment: the app's engine and metadata, our column types rendered plainly."""

from __future__ import annotations

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import types

from server.search.index import is_index_table

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def render_item(type_, obj, autogen_context):
    """Write our TypeDecorators as their portable implementation types."""
    if type_ == "type" and isinstance(obj, types.TypeDecorator):
        impl = obj.impl
        if isinstance(impl, types.DateTime):
            return f"sa.DateTime(timezone={impl.timezone})"
        if isinstance(impl, types.JSON):
            return "sa.JSON()"
    return False


def include_name(name, type_, _parent_names) -> bool:
    """Leave out what the models cannot describe: the search index (an FTS5 virtual table
    and its shadow tables, or a tsvector table), created by its own revision."""
    return not (type_ == "table" and is_index_table(name))


def _configure(**kwargs) -> None:
    context.configure(
        target_metadata=target_db.metadata,
        render_item=render_item,
        include_name=include_name,
        compare_type=True,
        render_as_batch=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=str(target_db.engine.url), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with target_db.engine.connect() as connection:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

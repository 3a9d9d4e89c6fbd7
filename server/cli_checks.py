"""Checks the `commons` commands make before they touch the database."""

from __future__ import annotations

import click
from sqlalchemy import inspect

from server.extensions import db


def require_initialised() -> None:
    """Stop with a one-line error when `commons init` has not run on this database."""
    if not inspect(db.engine).has_table("actor"):
        raise click.ClickException("the node is not initialised: run `commons init` first")

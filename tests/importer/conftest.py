"""Fixtures for imports: the sample sources, a node with two territories."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.extensions import db

DATA = Path(__file__).parent.parent / "data" / "import"


@pytest.fixture
def places(node):
    """The node knows Mouans-Sartoux (INSEE 06084) and the Alpes-Maritimes (06)."""
    from server.services.taxonomy import TerritoryInput, save_territory

    with node.app_context():
        save_territory(TerritoryInput(name={"fr": "Alpes-Maritimes"}, kind="department", code="06"))
        save_territory(TerritoryInput(name={"fr": "Mouans-Sartoux"}, code="06084"))
        db.session.commit()
    return node


def run_import(runner, *args: str):
    """Run `commons import` as an admin would; return the result."""
    from server.cli import commons

    return runner.invoke(commons, ["import", *map(str, args)], catch_exceptions=False)

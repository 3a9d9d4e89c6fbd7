"""End-to-end fixtures: real node processes on 127.0.0.1."""

from __future__ import annotations

import os

import pytest

from tests.e2e.harness import Node


@pytest.fixture
def make_node(tmp_path):
    """Start nodes on demand; stop them all at the end."""
    started: list[Node] = []

    def make(name: str, demo: bool = False, start: bool = True, **settings: str) -> Node:
        node = Node(name, tmp_path, os.environ.get("COMMONS_TEST_DATABASE_URL"), **settings)
        node.setup(demo=demo)
        if start:
            node.start()
        started.append(node)
        return node

    yield make
    for node in started:
        node.stop()

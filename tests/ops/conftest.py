"""Operations tests use the federation fixtures: a node that talks to a real peer."""

from __future__ import annotations

from tests.federation.conftest import fed_app, peer  # noqa: F401 - fixtures

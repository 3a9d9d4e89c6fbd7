"""Helpers for search tests: find titles for a query, run on the test database."""

from __future__ import annotations

from typing import Any

from server.search import Query, Results, search


def run(app, text: str = "", **facets: Any) -> Results:
    """Search inside an application context and return the results."""
    with app.app_context():
        return search(Query(text=text, **facets))


def titles(app, text: str = "", **facets: Any) -> list[str]:
    """The titles (first language) of the hits, in their order."""
    with app.app_context():
        results = search(Query(text=text, per_page=100, **facets))
        return [next(iter(hit.item.title.values())) for hit in results.hits]


def add_item(app, kind: str, title: str | dict[str, str], **fields: Any) -> int:
    """Create and publish an item through the services; `license` may be given. Return its id."""
    from server.extensions import db
    from server.models import Territory, Theme
    from server.services.items import create_item, publish_item
    from vocab import kinds, objects

    titles = title if isinstance(title, dict) else {"fr": title}
    with app.app_context():
        for name, model in (("themes", Theme), ("territories", Territory)):
            if name in fields:
                fields[name] = [objects.Ref(model.by_slug(s).iri) for s in fields[name]]
        fields.setdefault("license", "")
        obj = kinds.by_name(kind).cls(
            id="", attributed_to="", name=titles, language=next(iter(titles)), **fields
        )
        item = create_item(obj)
        publish_item(item)
        db.session.commit()
        return item.id


# A followed node's copies arrive through the real inbox path (tests/federation).
from tests.federation.conftest import fed_app, peer  # noqa: E402, F401

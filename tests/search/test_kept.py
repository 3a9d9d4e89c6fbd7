"""Facet counts and the atlas are kept between searches only while nothing they count
changed: after any change, the next search counts again (server.search.cache)."""

from __future__ import annotations

from sqlalchemy import update

from server.extensions import db
from server.models import Item, Theme
from server.search import Query, search
from server.search.generation import current
from server.services.items import withdraw_item
from server.services.taxonomy import ThemeInput, save_theme
from tests.search.conftest import add_item
from tests.server.factories import make_theme


def _counts(app, facet: str, text: str = "coopérative") -> dict[str, int]:
    with app.app_context():
        return {v.value: v.count for v in search(Query(text=text)).facets[facet] if v.count}


def _kept_twice(app, facet: str) -> dict[str, int]:
    """Search twice (the second answer is the kept one) and return the second's counts."""
    _counts(app, facet)
    return _counts(app, facet)


def test_a_withdrawn_item_leaves_the_kept_counts(node):
    """Given two experiences counted by a search asked twice, when one is withdrawn,
    then the same search counts one."""
    first = add_item(node, "experience", "Une coopérative d'habitants")
    add_item(node, "experience", "Une coopérative d'énergie")
    assert _kept_twice(node, "kind") == {"experience": 2}
    with node.app_context():
        withdraw_item(db.session.get(Item, first))
        db.session.commit()
    assert _counts(node, "kind") == {"experience": 1}


def test_a_new_broader_link_moves_the_kept_theme_counts(node):
    """Given an item on "Habitat" counted, when an admin puts "Habitat" under "Énergie",
    then "Énergie" counts it: the tree changed, though no item did."""
    energy = make_theme(node, "Énergie", "Energy")
    housing = make_theme(node, "Habitat", "Housing")
    add_item(node, "experience", "Une coopérative d'habitants", themes=[housing])
    assert energy not in _kept_twice(node, "theme")
    with node.app_context():
        theme = Theme.by_slug(housing)
        save_theme(
            ThemeInput(pref_label=theme.pref_label, broader_ids=[Theme.by_slug(energy).id]),
            theme,
        )
        db.session.commit()
    assert _counts(node, "theme")[energy] == 1


def test_a_core_statement_of_the_session_moves_the_kept_counts(node):
    """Given counts kept, when a statement (not an object) changes an item's kind in the
    session, then the next search after the commit counts the new kind."""
    item_id = add_item(node, "experience", "Une coopérative d'habitants")
    assert _kept_twice(node, "kind") == {"experience": 1}
    with node.app_context():
        db.session.execute(update(Item).where(Item.id == item_id).values(kind="resource"))
        db.session.commit()
    assert _counts(node, "kind") == {"resource": 1}


def test_a_search_in_a_changing_transaction_sees_its_own_change_only(node):
    """Given counts kept, when a transaction changes an item and searches before its
    commit, it counts its own change; after a rollback, the others' counts are unchanged."""
    item_id = add_item(node, "experience", "Une coopérative d'habitants")
    assert _kept_twice(node, "kind") == {"experience": 1}
    with node.app_context():
        generation = current(db.session)
        db.session.execute(update(Item).where(Item.id == item_id).values(kind="resource"))
        kinds = {v.value: v.count for v in search(Query(text="coopérative")).facets["kind"]}
        assert kinds == {"resource": 1}
        db.session.rollback()
        assert current(db.session) == generation
    assert _counts(node, "kind") == {"experience": 1}


def test_the_atlas_counts_a_new_item(node, client):
    """Given the atlas asked twice, when an item on a concept is published, then the next
    atlas counts it on that concept."""
    theme = make_theme(node, "Habitat", "Housing")
    counts = lambda: {  # noqa: E731
        n["url"].rsplit("/", 1)[-1]: n["count"] for n in client.get("/atlas.json").json["nodes"]
    }
    before = counts()
    assert counts() == before
    add_item(node, "experience", "Une coopérative d'habitants", themes=[theme])
    assert counts()[theme] == before.get(theme, 0) + 1

"""The index follows every change in the transaction that makes it: publish, edit,
withdraw, hide, delete, a theme renamed, and federated copies; `commons reindex` rebuilds it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select, text

from server.cli import commons
from server.extensions import db
from server.models import Item, Territory, Theme
from server.search.index import TABLE
from server.services.items import withdraw_item
from tests.conftest import BASE_URL
from tests.federation.conftest import create_activity, signed_post
from tests.federation.test_processing import _experience, _follow_peer, _process
from tests.search.conftest import add_item, run, titles
from tests.server.factories import make_territory, make_theme
from vocab import objects


def _indexed(app) -> int:
    with app.app_context():
        return db.session.scalar(text(f"SELECT count(*) FROM {TABLE}"))


def test_a_withdrawn_item_disappears_at_once(node):
    """Given a published item that is found, when it is withdrawn, then the next search
    does not find it and its row has left the index."""
    item_id = add_item(node, "experience", "Jardins partagés à Roubaix")
    assert titles(node, "jardin") == ["Jardins partagés à Roubaix"]
    with node.app_context():
        withdraw_item(db.session.get(Item, item_id))
        db.session.commit()
    assert titles(node, "jardin") == []
    assert _indexed(node) == 0


def test_an_edit_is_searchable_at_once(node):
    """Given an item, when its title changes, then the new words are found, the old not."""
    item_id = add_item(node, "experience", "Compost collectif")
    with node.app_context():
        db.session.get(Item, item_id).title = {"fr": "Ressourcerie solidaire"}
        db.session.commit()
    assert titles(node, "ressourcerie") == ["Ressourcerie solidaire"]
    assert titles(node, "compost") == []


def test_hidden_and_deleted_items_leave_the_index(node):
    """Given two items, when an admin hides one and the other is deleted, neither is found."""
    first = add_item(node, "experience", "Cantine bio")
    second = add_item(node, "experience", "Cantine scolaire")
    with node.app_context():
        db.session.get(Item, first).hidden = True
        db.session.delete(db.session.get(Item, second))
        db.session.commit()
    assert titles(node, "cantine") == []
    assert _indexed(node) == 0


def test_a_renamed_theme_is_found_with_its_items(node):
    """Given an item on a theme, when the theme's label changes, the item is found by it."""
    slug = make_theme(node, "Circuits courts", "Short supply chains")
    add_item(node, "experience", "Une épicerie", themes=[slug])
    assert titles(node, "circuits") == ["Une épicerie"]
    with node.app_context():
        Theme.by_slug(slug).pref_label = {"fr": "Alimentation locale", "en": "Local food"}
        db.session.commit()
    assert titles(node, "alimentation") == ["Une épicerie"]
    assert titles(node, "circuits") == []


def test_a_themes_alternative_labels_find_its_items(node):
    """Given an item on a theme, when the theme gains an alternative label (as an import's
    mapping gives it), then that label finds the item, in any of its languages."""
    slug = make_theme(node, "Systèmes alimentaires", "Food systems")
    add_item(node, "experience", "Une régie agricole", themes=[slug])
    assert titles(node, "cantines") == []
    with node.app_context():
        Theme.by_slug(slug).alt_labels = {"fr": ["Cantines scolaires"], "en": ["School meals"]}
        db.session.commit()
    assert titles(node, "cantine") == ["Une régie agricole"]
    assert titles(node, "meal") == ["Une régie agricole"]


def test_labels_of_themes_and_territories_are_searchable(node):
    """Given an item on a theme and in a place, then their labels in any language find it."""
    theme = make_theme(node, "Biodiversité", "Biodiversity")
    place = make_territory(node, "Loos-en-Gohelle")
    add_item(node, "experience", "Une expérience", themes=[theme], territories=[place])
    assert titles(node, "biodiversity") == ["Une expérience"]
    assert titles(node, "gohelle") == ["Une expérience"]


def test_a_followed_nodes_copy_is_found_with_its_origin(fed_app, peer):
    """Given a followed node, when its Create is processed by the inbox worker, then the
    copy is found with its origin, and the node facet offers that origin."""
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    document = _experience(alice, title="Tiers-lieu nourricier")
    activity = create_activity(alice, document)
    assert signed_post(fed_app.test_client(), alice, activity).status_code == 202
    _process(fed_app)
    results = run(fed_app, "nourriciers")
    assert [hit.item.iri for hit in results.hits] == [document["id"]]
    with fed_app.app_context():
        origin = db.session.get(Item, results.hits[0].item.id).actor.origin
    assert origin == peer.base_url
    host = peer.base_url.split("://", 1)[1]
    assert [(v.value, v.count) for v in results.facets["node"]] == [(host, 1)]
    assert run(fed_app, "nourriciers", nodes=(host,)).total == 1
    assert run(fed_app, "nourriciers", nodes=("node.test",)).total == 0


def test_a_copy_deleted_by_its_origin_disappears(fed_app, peer):
    """Given a copy that is found, when its origin deletes it, the next search misses it."""
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    document = _experience(alice, title="Atelier vélo")
    client = fed_app.test_client()
    signed_post(client, alice, create_activity(alice, document))
    _process(fed_app)
    assert run(fed_app, "atelier").total == 1
    tombstone = {"type": "Tombstone", "id": document["id"]}
    signed_post(client, alice, create_activity(alice, tombstone, "Delete"))
    _process(fed_app)
    assert run(fed_app, "atelier").total == 0
    assert _indexed(fed_app) == 0


def test_a_federated_territory_sits_under_its_known_parent(fed_app, peer):
    """Given our region, and a peer's places naming it as parent (by IRI, and by an IRI
    our region lists in sameAs), then both copies' places sit under our region, and the
    region's facet finds both copies."""
    region = make_territory(fed_app, "Hauts-de-France", kind="region", code="32")
    with fed_app.app_context():
        ours = Territory.by_slug(region)
        ours.same_as = [f"{peer.base_url}/territories/hdf"]
        db.session.commit()
        region_iri = ours.iri
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    client = fed_app.test_client()
    for number, (name, parent) in enumerate(
        [("Lens", region_iri), ("Liévin", f"{peer.base_url}/territories/hdf")], start=1
    ):
        place = objects.Territory(
            id=f"{peer.base_url}/territories/{number}",
            name={"fr": name},
            kind="commune",
            part_of=objects.Ref(parent, {"fr": "Hauts-de-France"}),
        )
        peer.serve(f"/territories/{number}", place.to_jsonld())
        document = _with_territory(alice, number, name, place.id)
        signed_post(client, alice, create_activity(alice, document, suffix=str(number)))
    _process(fed_app)
    with fed_app.app_context():
        places = db.session.scalars(select(Territory).where(Territory.origin.is_not(None)))
        assert {p.label(): p.parent.iri if p.parent else None for p in places} == {
            "Lens": region_iri,
            "Liévin": region_iri,
        }
    assert run(fed_app, territories=(region,)).total == 2


def _with_territory(actor, number: int, name: str, place_iri: str) -> dict:
    base = actor.iri.rsplit("/users/", 1)[0]
    return objects.Experience(
        id=f"{base}/experiences/{number}",
        attributed_to=actor.iri,
        name={"fr": f"Expérience à {name}"},
        language="fr",
        license="https://creativecommons.org/licenses/by-sa/4.0/",
        summary={"fr": "Résumé"},
        territories=[objects.Ref(place_iri, {"fr": name})],
        published=datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
    ).to_jsonld()


def test_reindex_rebuilds_the_index(runner, node):
    """Given an index emptied behind the application's back, `commons reindex` fills it
    again and says how fast."""
    add_item(node, "experience", "Maison des associations")
    with node.app_context():
        db.session.execute(text(f"DELETE FROM {TABLE}"))
        db.session.commit()
    assert titles(node, "associations") == []
    result = runner.invoke(commons, ["reindex"])
    assert result.exit_code == 0, result.output
    assert "search index" in result.output and "items/s" in result.output
    assert titles(node, "associations") == ["Maison des associations"]


def test_the_migrated_index_works(empty_database_url, tmp_path):
    """Given a database built by Alembic (`commons init`), an item published is found."""
    from flask_migrate import upgrade

    from server import create_app
    from server.services.node import initialise_node

    app = create_app(
        {"data_dir": tmp_path / "i", "database_url": empty_database_url, "base_url": BASE_URL}
    )
    with app.app_context():
        upgrade()
        initialise_node()
        db.session.commit()
    add_item(app, "resource", {"en": "Community energy toolkit"})
    assert titles(app, "toolkits") == ["Community energy toolkit"]
    with app.app_context():
        db.session.execute(delete(Item))
        db.session.commit()
        assert db.session.scalar(text(f"SELECT count(*) FROM {TABLE}")) == 0
        db.engine.dispose()

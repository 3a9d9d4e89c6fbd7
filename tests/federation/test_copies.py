"""Another node's item, as this node's members and harvesters see it."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.models import Item
from tests.conftest import make_user, sign_in
from tests.federation.conftest import create_activity, signed_post
from tests.federation.test_processing import _experience, _follow_peer, _process


def _copy(fed_app, peer):
    alice = peer.add_actor("alice")
    _follow_peer(fed_app, alice)
    signed_post(
        fed_app.test_client(),
        alice,
        create_activity(alice, _experience(alice, title="Récit d'ailleurs")),
    )
    _process(fed_app)
    with fed_app.app_context():
        item = db.session.scalar(select(Item))
        return alice, item.iri, f"/experiences/{item.slug}"


def test_lists_mark_the_origin_and_local_filter_hides_copies(fed_app, peer):
    """A copy appears in the list marked with its node; ?local=1 leaves it out."""
    _, _, _ = _copy(fed_app, peer)
    client = fed_app.test_client()
    everything = client.get("/experiences").get_data(as_text=True)
    assert "Récit d&#39;ailleurs" in everything or "Récit d'ailleurs" in everything
    assert "Alice" in everything
    local_only = client.get("/experiences?local=1").get_data(as_text=True)
    assert "ailleurs" not in local_only


def test_the_page_names_the_origin_and_links_to_the_original(fed_app, peer):
    """The item page says which node shared it and links to the original."""
    _, iri, path = _copy(fed_app, peer)
    page = fed_app.test_client().get(path).get_data(as_text=True)
    assert "copy-notice" in page and f'href="{iri}"' in page
    assert "Association du Lien" in page  # the authors
    assert "creativecommons.org/licenses/by-sa/4.0" in page


def test_the_copy_is_served_with_its_own_id_derived_from_the_original(fed_app, peer):
    """As JSON-LD, the copy has this node's address as id, prov:wasDerivedFrom the original."""
    _, iri, path = _copy(fed_app, peer)
    doc = (
        fed_app.test_client().get(path, headers={"Accept": "application/activity+json"}).get_json()
    )
    assert doc["id"].endswith(path)
    assert iri in str(doc.get("prov:wasDerivedFrom"))


def test_editors_cannot_change_another_nodes_item(fed_app, peer):
    """Edit, publish and withdraw of a copy are refused with 403."""
    _, _, path = _copy(fed_app, peer)
    make_user(fed_app, "editor@example.org", "editor")
    client = fed_app.test_client()
    sign_in(client, "editor@example.org")
    assert client.get(f"{path}/edit").status_code == 403
    assert client.post(f"{path}/withdraw").status_code == 403


def test_an_admin_hides_a_copy(fed_app, peer):
    """Hidden by an admin, the copy leaves the lists; it is listed on the federation page."""
    _, _, path = _copy(fed_app, peer)
    make_user(fed_app, "admin@example.org", "admin")
    client = fed_app.test_client()
    sign_in(client, "admin@example.org")
    with fed_app.app_context():
        item_id = db.session.scalar(select(Item.id))
    client.post(f"/admin/federation/items/{item_id}/hide")
    assert "ailleurs" not in fed_app.test_client().get("/experiences").get_data(as_text=True)
    assert fed_app.test_client().get(path).status_code == 404
    assert "ailleurs" in client.get("/admin/federation/").get_data(as_text=True)

"""Admins manage accounts, node settings and the thesaurus; editors manage territories."""

from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.models import NodeSettings, Territory, Theme, User
from tests.conftest import make_user, sign_in
from tests.server.factories import make_territory, make_theme

CC_BY = "https://creativecommons.org/licenses/by/4.0/"


def user(app, email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_admin_creates_an_account_that_can_sign_in(admin_client, node):
    """Given an admin, when they create an editor account, then that person can sign in."""
    response = admin_client.post(
        "/admin/accounts",
        data={
            "email": "new@example.org",
            "display_name": "Nouvelle",
            "role": "editor",
            "password": "a long enough password",
        },
    )
    assert response.status_code == 303
    assert "new@example.org" in admin_client.get("/admin/accounts").get_data(as_text=True)
    other = node.test_client()
    sign_in(other, "new@example.org", "a long enough password")
    assert other.get("/experiences/new").status_code == 200


def test_duplicate_account_is_refused_next_to_the_field(admin_client, node):
    """Given an existing account, when the admin creates it again, then the email field says why."""
    make_user(node, "twice@example.org", "reader")
    response = admin_client.post(
        "/admin/accounts?lang=en",
        data={"email": "twice@example.org", "role": "reader", "password": "a long enough password"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "already exists" in page and 'id="email-error"' in page


def test_admin_changes_a_role_and_deactivates_an_account(admin_client, node):
    """Given a reader, when the admin makes them an editor then deactivates them, both stick."""
    user_id = make_user(node, "someone@example.org", "reader")
    assert (
        admin_client.post(f"/admin/accounts/{user_id}/role", data={"role": "editor"}).status_code
        == 303
    )
    assert admin_client.post(f"/admin/accounts/{user_id}/deactivate").status_code == 303
    with node.app_context():
        changed = db.session.get(User, user_id)
        assert changed.role == "editor" and changed.active is False
    assert admin_client.post(f"/admin/accounts/{user_id}/activate").status_code == 303
    with node.app_context():
        assert db.session.get(User, user_id).active is True


def test_admin_cannot_lock_themselves_out(admin_client, node):
    """Given an admin, when they try to demote or deactivate themselves, then it is refused."""
    with node.app_context():
        own = user(node, "admin@example.org").id
    assert (
        admin_client.post(f"/admin/accounts/{own}/role", data={"role": "reader"}).status_code == 422
    )
    assert admin_client.post(f"/admin/accounts/{own}/deactivate").status_code == 422
    with node.app_context():
        me = db.session.get(User, own)
        assert me.role == "admin" and me.active


def test_admin_changes_node_settings(admin_client, node):
    """Given an admin, when they save new settings, then the node name and licence change."""
    response = admin_client.post(
        "/admin/settings",
        data={
            "name": "Nœud de test",
            "description_fr": "Une description.",
            "description_en": "A description.",
            "default_license": CC_BY,
            "languages": "fr, en, de",
        },
    )
    assert response.status_code == 303
    with node.app_context():
        settings = NodeSettings.get()
        assert settings.name == "Nœud de test" and settings.default_license == CC_BY
        assert settings.languages == ["fr", "en", "de"]
    assert "Nœud de test" in admin_client.get("/").get_data(as_text=True)
    form = admin_client.get("/experiences/new").get_data(as_text=True)
    assert 'name="title_de"' in form


def test_admin_adds_a_linked_and_aligned_concept(admin_client, node):
    """Given a concept, when an admin adds a narrower, aligned one, then its page shows it."""
    parent = make_theme(node, "Alimentation", "Food")
    with node.app_context():
        parent_id = Theme.by_slug(parent).id
    response = admin_client.post(
        "/admin/themes/new",
        data={
            "pref_label_fr": "Circuits courts",
            "pref_label_en": "Short supply chains",
            "definition_fr": "Vendre près de chez soi.",
            "broader_ids": [str(parent_id)],
            "exact_match": "https://other.example/themes/short-chains",
        },
    )
    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"] + "?lang=fr").get_data(as_text=True)
    assert "Circuits courts" in page and "Alimentation" in page
    assert "https://other.example/themes/short-chains" in page


def test_admin_edits_a_concepts_labels(admin_client, node):
    """Given a concept, when the admin edits its English label, then it is saved."""
    slug = make_theme(node, "Eau", "Water")
    response = admin_client.post(
        f"/admin/themes/{slug}/edit",
        data={"pref_label_fr": "Eau", "pref_label_en": "Water resources"},
    )
    assert response.status_code == 303
    with node.app_context():
        assert Theme.by_slug(slug).pref_label["en"] == "Water resources"


def test_editor_creates_and_edits_a_territory(editor_client, node):
    """Given an editor, when they add a commune within a region, then its page shows both."""
    region = make_territory(node, "Bretagne", kind="region")
    with node.app_context():
        region_id = Territory.by_slug(region).id
    response = editor_client.post(
        "/admin/territories/new",
        data={
            "name_fr": "Le Mené",
            "kind": "commune",
            "latitude": "48,25",
            "longitude": "-2.53",
            "code": "22046",
            "parent": str(region_id),
            "same_as": "https://www.wikidata.org/wiki/Q1",
        },
    )
    assert response.status_code == 303
    page = editor_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Le Mené" in page and "22046" in page and "Bretagne" in page
    edit = editor_client.post(
        "/admin/territories/le-mene/edit",
        data={"name_fr": "Le Mené", "name_en": "Le Mene", "kind": "commune", "parent": ""},
    )
    assert edit.status_code == 303
    with node.app_context():
        place = Territory.by_slug("le-mene")
        assert place.parent is None and place.latitude is None and place.name["en"] == "Le Mene"


def test_editors_cannot_manage_accounts_settings_or_the_thesaurus(editor_client, node):
    """Given an editor, admin pages other than territories answer 403."""
    for path in [
        "/admin/",
        "/admin/accounts",
        "/admin/settings",
        "/admin/themes",
        "/admin/themes/new",
    ]:
        assert editor_client.get(path).status_code == 403, path
    assert editor_client.get("/admin/territories").status_code == 200


def test_admin_pages_render_for_admins(admin_client, node):
    """Given an admin, every admin page renders."""
    slug = make_theme(node, "Culture", "Culture")
    place = make_territory(node, "Lille")
    for path in [
        "/admin/",
        "/admin/accounts",
        "/admin/settings",
        "/admin/themes",
        "/admin/themes/new",
        f"/admin/themes/{slug}/edit",
        "/admin/territories",
        "/admin/territories/new",
        f"/admin/territories/{place}/edit",
    ]:
        assert admin_client.get(path).status_code == 200, path


def test_unknown_accounts_concepts_and_territories_are_not_found(admin_client, node):
    """Given no such record, admin actions on it answer 404."""
    assert (
        admin_client.post("/admin/accounts/9999/role", data={"role": "reader"}).status_code == 404
    )
    assert admin_client.post("/admin/accounts/9999/deactivate").status_code == 404
    assert admin_client.get("/admin/themes/nope/edit").status_code == 404
    assert admin_client.get("/admin/territories/nope/edit").status_code == 404
    assert admin_client.post("/admin/accounts/abc/role").status_code == 404

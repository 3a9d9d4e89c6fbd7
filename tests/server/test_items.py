"""Editors write items: create, edit, preview, publish, withdraw and restore."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import Item, Theme
from tests.server.factories import make_item, make_territory, make_theme

CC_BY_SA = "https://creativecommons.org/licenses/by-sa/4.0/"


def form(**fields):
    """Return the fields every item form needs, plus `fields`."""
    return {"language": "fr", "license": CC_BY_SA, "indexable": "y", **fields}


def count_items(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Item.id)))


def test_new_item_forms_show_every_field(editor_client, node):
    """Given an editor, when they open each new-item form, then every field is there."""
    expected = {
        "experiences": [
            "title_fr",
            "summary_fr",
            "body_fr",
            "territory_ids",
            "period_start",
            "period_end",
            "organisations",
            "theme_ids",
            "circumstances_fr",
            "lessons_fr",
            "limits_fr",
            "links",
            "attachments",
            "language",
            "license",
            "authors",
            "indexable",
            "title_en",
        ],
        "principles": [
            "title_fr",
            "summary_fr",
            "body_fr",
            "derived_from_ids",
            "theme_ids",
            "title_en",
        ],
        "resources": [
            "title_fr",
            "resource_type",
            "resource_url",
            "attachments",
            "body_fr",
            "theme_ids",
            "territory_ids",
            "license",
        ],
    }
    for path, names in expected.items():
        page = editor_client.get(f"/{path}/new").get_data(as_text=True)
        for name in names:
            assert f'name="{name}"' in page, (path, name)
        assert 'name="csrf_token"' in page or "csrf_token" in page


def test_editor_publishes_a_full_experience(editor_client, node):
    """Given an editor, when they publish an experience, then its page shows what they typed."""
    town = make_territory(node, "Grande-Synthe")
    theme = make_theme(node, "Solidarité", "Solidarity")
    with node.app_context():
        from server.models import Territory

        town_id, theme_id = Territory.by_slug(town).id, Theme.by_slug(theme).id
    response = editor_client.post(
        "/experiences/new",
        data=form(
            action="publish",
            title_fr="Une ville en transition",
            title_en="A town in transition",
            summary_fr="Résumé.",
            body_fr="Un *récit* en Markdown.",
            circumstances_fr="Un contexte.",
            lessons_fr="Une leçon.",
            limits_fr="Une limite.",
            period_start="2010-01-01",
            period_end="2015-12-31",
            organisations="Mairie\nAssociation",
            authors="Équipe A\nÉquipe B",
            links="https://example.org/page La page",
            territory_ids=[str(town_id)],
            theme_ids=[str(theme_id)],
        ),
    )
    assert response.status_code == 303
    page = editor_client.get(response.headers["Location"] + "?lang=fr").get_data(as_text=True)
    for text in [
        "Une ville en transition",
        "<em>récit</em>",
        "Un contexte.",
        "Une leçon.",
        "Une limite.",
        "Mairie",
        "Association",
        "Équipe A",
        "La page",
        "Grande-Synthe",
        "Solidarité",
        "2010",
        "2015",
    ]:
        assert text in page, text
    with node.app_context():
        item = db.session.scalar(select(Item))
        assert item.status == "published" and item.title == {
            "fr": "Une ville en transition",
            "en": "A town in transition",
        }


def test_saving_a_draft_then_publishing_it(editor_client, client, node):
    """Given a draft saved by an editor, readers cannot see it until the editor publishes it."""
    response = editor_client.post(
        "/principles/new", data=form(action="draft", title_fr="Un principe")
    )
    path = response.headers["Location"]
    assert client.get(path).status_code == 404
    assert editor_client.post(f"{path}/publish").status_code == 303
    assert client.get(path).status_code == 200


def test_editing_keeps_the_address(editor_client, node):
    """Given a published item, when an editor changes its title, then the address stays the same."""
    path = make_item(node, "experience", "Titre d'origine")
    page = editor_client.get(f"{path}/edit").get_data(as_text=True)
    assert "Titre d&#39;origine" in page
    response = editor_client.post(
        f"{path}/edit", data=form(action="save", title_fr="Nouveau titre")
    )
    assert response.status_code == 303 and response.headers["Location"] == path
    assert "Nouveau titre" in editor_client.get(path).get_data(as_text=True)


def test_preview_renders_without_saving(editor_client, node):
    """Given a filled form, when previewed, then the page renders and nothing is saved."""
    response = editor_client.post(
        "/experiences/new",
        data=form(
            action="preview",
            title_fr="Aperçu seulement",
            body_fr="Du **gras**.",
            lessons_fr="Une leçon.",
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Aperçu seulement" in page and "<strong>gras</strong>" in page and "Une leçon." in page
    assert 'value="Aperçu seulement"' in page  # the form comes back to go on editing
    assert 'value="publish"' in page and 'action="/experiences/new"' in page
    assert count_items(node) == 0


def test_preview_of_an_edit_leaves_the_saved_item_alone(editor_client, node):
    """Given a published item, when a change is previewed, then the saved title stays."""
    path = make_item(node, "resource", "Titre enregistré")
    page = editor_client.post(
        f"{path}/edit", data=form(action="preview", title_fr="Titre essayé", resource_type="guide")
    ).get_data(as_text=True)
    assert "Titre essayé" in page
    assert "Titre enregistré" in editor_client.get(path).get_data(as_text=True)


def test_withdraw_then_restore(editor_client, client, node):
    """Given a published item, when withdrawn it answers 410; when restored, 200 again."""
    path = make_item(node, "resource", "Guide à retirer")
    assert editor_client.post(f"{path}/withdraw").status_code == 303
    assert client.get(path).status_code == 410
    assert editor_client.post(f"{path}/restore").status_code == 303
    assert client.get(path).status_code == 200


def test_principle_is_drawn_from_chosen_experiences(editor_client, node):
    """Given two experiences, when a principle is drawn from them, then its page lists both."""
    first = make_item(node, "experience", "Première expérience")
    second = make_item(node, "experience", "Seconde expérience")
    with node.app_context():
        chosen = [str(Item.by_slug("experience", p.rsplit("/", 1)[1]).id) for p in (first, second)]
    response = editor_client.post(
        "/principles/new",
        data=form(
            action="publish",
            title_fr="Principe commun",
            body_fr="Explication.",
            derived_from_ids=chosen,
        ),
    )
    page = editor_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="{first}"' in page and f'href="{second}"' in page


def test_resource_with_kind_url_and_file(editor_client, client, node):
    """Given a resource form with a kind, a URL and a PDF, then the page offers all three."""
    response = editor_client.post(
        "/resources/new",
        data=form(
            action="publish",
            title_fr="Guide de la médiation",
            resource_type="training",
            resource_url="https://example.org/guide",
            attachments=(BytesIO(b"%PDF-1.7 x"), "guide.pdf"),
        ),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Training module" in page and 'href="https://example.org/guide"' in page
    assert re.search(r'href="/files/\d+/guide.pdf"', page)


def test_an_attachment_can_be_removed(editor_client, node):
    """Given an experience with a file, when the editor ticks it for removal, then it is gone."""
    path = make_item(node, "experience", "Avec fichier")
    editor_client.post(
        f"{path}/edit",
        data=form(title_fr="Avec fichier", attachments=(BytesIO(b"hello"), "notes.txt")),
        content_type="multipart/form-data",
    )
    with node.app_context():
        attachment_id = Item.by_slug("experience", "avec-fichier").attachments[0].id
    editor_client.post(
        f"{path}/edit", data=form(title_fr="Avec fichier", remove_attachments=[str(attachment_id)])
    )
    with node.app_context():
        assert Item.by_slug("experience", "avec-fichier").attachments == []


def test_multilingual_entry_shows_each_language(editor_client, client, node):
    """Given titles in French and English with English as main language, each reader gets theirs."""
    response = editor_client.post(
        "/experiences/new",
        data=form(
            action="publish", language="en", title_fr="Titre français", title_en="English title"
        ),
    )
    path = response.headers["Location"]
    assert "English title" in client.get(f"{path}?lang=en").get_data(as_text=True)
    french = client.get(f"{path}?lang=fr").get_data(as_text=True)
    assert '<h1 lang="fr">Titre français</h1>' in french
    with node.app_context():
        assert Item.by_slug("experience", path.rsplit("/", 1)[1]).language == "en"


def test_themes_are_grouped_and_sorted_in_the_readers_language(editor_client, node):
    """Given a top concept with two narrower ones, the form lists them under it, sorted by label."""
    top = make_theme(node, "Zèbre", "Aardvark")
    with node.app_context():
        top_id = Theme.by_slug(top).id
    make_theme(node, "Banane", "Zucchini", broader_ids=[top_id])
    make_theme(node, "Abricot", "Yam", broader_ids=[top_id])
    french = editor_client.get("/experiences/new?lang=fr").get_data(as_text=True)
    group = french[french.index("<legend>Zèbre</legend>") :]
    assert group.index("Abricot") < group.index("Banane") < group.index("</fieldset>")
    english = editor_client.get("/experiences/new?lang=en").get_data(as_text=True)
    group = english[english.index("<legend>Aardvark</legend>") :]
    assert group.index("Yam") < group.index("Zucchini")


def test_licence_defaults_to_the_nodes_default(editor_client, node):
    """Given the node's default licence, the new-item form preselects it."""
    page = editor_client.get("/experiences/new").get_data(as_text=True)
    assert re.search(
        r'<option selected value="https://creativecommons.org/licenses/by-sa/4.0/">', page
    )


def test_unchecking_every_theme_removes_them(editor_client, node):
    """Given an item with a theme, when the editor saves with no theme ticked, then it has none."""
    theme = make_theme(node, "Un thème", "A theme")
    path = make_item(node, "experience", "Thématisé", themes=[theme])
    editor_client.post(f"{path}/edit", data=form(title_fr="Thématisé"))
    with node.app_context():
        assert Item.by_slug("experience", "thematise").themes == []


@pytest.mark.parametrize("action", ["publish", "withdraw", "restore", "edit"])
def test_actions_on_unknown_items_are_not_found(editor_client, node, action):
    """Given no such item, when an editor acts on it, then the answer is 404."""
    assert (
        editor_client.post(f"/experiences/nope/{action}", data=form(title_fr="x")).status_code
        == 404
    )


def test_items_kept_out_of_search_engines_say_so(editor_client, node):
    """Given an item saved without the indexable box, its page asks robots not to index it."""
    response = editor_client.post(
        "/experiences/new",
        data={"language": "fr", "license": CC_BY_SA, "title_fr": "Discret", "action": "publish"},
    )
    page = editor_client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<meta name="robots" content="noindex">' in page

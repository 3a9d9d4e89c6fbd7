"""Browsing the node: home, lists, thesaurus, territories and item pages."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from server.extensions import db
from server.forms import choices
from server.models import Actor, Item
from tests.server.factories import full_experience, make_item, make_territory, make_theme
from vocab.kinds import KINDS


def test_home_shows_node_and_latest_items_of_every_kind(client, node):
    """Given one item of each kind, when a reader opens the home page, then all three are listed."""
    for kind, title in [
        ("experience", "Récit A"),
        ("principle", "Principe B"),
        ("resource", "Guide C"),
    ]:
        make_item(node, kind, title)
    page = client.get("/?lang=fr").get_data(as_text=True)
    assert "Récit A" in page and "Principe B" in page and "Guide C" in page
    assert '<main id="main"' in page and 'class="skip-link" href="#main"' in page


def test_home_shows_node_description_in_the_readers_language(admin_client, node):
    """Given a node described in two languages, when read in English, then English shows."""
    admin_client.post(
        "/admin/settings",
        data={
            "name": "Fabrique",
            "description_fr": "Des récits partagés.",
            "description_en": "Shared stories.",
            "default_license": "https://creativecommons.org/licenses/by-sa/4.0/",
            "languages": "fr, en",
        },
    )
    page = admin_client.get("/?lang=en").get_data(as_text=True)
    assert "Shared stories." in page and "Des récits partagés." not in page
    assert '<div class="lead" lang="en">' in page


def test_menu_and_home_list_every_kind_of_the_registry_in_its_order(client, node):
    """Given the registry of kinds, when a reader opens a kind's list, then the main menu and
    the home page link every kind's list under its plural label, in the registry's order."""
    with node.test_request_context("/?lang=en"), force_locale("en"):
        expected = [(f"/{kind.path}", str(choices.KIND_PLURALS[kind.name])) for kind in KINDS]
    links = re.compile(r'<li><a href="([^"]+)"[^>]*>([^<]+)</a>')
    for kind in KINDS:
        page = client.get(f"/{kind.path}?lang=en").get_data(as_text=True)
        menu = page.split('class="wrap main-nav"')[1].split("</nav>")[0]
        assert links.findall(menu)[: len(KINDS)] == expected
        assert f'<a href="/{kind.path}" aria-current="page">' in menu
    home = client.get("/?lang=en").get_data(as_text=True)
    assert links.findall(home.split('<ul class="kinds">')[1].split("</ul>")[0]) == expected


@pytest.mark.parametrize(
    "kind,path",
    [("experience", "/experiences"), ("principle", "/principles"), ("resource", "/resources")],
)
def test_lists_page_through_published_items(client, node, kind, path):
    """Given 23 published items and a draft, then page 1 shows 20, page 2 shows 3, no draft."""
    for n in range(23):
        make_item(node, kind, f"Titre numéro {n:02d}")
    make_item(node, kind, "Brouillon caché", status="draft")
    first = client.get(path).get_data(as_text=True)
    second = client.get(f"{path}?page=2").get_data(as_text=True)
    assert first.count('class="card"') == 20 and second.count('class="card"') == 3
    assert "Brouillon caché" not in first + second
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_list_page_numbers_never_fail(client, node):
    """Given any page parameter, when listing experiences, then the page answers without error."""
    for page in ["abc", "-3", "0", "99999999999999999999", "1e9", ""]:
        assert client.get(f"/experiences?page={page}").status_code == 200, page


def test_local_filter_keeps_only_this_nodes_items(client, node):
    """Given a local and a remote item, when filtering on this node, then only ours shows."""
    make_item(node, "experience", "Récit d'ici")
    remote_path = make_item(node, "experience", "Récit d'ailleurs")
    with node.app_context():
        remote = Actor(
            iri="https://other.example/actor", origin="https://other.example", name="Other"
        )
        db.session.add(remote)
        Item.by_slug("experience", remote_path.rsplit("/", 1)[1]).actor = remote
        db.session.commit()
    everything = client.get("/experiences").get_data(as_text=True)
    local = client.get("/experiences?local=1").get_data(as_text=True)
    assert "Récit d&#39;ailleurs" in everything and "Récit d&#39;ici" in everything
    assert "Récit d&#39;ailleurs" not in local and "Récit d&#39;ici" in local


def test_experience_page_shows_every_field(client, node):
    """Given a full experience, when read in French, then every field is on the page."""
    path = full_experience(node)
    page = client.get(f"{path}?lang=fr").get_data(as_text=True)
    for text in [
        "Mettre en récit une trajectoire",
        "Une ville minière change de cap.",
        "<strong>récit</strong>",
        "Ville de Loos-en-Gohelle",
        "CERDD",
        "Un maire présent depuis longtemps.",
        "La participation se construit.",
        "Le récit ne suffit pas.",
        "Fabrique des transitions",
        "Loos-en-Gohelle",
        "Énergie citoyenne",
        "Site de la ville",
        "CC BY-SA 4.0",
        "2001",
        "2020",
    ]:
        assert text in page, text
    assert (
        'rel="license"' in page and 'href="https://creativecommons.org/licenses/by-sa/4.0/"' in page
    )


def test_item_page_shows_readers_language_first_and_offers_the_others(client, node):
    """Given an experience in French and English, when read in English, then English comes first."""
    path = full_experience(node)
    page = client.get(f"{path}?lang=en").get_data(as_text=True)
    assert '<h1 lang="en">Telling a trajectory</h1>' in page
    assert 'hreflang="fr"' in page and "read=fr" in page
    french = client.get(f"{path}?read=fr").get_data(as_text=True)
    assert '<h1 lang="fr">Mettre en récit une trajectoire</h1>' in french


def test_principle_and_experiences_link_both_ways(client, node):
    """Given a principle drawn from an experience, then each page links to the other."""
    experience = make_item(node, "experience", "Expérience source")
    principle = make_item(node, "principle", "Principe tiré", derived_from=[experience])
    assert f'href="{experience}"' in client.get(principle).get_data(as_text=True)
    assert f'href="{principle}"' in client.get(experience).get_data(as_text=True)


def test_principle_hides_draft_experiences_from_readers(client, editor_client, node):
    """Given a principle drawn from a draft experience, readers do not see the draft; editors do."""
    draft = make_item(node, "experience", "Brouillon source", status="draft")
    principle = make_item(node, "principle", "Principe public", derived_from=[draft])
    assert "Brouillon source" not in client.get(principle).get_data(as_text=True)
    assert "Brouillon source" in editor_client.get(principle).get_data(as_text=True)


def test_drafts_are_visible_only_to_editors(client, reader_client, editor_client, node):
    """Given a draft, when anonymous or reader visitors ask for it, then 404; editors see it."""
    path = make_item(node, "resource", "Guide en cours", status="draft")
    assert client.get(path).status_code == 404
    assert reader_client.get(path).status_code == 404
    page = editor_client.get(path)
    assert page.status_code == 200 and "Guide en cours" in page.get_data(as_text=True)


def test_withdrawn_item_answers_gone_and_editors_can_restore(client, editor_client, node):
    """Given a withdrawn item, readers get 410; editors get a notice and a restore button."""
    path = make_item(node, "experience", "Retiré du site", status="withdrawn")
    gone = client.get(path)
    assert gone.status_code == 410 and "Retiré du site" not in gone.get_data(as_text=True)
    machine = client.get(path, headers={"Accept": "application/activity+json"})
    assert machine.status_code == 410 and machine.json["type"] == "Tombstone"
    assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 410
    editor_page = editor_client.get(path)
    assert editor_page.status_code == 410
    assert f'action="{path}/restore"' in editor_page.get_data(as_text=True)


def test_unknown_addresses_are_not_found(client, node):
    """Given no such object, when a reader asks for it, then the answer is 404."""
    for path in [
        "/experiences/nope",
        "/principles/nope",
        "/resources/nope",
        "/themes/nope",
        "/territories/nope",
        "/themes/nope.ttl",
        "/experiences/nope.jsonld",
        "/experiences/nope.xml",
        "/files/999/x.pdf",
    ]:
        assert client.get(path).status_code == 404, path


def test_themes_page_shows_the_systemic_web(client, node):
    """Given concepts linked as broader and related, the thesaurus page shows the links."""
    top = make_theme(node, "Habiter autrement", "Living differently")
    with node.app_context():
        from server.models import Theme

        top_id = Theme.by_slug(top).id
    child = make_theme(node, "Isolation des logements", "Home insulation", broader_ids=[top_id])
    page = client.get("/themes?lang=fr").get_data(as_text=True)
    tree = page[page.index("Habiter autrement") :]
    assert "Isolation des logements" in tree[:600]
    concept = client.get(f"/themes/{child}?lang=fr").get_data(as_text=True)
    assert "Habiter autrement" in concept


def test_theme_page_lists_items_and_related_concepts(client, node):
    """Given two related concepts and an item on one, its page shows the item and the neighbour."""
    savings = make_theme(node, "Épargne de proximité", "Local saving")
    with node.app_context():
        from server.models import Theme

        savings_id = Theme.by_slug(savings).id
    insulation = make_theme(node, "Isolation", "Insulation", related_ids=[savings_id])
    make_item(node, "experience", "Isoler avec l'épargne locale", themes=[insulation])
    page = client.get(f"/themes/{insulation}?lang=fr").get_data(as_text=True)
    assert "Isoler avec l&#39;épargne locale" in page and "Épargne de proximité" in page
    other = client.get(f"/themes/{savings}?lang=fr").get_data(as_text=True)
    assert "Isolation" in other


def test_territory_page_shows_place_items_parent_and_children(client, node):
    """Given a commune in a region, its page shows code, coordinates, parent and items."""
    path = full_experience(node)
    page = client.get("/territories/loos-en-gohelle?lang=fr").get_data(as_text=True)
    assert "62528" in page and "50,4578" in page and "Hauts-de-France" in page
    assert f'href="{path}"' in page
    region = client.get("/territories/hauts-de-france").get_data(as_text=True)
    assert "Loos-en-Gohelle" in region
    assert "Loos-en-Gohelle" in client.get("/territories").get_data(as_text=True)


def test_html_pages_advertise_every_representation_and_the_feeds(client, node):
    """Given an item, theme and territory, each page links its RDF alternates and the feeds."""
    path = full_experience(node)
    for url in [path, "/themes/energie-citoyenne", "/territories/loos-en-gohelle"]:
        page = client.get(url).get_data(as_text=True)
        for media_type in [
            "application/activity+json",
            "application/ld+json",
            "text/turtle",
            "application/n-triples",
            "application/rdf+xml",
        ]:
            assert f'rel="alternate" type="{media_type}"' in page, (url, media_type)
        assert 'type="application/atom+xml" href="/feed.atom"' in page
        assert 'type="application/rss+xml" href="/feed.rss"' in page


NEGOTIATED = [
    ("application/activity+json", "application/activity+json"),
    ("application/ld+json", "application/ld+json"),
    ("text/turtle", "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
]
SUFFIXES = [
    ("jsonld", "json"),
    ("ttl", "text/turtle"),
    ("nt", "application/n-triples"),
    ("rdf", "application/rdf+xml"),
]


def test_item_theme_and_territory_answer_content_negotiation(client, node):
    """Given an object, when a machine asks for RDF at its address, then it gets it, varying."""
    path = full_experience(node)
    for url in [path, "/themes/energie-citoyenne", "/territories/loos-en-gohelle"]:
        for accept, content_type in NEGOTIATED:
            response = client.get(url, headers={"Accept": accept})
            assert response.status_code == 200, (url, accept)
            assert response.content_type.startswith(content_type), (url, accept)
            assert "Accept" in response.headers.get("Vary", ""), (url, accept)


def test_suffixed_addresses_serve_one_format(client, node):
    """Given an object, when a suffixed address is asked for, then that format comes."""
    path = full_experience(node)
    for url in [path, "/themes/energie-citoyenne", "/territories/loos-en-gohelle"]:
        for suffix, content_type in SUFFIXES:
            response = client.get(f"{url}.{suffix}")
            assert response.status_code == 200, (url, suffix)
            assert content_type in response.content_type, (url, suffix)


def test_unacceptable_media_type_is_refused(client, node):
    """Given an item, when a client accepts only image/png, then the answer is 406."""
    path = make_item(node, "experience", "Récit")
    assert client.get(path, headers={"Accept": "image/png"}).status_code == 406


def test_browser_accept_header_gets_html(client, node):
    """Given an item, when a browser asks with its usual Accept header, then it gets HTML."""
    path = make_item(node, "experience", "Récit")
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get(path, headers={"Accept": accept})
    assert response.content_type.startswith("text/html")


def test_vocabulary_page_lists_terms(client, node):
    """Given the vocabulary, when a person opens /ns, then classes are listed with their labels."""
    page = client.get("/ns?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<h1>Vocabulary</h1>" in page
    assert re.search(r'<dt id="Experience">', page)


def test_attachment_is_served_only_while_its_item_is_visible(editor_client, client, node):
    """Given an uploaded PDF on a published item, readers download it until the item is a draft."""
    from io import BytesIO

    path = make_item(node, "resource", "Guide PDF")
    editor_client.post(
        f"{path}/edit",
        data={
            "title_fr": "Guide PDF",
            "language": "fr",
            "license": "https://creativecommons.org/licenses/by-sa/4.0/",
            "resource_type": "guide",
            "attachments": (BytesIO(b"%PDF-1.4 guide"), "guide.pdf"),
        },
        content_type="multipart/form-data",
    )
    link = re.search(
        r'href="(/files/\d+/guide.pdf)"', client.get(path).get_data(as_text=True)
    ).group(1)
    response = client.get(link)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    with node.app_context():
        Item.by_slug("resource", path.rsplit("/", 1)[1]).status = "draft"
        db.session.commit()
    assert client.get(link).status_code == 404


def test_territory_without_coordinates_renders(client, node):
    """Given a territory with no coordinates or code, its page renders without them."""
    slug = make_territory(node, "Pays imaginaire", kind="country")
    page = client.get(f"/territories/{slug}?lang=en")
    assert page.status_code == 200 and "Coordinates" not in page.get_data(as_text=True)

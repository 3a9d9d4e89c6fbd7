"""Finding, as people and machines see it: /search, its JSON and Atom, theme and territory pages.

These tests check the pages (links that add and remove facets, the contract's JSON shape, the
feed, clear 4xx answers), not the engine's ranking: any engine behind `server.search` that
keeps the interface of ISSUE12-PLAN.md passes them.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from server.extensions import db
from server.models import Actor, Item, Territory, Theme
from tests.server.factories import make_item, make_territory, make_theme

FACETS = ["kind", "theme", "territory", "node", "lang", "licence", "year"]
ATOM = "{http://www.w3.org/2005/Atom}"
JSON = {"Accept": "application/json"}


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def _links(page: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="([^"]*)"', page)]


def _args(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def _titles(client, url: str) -> set[str]:
    return {item["title"] for item in client.get(url, headers=JSON).get_json()["items"]}


def _facet_link(page: str, key: str, value: str) -> str:
    """Return the facet panel's link for one value (the one that adds or removes it)."""
    panel = page[page.index('class="facets"') :]
    for href in _links(panel):
        if (key, value) in _args(href):
            return href
    raise AssertionError(f"no link for {key}={value} in the facets")


def _make_copy(app, title: str, **fields) -> str:
    """Create a published item, then make it another node's copy; return its path."""
    path = make_item(app, "experience", title, **fields)
    with app.app_context():
        peer = Actor(
            iri="https://ailleurs.example/actor",
            origin="https://ailleurs.example",
            name="Réseau d'ailleurs",
            is_local=False,
        )
        db.session.add(peer)
        db.session.flush()
        item = Item.by_slug("experience", path.rsplit("/", 1)[1])
        item.actor_id = peer.id
        item.iri = "https://ailleurs.example/experiences/1"
        db.session.commit()
    return path


@pytest.fixture
def english(client):
    """Speak English to this client (set once: on /search, `lang` is the content facet)."""
    client.get("/?lang=en")
    return client


@pytest.fixture
def corpus(node, english):
    """A region with a town, a broader theme with a narrower one, items of three kinds."""
    region = make_territory(node, "Occitanie", kind="region")
    with node.app_context():
        region_id = Territory.by_slug(region).id
    town = make_territory(node, "Figeac", kind="commune", parent_id=region_id)
    broad = make_theme(node, "Habiter autrement", "Living differently")
    with node.app_context():
        broad_id = Theme.by_slug(broad).id
    narrow = make_theme(node, "Isolation des logements", "Home insulation", broader_ids=[broad_id])
    make_item(
        node,
        "experience",
        "Coopérative zorglub de Figeac",
        summary={"fr": "Une coopérative zorglub isole les maisons."},
        themes=[narrow],
        territories=[town],
    )
    make_item(node, "resource", "Guide zorglub des isolants", resource_type="guide")
    make_item(node, "principle", "Partager les savoirs", themes=[broad])
    make_item(node, "experience", "Brouillon zorglub", status="draft")
    make_item(node, "experience", "Retiré zorglub", status="withdrawn")
    return {"region": region, "town": town, "broad": broad, "narrow": narrow}


def test_every_page_has_an_accessible_search_box(client, node):
    """Given any page, its header holds a labelled search form that sends q to /search."""
    for url in ["/", "/experiences", "/themes", "/territories", "/signin", "/search"]:
        page = _html(client, url)
        form = re.search(r'<form class="site-search" role="search"[^>]*>.*?</form>', page, re.S)
        assert form, url
        assert 'action="/search"' in form.group(0) and 'name="q"' in form.group(0), url
        assert re.search(r'<label for="site-search-q"[^>]*>[^<]+</label>', form.group(0)), url
        assert 'id="site-search-q"' in form.group(0), url


def test_results_show_title_kind_places_themes_and_snippet(client, corpus):
    """Given a word in an item, /search?q= lists it linked, with kind, place, themes, extract."""
    page = _html(client, "/search?q=zorglub")
    cards = re.findall(r"<article\b.*?</article>", page, re.S)
    card = next(card for card in cards if ">Coopérative zorglub de Figeac</a>" in card)
    assert re.search(r'<a href="/experiences/[^"]+"[^>]*>Coopérative zorglub de Figeac</a>', card)
    assert "Experience" in card and "Figeac" in card
    assert 'href="/themes/isolation-des-logements"' in card
    assert '<p class="snippet"' in card
    assert "Brouillon" not in page and "Retiré" not in page


def test_snippet_is_the_engines_escaped_html_with_marks(client, node):
    """Given text with markup in an item, the extract shows it escaped, the word in <mark>."""
    make_item(
        node,
        "experience",
        "Récit <script>alert(1)</script> zorglub",
        summary={"fr": "Un récit zorglub <b>gras</b> et zorglub encore."},
    )
    page = _html(client, "/search?q=zorglub")
    assert "<script>alert(1)</script>" not in page and "<b>gras</b>" not in page
    snippet = client.get("/search?q=zorglub", headers=JSON).get_json()["items"][0]["snippet"]
    assert "<mark>" in snippet.lower() and "<b>" not in snippet


def test_a_copy_is_found_and_marked_with_its_origin(client, node, english):
    """Given another node's copy, search finds it, says where it comes from, offers its node."""
    _make_copy(node, "Récit zorglub d'ailleurs")
    make_item(node, "experience", "Récit zorglub d'ici")
    page = _html(client, "/search?q=zorglub")
    card = page[page.index("Récit zorglub d&#39;ailleurs") :]
    assert "from Réseau d&#39;ailleurs" in card[: card.index("</article>")]
    data = client.get("/search?q=zorglub", headers=JSON).get_json()
    origins = {item["title"]: item["origin"] for item in data["items"]}
    assert origins["Récit zorglub d'ailleurs"] == "ailleurs.example"
    assert "ailleurs.example" in {v["value"] for v in data["facets"]["node"]}
    only_there = client.get("/search?q=zorglub&node=ailleurs.example", headers=JSON).get_json()
    assert [i["title"] for i in only_there["items"]] == ["Récit zorglub d'ailleurs"]


def test_facets_come_in_the_contracts_order_with_counts(client, corpus):
    """Given results, the facet headings follow the contract's order, each value counted."""
    page = _html(client, "/search?q=zorglub")
    panel = page[page.index('class="facets"') :]
    headings = re.findall(r'<h3 id="facet-(\w+)">', panel)
    assert headings == [key for key in FACETS if key in headings]
    assert {"kind", "node", "lang", "licence", "year"} <= set(headings)
    kinds = {
        v["value"]: v["count"]
        for v in client.get("/search?q=zorglub", headers=JSON).get_json()["facets"]["kind"]
    }
    assert kinds == {"experience": 1, "resource": 1}


def test_a_facet_link_adds_the_value_and_its_filter_removes_it(client, corpus):
    """Given results, a facet value's link narrows them; the chosen value's link widens again."""
    page = _html(client, "/search?q=zorglub")
    add = _facet_link(page, "kind", "resource")
    assert ("q", "zorglub") in _args(add) and ("kind", "resource") in _args(add)
    narrowed = _html(client, add)
    assert "Guide zorglub des isolants" in narrowed and "Coopérative zorglub" not in narrowed
    # The chosen value is marked, and its own link takes it away.
    chosen = re.search(r'<a class="facet-value facet-selected" href="([^"]*)"', narrowed)
    assert chosen and ("kind", "resource") not in _args(unescape(chosen.group(1)))
    # The filter above the results removes it in one click too.
    chip = re.search(r'<a href="([^"]*)" class="filter-chip">', narrowed)
    assert chip, "no removable filter shown"
    remove = unescape(chip.group(1))
    assert ("kind", "resource") not in _args(remove) and ("q", "zorglub") in _args(remove)
    widened = _html(client, remove)
    assert "Coopérative zorglub" in widened and "Guide zorglub" in widened


def test_values_of_two_facets_combine_and_each_is_removed_alone(client, corpus):
    """Given two facets chosen, each removal link drops only its own value."""
    url = f"/search?q=zorglub&kind=experience&territory={corpus['town']}"
    assert _titles(client, url) == {"Coopérative zorglub de Figeac"}
    page = _html(client, url)
    chips = [unescape(h) for h in re.findall(r'<a href="([^"]*)" class="filter-chip">', page)]
    assert len(chips) == 2
    assert {tuple(sorted(_args(c))) for c in chips} == {
        (("kind", "experience"), ("q", "zorglub")),
        (("q", "zorglub"), ("territory", corpus["town"])),
    }


def test_a_region_includes_its_places_and_a_theme_its_narrower_concepts(client, corpus):
    """Given an item in a town on a narrow theme, the region and the broad theme find it."""
    assert "Coopérative zorglub de Figeac" in _titles(
        client, f"/search?territory={corpus['region']}"
    )
    assert "Coopérative zorglub de Figeac" in _titles(client, f"/search?theme={corpus['broad']}")


def test_json_has_the_contracts_shape(client, corpus):
    """Given Accept: application/json, /search answers exactly the contract's "Finding" shape."""
    response = client.get("/search?q=zorglub", headers=JSON)
    assert response.status_code == 200 and response.is_json
    assert "Accept" in response.headers.get("Vary", "")
    data = response.get_json()
    assert set(data) == {"total", "page", "items", "facets"}
    assert data["total"] == 2 and data["page"] == 1
    for item in data["items"]:
        assert set(item) == {"id", "kind", "title", "summary", "origin", "snippet"}
        assert item["id"].startswith("http") and item["kind"] in {"experience", "resource"}
    assert set(data["facets"]) == set(FACETS)
    for values in data["facets"].values():
        for value in values:
            assert set(value) == {"value", "label", "count"} and value["count"] > 0
    assert client.get("/search?q=zorglub").content_type.startswith("text/html")


def test_empty_search_lists_everything_published_newest_first(client, corpus):
    """Given no words, /search shows every published item by date, with facets."""
    data = client.get("/search", headers=JSON).get_json()
    assert data["total"] == 3
    assert {v["value"] for v in data["facets"]["kind"]} == {"experience", "resource", "principle"}
    page = _html(client, "/search")
    assert "Partager les savoirs" in page and 'class="facets"' in page


def test_sort_links_and_pages(client, node, english):
    """Given 25 matching items, page 1 shows 20 and links to page 2; sort links keep the words."""
    for n in range(25):
        make_item(node, "resource", f"Fiche zorglub {n:02d}")
    page = _html(client, "/search?q=zorglub")
    assert page.count('class="card hit"') == 20
    following = [h for h in _links(page) if ("page", "2") in _args(h)]
    assert following and ("q", "zorglub") in _args(following[0])
    assert _html(client, following[0]).count('class="card hit"') == 5
    by_date = [h for h in _links(page) if ("sort", "date") in _args(h)]
    assert by_date and ("q", "zorglub") in _args(by_date[0])
    titles = [i["title"] for i in client.get(by_date[0], headers=JSON).get_json()["items"]]
    assert titles[0] == "Fiche zorglub 24"


def test_atom_feed_of_a_search(client, corpus):
    """Given a search, its page links an Atom feed with the same parameters, which lists it."""
    page = _html(client, "/search?q=zorglub&kind=experience")
    alternate = re.search(
        r'<link rel="alternate" type="application/atom\+xml" href="(/search/feed\.atom[^"]*)"', page
    )
    assert alternate, "no alternate link to the search's feed"
    feed_url = unescape(alternate.group(1))
    assert ("kind", "experience") in _args(feed_url) and ("q", "zorglub") in _args(feed_url)
    assert re.search(r'<a href="[^"]*/search/feed\.atom[^"]*"', page), "no visible feed link"
    response = client.get(feed_url)
    assert response.status_code == 200
    assert response.content_type.startswith("application/atom+xml")
    feed = ET.fromstring(response.data)
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert titles == ["Coopérative zorglub de Figeac"]


@pytest.mark.parametrize("headers", [{}, JSON])
def test_a_search_error_is_a_400_with_its_message(client, node, headers):
    """Given a page that is not a number, /search answers 400 with a message, page or JSON."""
    response = client.get("/search?q=zorglub&page=deux", headers=headers)
    assert response.status_code == 400
    if headers:
        assert response.get_json()["detail"]
    else:
        page = response.get_data(as_text=True)
        assert 'role="alert"' in page and 'value="zorglub"' in page
    assert client.get("/search/feed.atom?page=deux").status_code == 400


def test_the_stated_error_message_is_shown(client, node):
    """Given a search the engine refuses (too long a text), its message reaches the person,
    on the page and in the JSON."""
    from server.search import Query, SearchError

    too_long = "mot " * 400
    with pytest.raises(SearchError) as refused:
        Query.from_args({"q": [too_long]})
    message = str(refused.value)
    response = client.get("/search", query_string={"q": too_long})
    assert response.status_code == 400
    assert html.escape(message, quote=False) in response.get_data(as_text=True)
    data = client.get("/search", query_string={"q": too_long}, headers=JSON).get_json()
    assert data["detail"] == message


def test_theme_page_is_the_theme_facet_with_the_others_beside(client, corpus):
    """Given an item on a narrower concept, the broad theme's page lists it with other facets."""
    page = _html(client, f"/themes/{corpus['broad']}")
    items = page[page.index('id="items-heading"') :]
    assert "Coopérative zorglub de Figeac" in items and "Partager les savoirs" in items
    headings = re.findall(r'<h3 id="facet-(\w+)">', items)
    assert "kind" in headings and "theme" not in headings
    add = _facet_link(items, "kind", "principle")
    assert urlsplit(add).path == f"/themes/{corpus['broad']}"
    narrowed = _html(client, add)
    narrowed = narrowed[narrowed.index('id="items-heading"') :]
    assert "Partager les savoirs" in narrowed and "Coopérative zorglub" not in narrowed
    chip = re.search(r'<a href="([^"]*)" class="filter-chip">', narrowed)
    assert chip and urlsplit(unescape(chip.group(1))).path == f"/themes/{corpus['broad']}"


def test_territory_page_is_the_territory_facet_with_the_others_beside(client, corpus):
    """Given an item in a town, its region's page lists it, with facets but not the territory."""
    page = _html(client, f"/territories/{corpus['region']}")
    items = page[page.index('id="items-heading"') :]
    assert "Coopérative zorglub de Figeac" in items
    headings = re.findall(r'<h3 id="facet-(\w+)">', items)
    assert "kind" in headings and "territory" not in headings


def test_counts_on_themes_and_territories_include_what_lies_below(client, corpus):
    """Given items on narrower concepts and in contained places, the indexes count them above."""
    themes = _html(client, "/themes")
    broad = themes[themes.index(">Living differently<") :]
    assert re.match(r">Living differently</a>\s*<span class=\"count\">\(2 items\)", broad)
    places = _html(client, "/territories")
    region = places[places.index(">Occitanie<") :]
    assert re.match(r">Occitanie</a>\s*<span class=\"count\">\(Region · 1 item\)", region)


def test_a_withdrawn_item_leaves_the_results_at_once(client, node):
    """Given a found item, once withdrawn the next search no longer shows it."""
    from server.services.items import withdraw_item

    path = make_item(node, "experience", "Récit zorglub éphémère")
    assert "Récit zorglub éphémère" in _titles(client, "/search?q=zorglub")
    with node.app_context():
        withdraw_item(Item.by_slug("experience", path.rsplit("/", 1)[1]))
        db.session.commit()
    assert _titles(client, "/search?q=zorglub") == set()


# The keys that are parsed (q, page, sort, year) come up more often than the others.
KEYS = st.one_of(
    st.sampled_from(["q", "page", "sort", "year"]),
    st.sampled_from(["q", *FACETS, "sort", "page", "view", "read", "local"]),
)
VALUES = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=10),
    st.sampled_from(['"', "*", "NEAR(", "AND", ":", "^", "(", ")", "-", "'", "\\", "%", "_"]),
    st.integers(-(10**30), 10**30).map(str),
    st.just("é" * 12_000),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pairs=st.lists(st.tuples(KEYS, VALUES), max_size=6),
    form=st.sampled_from(["html", "json", "atom"]),
)
@example(pairs=[("page", "deux")], form="atom")
@example(pairs=[("year", "1e9"), ("kind", "x"), ("kind", "x")], form="atom")
@example(pairs=[("q", "\x00\x1b"), ("theme", "\x00"), ("node", "\x7f")], form="json")
@example(pairs=[("q", "é" * 12_000)], form="html")
@example(pairs=[("q", 'NEAR(" * -"'), ("sort", "random"), ("page", "-1")], form="html")
def test_no_query_string_gives_a_server_error(client, corpus, pairs, form):
    """Given any arguments (control characters, huge, repeated, unknown values), never a 500."""
    path = "/search/feed.atom" if form == "atom" else "/search"
    headers = JSON if form == "json" else {}
    response = client.get(path, query_string=pairs, headers=headers)
    assert response.status_code in (200, 400), response.status_code


def test_a_search_of_only_common_words_says_so_or_finds(client, node):
    """Given an item, when a visitor searches only very common words ("le la"), then
    the page answers (in French, the node's language): PostgreSQL, which leaves such words
    out of its index, says they were left out and asks for a more specific word; SQLite
    finds the items holding them."""
    from tests.server.factories import make_item

    make_item(node, "experience", {"fr": "Le jardin de la place"})
    response = client.get("/search", query_string={"q": "le la"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    with node.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    if postgresql:
        assert "Mots trop courants pour être cherchés, laissés de côté : le, la." in page
        assert "Ajoutez un mot plus précis pour trouver quelque chose." in page
    else:
        assert "Le jardin de la place" in page

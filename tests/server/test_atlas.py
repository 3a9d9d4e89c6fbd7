"""The relational atlas: /atlas.json's nodes, counts and edges, its filters, the theme page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import Item, ItemStatus, Territory, Theme, ThemeLink, ThemeRelation
from tests.server.factories import ids, make_item, make_territory, make_theme

REMOTE = "https://other.example/themes/epargne"


@pytest.fixture
def atlas(node):
    """Energy (broader) > Savings (narrower); Housing; a remote concept Savings matches."""
    energy = make_theme(node, "Énergie", "Energy")
    [energy_id] = ids(node, Theme, [energy])
    savings = make_theme(node, "Épargne", "Savings", broader_ids=[energy_id], exact_match=[REMOTE])
    housing = make_theme(node, "Logement", "Housing")
    with node.app_context():
        db.session.add(
            Theme(
                slug="epargne-other",
                iri=REMOTE,
                pref_label={"fr": "Épargne (ailleurs)"},
                origin="https://other.example",
            )
        )
        db.session.commit()
    region = make_territory(node, "Région", kind="region")
    [region_id] = ids(node, Territory, [region])
    town = make_territory(node, "Ville", latitude=50.0, longitude=2.0, parent_id=region_id)
    elsewhere = make_territory(node, "Ailleurs", latitude=45.0, longitude=5.0)
    make_item(node, "experience", "Un", themes=[savings, housing], territories=[town])
    make_item(node, "experience", "Deux", themes=[savings, housing], territories=[elsewhere])
    make_item(node, "resource", "Trois", themes=[energy, savings])
    make_item(node, "experience", "Brouillon", status="draft", themes=[savings, housing])
    make_item(node, "experience", "Retiré", status="withdrawn", themes=[savings, housing])
    return {"energy": energy, "savings": savings, "housing": housing, "region": region}


def expected_counts(app, kind: str | None = None, territories: set[int] | None = None):
    """Count with plain queries: published, visible items on a concept or a narrower one."""
    with app.app_context():
        links = db.session.execute(
            select(ThemeLink.theme_id, ThemeLink.target_id).where(
                ThemeLink.relation == ThemeRelation.BROADER
            )
        ).all()
        items = db.session.scalars(
            select(Item).where(Item.status == ItemStatus.PUBLISHED, Item.hidden.is_(False))
        ).all()
        counts = {}
        for theme in db.session.scalars(select(Theme)):
            below, frontier = {theme.id}, {theme.id}
            while frontier:
                frontier = {t for t, b in links if b in frontier} - below
                below |= frontier
            counts[theme.iri] = sum(
                1
                for item in items
                if {t.id for t in item.themes} & below
                and (kind is None or item.kind == kind)
                and (territories is None or {t.id for t in item.territories} & territories)
            )
        return counts


def edges(data, relation):
    return {
        (e["source"], e["target"]): e["weight"] for e in data["edges"] if e["relation"] == relation
    }


def iri(app, slug):
    with app.app_context():
        return Theme.by_slug(slug).iri


def test_nodes_count_items_of_the_concept_and_its_narrower_ones(node, client, atlas):
    """Given concepts and items, each node's count equals a direct count of the database."""
    data = client.get("/atlas.json").get_json()
    counts = {n["id"]: n["count"] for n in data["nodes"]}
    expected = expected_counts(node)
    local = {k: v for k, v in expected.items() if k != REMOTE}
    assert {k: counts[k] for k in local} == local
    assert counts[iri(node, atlas["energy"])] == 3  # its own item and its narrower's two
    assert set(data) == {"nodes", "edges"}
    assert set(data["nodes"][0]) >= {"id", "label", "count"}
    assert {e["relation"] for e in data["edges"]} <= {
        "broader",
        "related",
        "cooccurs",
        "exactMatch",
        "closeMatch",
    }


def test_cooccurrence_weights_are_the_items_naming_both(node, client, atlas):
    """Two concepts on the same published items: one edge, weighted by those items."""
    data = client.get("/atlas.json").get_json()
    pairs = {frozenset(pair): w for pair, w in edges(data, "cooccurs").items()}
    savings, housing, energy = (iri(node, atlas[k]) for k in ("savings", "housing", "energy"))
    assert pairs[frozenset({savings, housing})] == 2  # the draft and the withdrawn don't count
    assert pairs[frozenset({savings, energy})] == 1
    assert frozenset({housing, energy}) not in pairs


def test_broader_and_exact_match_edges(node, client, atlas):
    """Broader points from the narrower concept; a match reaches the other node's concept."""
    data = client.get("/atlas.json").get_json()
    savings, energy = iri(node, atlas["savings"]), iri(node, atlas["energy"])
    assert (savings, energy) in edges(data, "broader")
    assert {frozenset(p) for p in edges(data, "exactMatch")} == {frozenset({savings, REMOTE})}
    remote = next(n for n in data["nodes"] if n["id"] == REMOTE)
    assert remote["origin"] == "https://other.example" and remote["count"] == 0


def test_kind_and_territory_narrow_counts_and_cooccurrences(node, client, atlas):
    """?kind= and ?territory= (a region includes the places inside it) narrow the counts."""
    resources = client.get("/atlas.json?kind=resource").get_json()
    counts = {n["id"]: n["count"] for n in resources["nodes"]}
    for key, value in expected_counts(node, kind="resource").items():
        assert counts.get(key, 0) == value
    assert len(edges(resources, "cooccurs")) == 1

    in_region = client.get(f"/atlas.json?territory={atlas['region']}").get_json()
    with node.app_context():
        region = Territory.by_slug(atlas["region"])
        places = {region.id} | {t.id for t in region.children}
    counts = {n["id"]: n["count"] for n in in_region["nodes"]}
    for key, value in expected_counts(node, territories=places).items():
        assert counts.get(key, 0) == value
    assert counts[iri(node, atlas["housing"])] == 1  # the item in the town, inside the region
    pairs = {frozenset(p): w for p, w in edges(in_region, "cooccurs").items()}
    assert pairs == {frozenset({iri(node, atlas["savings"]), iri(node, atlas["housing"])}): 1}


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("kind=nonsense", 400),
        ("territory=nowhere", 404),
        ("concept=nothing", 404),
        ("territory=%00%01", 404),
        ("kind=" + "x" * 5000, 400),
        ("&".join(["kind=experience"] * 30), 400),
    ],
)
def test_bad_parameters_are_4xx_with_a_message(client, query, status):
    """A bad filter is a clear 4xx, as JSON on /atlas.json and as a page on /atlas."""
    response = client.get(f"/atlas.json?{query}")
    assert response.status_code == status
    assert response.get_json()["detail"]
    assert client.get(f"/atlas?{query}").status_code in {status, 200}


def test_the_atlas_page_lists_concepts_without_javascript(node, client, atlas):
    """The page holds the graph's data address and a readable list with counts."""
    page = client.get("/atlas?lang=en").get_data(as_text=True)
    assert 'data-graph-url="/atlas.json' in page
    assert 'id="concept-' + atlas["savings"] + '"' in page
    assert "Indexed together with" in page
    assert "<script>" not in page  # the CSP forbids inline scripts


def test_a_theme_page_shows_its_neighbourhood(node, client, atlas):
    """The theme page lists the concept's neighbours (co-occurrence and matches included)."""
    page = client.get(f"/themes/{atlas['savings']}?lang=en").get_data(as_text=True)
    section = page[page.index('id="neighbourhood-heading"') :]
    assert f"/themes/{atlas['housing']}" in section  # indexed together
    assert f"/themes/{atlas['energy']}" in section  # broader
    assert "/themes/epargne-other" in section  # the same concept on another node
    assert f"concept={atlas['savings']}" in section
    around = client.get(f"/atlas.json?concept={atlas['savings']}").get_json()
    savings = iri(node, atlas["savings"])
    assert all(savings in (e["source"], e["target"]) for e in around["edges"])
    assert {n["id"] for n in around["nodes"]} == {
        savings,
        iri(node, atlas["energy"]),
        iri(node, atlas["housing"]),
        REMOTE,
    }

"""Facet counts equal a direct count of the database; themes and territories gather below."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import Actor, Item, ItemStatus, Territory, ThemeLink
from server.models.item import item_territory, item_theme
from server.models.theme import ThemeRelation
from server.search import Query, search
from tests.search.conftest import add_item, titles
from tests.server.factories import ids, make_item, make_territory, make_theme
from vocab.terms import CC_BY_SA_4

CC_BY = "https://creativecommons.org/licenses/by/4.0/"


@pytest.fixture
def catalogue(node):
    """Items over a small thesaurus (energy > housing efficiency > insulation) and places
    (Hauts-de-France > Lille; Bretagne), in two languages and licences, one withdrawn."""
    from server.models import Theme

    energy = make_theme(node, "Énergie", "Energy")
    (energy_id,) = ids(node, Theme, [energy])
    housing = make_theme(
        node, "Efficacité des logements", "Housing efficiency", broader_ids=[energy_id]
    )
    (housing_id,) = ids(node, Theme, [housing])
    insulation = make_theme(node, "Isolation", "Insulation", broader_ids=[housing_id])
    water = make_theme(node, "Eau", "Water")
    region = make_territory(node, "Hauts-de-France", kind="region", code="32")
    (region_id,) = ids(node, Territory, [region])
    lille = make_territory(node, "Lille", kind="commune", code="59350", parent_id=region_id)
    bretagne = make_territory(node, "Bretagne", kind="region", code="53")
    add_item(
        node,
        "experience",
        "Isoler les écoles",
        themes=[insulation],
        territories=[lille],
        summary={"fr": "Énergie et écoles."},
        license=CC_BY_SA_4,
    )
    add_item(
        node,
        "experience",
        "Chaufferie bois",
        themes=[energy, housing],
        territories=[region],
        summary={"fr": "Une énergie locale."},
        license=CC_BY,
    )
    add_item(
        node,
        "resource",
        {"en": "Insulation guide"},
        themes=[insulation],
        territories=[bretagne],
        summary={"en": "Energy savings at home."},
        license=CC_BY,
    )
    add_item(
        node,
        "principle",
        "Prendre soin de l'eau",
        themes=[water],
        territories=[lille],
        summary={"fr": "L'eau est un commun."},
        license=CC_BY_SA_4,
    )
    make_item(
        node,
        "experience",
        "Retiré",
        themes=[energy],
        status="withdrawn",
        summary={"fr": "Énergie."},
    )
    return {
        "energy": energy,
        "housing": housing,
        "insulation": insulation,
        "water": water,
        "region": region,
        "lille": lille,
        "bretagne": bretagne,
    }


def _database() -> dict[int, dict[str, Any]]:
    """Every searchable item's facet values, read with plain queries (trees walked here)."""
    rows = db.session.execute(
        select(Item.id, Item.kind, Item.language, Item.license, Item.published_at, Actor.origin)
        .join(Actor, Actor.id == Item.actor_id)
        .where(Item.status == ItemStatus.PUBLISHED, Item.hidden.is_(False))
    ).all()
    broader = defaultdict(set)
    for link in db.session.scalars(select(ThemeLink)):
        if link.relation == ThemeRelation.BROADER:
            broader[link.theme_id].add(link.target_id)
    parents = {t.id: t.parent_id for t in db.session.scalars(select(Territory))}

    def up(start: set[int], step) -> set[int]:
        seen, todo = set(), list(start)
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo += list(step(current))
        return seen

    from server.models import Theme

    slugs = {t.id: t.slug for t in db.session.scalars(select(Theme))}
    places = {t.id: t.slug for t in db.session.scalars(select(Territory))}
    themes, territories = defaultdict(set), defaultdict(set)
    for item_id, theme_id in db.session.execute(select(item_theme)):
        themes[item_id].add(theme_id)
    for item_id, territory_id in db.session.execute(select(item_territory)):
        territories[item_id].add(territory_id)
    found = {}
    for row in rows:
        ancestors = up(themes[row.id], lambda t: broader[t])
        regions = up(territories[row.id], lambda t: [parents[t]] if parents[t] else [])
        found[row.id] = {
            "kind": {row.kind},
            "lang": {row.language},
            "licence": {row.license},
            "year": {str(row.published_at.year)},
            "node": {row.origin.split("://", 1)[1]},
            "theme": {slugs[t] for t in ancestors},
            "territory": {places[t] for t in regions},
        }
    return found


def _expected(items, chosen: dict[str, tuple[str, ...]], facet: str) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for values in items.values():
        if all(
            not want or values[name] & set(want) for name, want in chosen.items() if name != facet
        ):
            for value in values[facet]:
                counts[value] += 1
    return dict(counts)


SCENARIOS = [
    {},
    {"kinds": ("experience",)},
    {"themes": ("energy",)},
    {"themes": ("housing",), "territories": ("region",)},
    {"territories": ("region", "bretagne"), "langs": ("fr",)},
    {"licences": (CC_BY,), "kinds": ("experience", "resource")},
    {"text": "énergie"},
    {"text": "énergie", "themes": ("insulation",)},
]
NAMES = {
    "kinds": "kind",
    "themes": "theme",
    "territories": "territory",
    "langs": "lang",
    "licences": "licence",
    "years": "year",
    "nodes": "node",
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_facet_counts_equal_a_direct_count(node, catalogue, scenario):
    """Given filters, then each facet value's count is the database's count of items with
    that value under the text and the other filters (narrower themes, inner places in)."""
    scenario = dict(scenario)
    text = scenario.pop("text", "")
    for name in ("themes", "territories"):
        if name in scenario:
            scenario[name] = tuple(catalogue[v] for v in scenario[name])
    with node.app_context():
        items = _database()
        if text:  # the text's matches, taken from a search with no filter at all
            matched = {h.item.id for h in search(Query(text=text, per_page=100)).hits}
            items = {i: v for i, v in items.items() if i in matched}
        results = search(Query(text=text, **scenario))
        chosen = {NAMES[k]: v for k, v in scenario.items()}
        for facet in NAMES.values():
            expected = _expected(items, chosen, facet)
            shown = {v.value: v.count for v in results.facets[facet] if v.count}
            assert shown == expected, facet
            for value in results.facets[facet]:
                assert value.selected == (value.value in chosen.get(facet, ()))
        assert results.total == sum(
            all(not want or values[name] & set(want) for name, want in chosen.items())
            for values in items.values()
        )


def test_a_theme_includes_its_narrower_concepts(node, catalogue):
    """Given items on "insulation" (under housing, under energy), then choosing "energy"
    finds them too, and choosing "housing" finds no item of "energy" alone."""
    found = titles(node, themes=(catalogue["energy"],))
    assert set(found) == {"Isoler les écoles", "Chaufferie bois", "Insulation guide"}
    assert set(titles(node, themes=(catalogue["housing"],))) == set(found)
    assert titles(node, themes=(catalogue["water"],)) == ["Prendre soin de l'eau"]


def test_a_territory_includes_the_places_inside_it(node, catalogue):
    """Given items in Lille (inside Hauts-de-France), choosing the region finds them."""
    found = titles(node, territories=(catalogue["region"],))
    assert set(found) == {"Isoler les écoles", "Chaufferie bois", "Prendre soin de l'eau"}


def test_a_theme_or_territory_is_named_by_slug_or_iri(node, catalogue):
    """Given a theme's IRI instead of its slug, then the same items are found."""
    from server.models import Theme

    with node.app_context():
        iri = Theme.by_slug(catalogue["water"]).iri
    assert titles(node, themes=(iri,)) == ["Prendre soin de l'eau"]


def test_unknown_facet_values_match_nothing(node, catalogue):
    """Given a theme, kind or node nobody knows, then nothing is found, and no error."""
    for facet in (
        {"themes": ("nope",)},
        {"kinds": ("spaceship",)},
        {"nodes": ("x.test",)},
        {"years": (1066,)},
        {"territories": ("'; DROP TABLE item; --",)},
    ):
        with node.app_context():
            results = search(Query(**facet))
        assert results.total == 0 and results.hits == []
        (name,) = facet
        assert [v.value for v in results.facets[NAMES[name]] if v.selected] == [
            str(v) for v in facet[name]
        ]


def test_descendant_ids_walk_the_whole_tree(node, catalogue):
    """Given three levels of concepts and two of places, descendant_ids returns all below."""
    from server.models import Theme

    with node.app_context():
        energy, housing, insulation = (
            Theme.by_slug(catalogue[k]).id for k in ("energy", "housing", "insulation")
        )
        assert Theme.descendant_ids([energy]) == {energy, housing, insulation}
        assert Theme.descendant_ids([insulation]) == {insulation}
        assert Theme.descendant_ids([]) == set()
        region, lille = (Territory.by_slug(catalogue[k]).id for k in ("region", "lille"))
        assert Territory.descendant_ids([region]) == {region, lille}

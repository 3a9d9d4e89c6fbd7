"""Maps: items placed by their territories (or their nearest placed ancestor), the tile setting."""

from __future__ import annotations

import pytest

from server import create_app
from server.config import ConfigError, Settings
from server.models import Territory
from tests.server.factories import ids, make_item, make_territory, make_theme


@pytest.fixture
def places(node):
    """A placed region; a town without coordinates inside it; a placed town; a place nowhere."""
    region = make_territory(node, "Région", kind="region", latitude=50.5, longitude=2.5)
    [region_id] = ids(node, Territory, [region])
    unplaced_town = make_territory(node, "Bourg", parent_id=region_id)
    town = make_territory(node, "Ville", latitude=50.1, longitude=2.9, parent_id=region_id)
    nowhere = make_territory(node, "Nulle part")
    theme = make_theme(node, "Eau", "Water")
    make_item(node, "experience", "Au bourg", territories=[unplaced_town], themes=[theme])
    make_item(node, "experience", "À la ville", territories=[town])
    make_item(node, "resource", "Sans lieu", territories=[nowhere], themes=[theme])
    make_item(node, "resource", "Sans territoire")
    make_item(node, "experience", "Brouillon", status="draft", territories=[town])
    return {"region": region, "bourg": unplaced_town, "town": town, "theme": theme}


def by_label(data):
    return {p["label"]: p for p in data["points"]}


def test_a_territory_without_coordinates_takes_its_ancestors(client, places):
    """The town without coordinates sits on its region; items with no place are listed apart."""
    data = client.get("/map.json").get_json()
    points = by_label(data)
    assert set(points) == {"Région", "Ville"}
    assert points["Région"]["count"] == 1
    assert (points["Région"]["lat"], points["Région"]["lon"]) == (50.5, 2.5)
    assert [i["title"] for i in points["Région"]["items"]] == ["Au bourg"]
    assert [i["title"] for i in points["Ville"]["items"]] == ["À la ville"]  # not the draft
    assert data["unplaced"]["count"] == 2
    assert {i["title"] for i in data["unplaced"]["items"]} == {"Sans lieu", "Sans territoire"}


def test_filters_narrow_the_points(client, places):
    """territory= includes the places inside it; theme= and kind= narrow the items."""
    in_region = client.get(f"/map.json?territory={places['region']}").get_json()
    assert {p: v["count"] for p, v in by_label(in_region).items()} == {"Région": 1, "Ville": 1}
    assert in_region["unplaced"]["count"] == 0
    on_theme = client.get(f"/map.json?theme={places['theme']}&kind=experience").get_json()
    assert {p: v["count"] for p, v in by_label(on_theme).items()} == {"Région": 1}
    assert on_theme["unplaced"]["count"] == 0


@pytest.mark.parametrize(
    ("query", "status"),
    [("territory=nowhere", 404), ("theme=nothing", 404), ("kind=zzz", 400), ("kind=", 200)],
)
def test_bad_parameters_are_4xx(client, places, query, status):
    """An unknown filter value is a 4xx with a JSON message, never a 500."""
    response = client.get(f"/map.json?{query}")
    assert response.status_code == status
    if status >= 400:
        assert response.get_json()["detail"]


def test_a_territory_page_lists_its_points_for_the_map(client, places):
    """The region's page holds its places with coordinates, its items, and the map script."""
    page = client.get(f"/territories/{places['region']}?lang=en").get_data(as_text=True)
    assert 'data-lat="50.5" data-lon="2.5"' in page
    assert 'data-lat="50.1" data-lon="2.9"' in page
    assert "Au bourg" in page and "À la ville" in page
    assert "/static/js/map.js" in page and "<script>" not in page
    assert 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in page
    index = client.get("/territories?lang=en").get_data(as_text=True)
    assert 'data-lat="50.1"' in index and "Sans lieu" in index


def test_the_csp_allows_the_tile_host_for_images_only(tmp_path, database_url):
    """A custom tile server is allowed in img-src and nowhere else."""
    app = create_app(
        {
            "data_dir": tmp_path,
            "database_url": database_url,
            "map_tiles": "https://{s}.tiles.example.net/{z}/{x}/{y}.png",
            "TESTING": True,
        }
    )
    policy = app.test_client().get("/static/commons.css").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert "https://*.tiles.example.net" in directives["img-src"].split()
    others = [v for k, v in directives.items() if k != "img-src"]
    assert not any("example.net" in v for v in others)
    assert "tile.openstreetmap.org" not in policy


def test_default_tiles_and_none(tmp_path, database_url):
    """OpenStreetMap by default; `none` draws markers on a plain background."""
    default = Settings.from_env({})
    assert default.map_tiles == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "OpenStreetMap" in default.map_attribution
    app = create_app({"data_dir": tmp_path, "database_url": database_url, "map_tiles": "none"})
    policy = app.test_client().get("/static/commons.css").headers["Content-Security-Policy"]
    assert "img-src 'self' data:;" in policy


@pytest.mark.parametrize(
    "template",
    ["ftp://tiles.example/{z}/{x}/{y}.png", "https://tiles.example/tile.png", "not a url"],
)
def test_a_bad_tile_template_stops_the_node(template):
    """A tile template the maps cannot use is a configuration error at start."""
    with pytest.raises(ConfigError):
        Settings.from_env({"COMMONS_MAP_TILES": template})


def test_a_search_is_shown_on_a_map_with_every_page_of_its_results(client, places):
    """Given a search, its map view places every item it finds (not only the first page),
    leaves out what it does not find, and a bad search gets a 400 with its reason."""
    data = client.get("/search/map.json?q=ville&per_page=1").get_json()
    assert {p: v["count"] for p, v in by_label(data).items()} == {"Ville": 1}
    assert data["unplaced"]["count"] == 0
    every = client.get("/search/map.json").get_json()
    assert {p: v["count"] for p, v in by_label(every).items()} == {"Région": 1, "Ville": 1}
    assert every["unplaced"]["count"] == 2
    refused = client.get("/search/map.json?page=zero")
    assert refused.status_code == 400 and refused.get_json()["detail"]
    page = client.get("/search?q=ville&view=map").get_data(as_text=True)
    assert 'data-points-url="/search/map.json?q=ville"' in page

"""Atom and RSS feeds read with feedparser; sitemaps, and an index of them past the limit."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import feedparser
import pytest

from server.harvest import sitemap
from server.harvest.feeds import FEED_SIZE
from tests.harvest.helpers import allow_copies, demo_items, publish, store_copy

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _feed(node, path: str):
    response = node.get(path)
    assert response.status_code == 200
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


@pytest.mark.parametrize(("path", "version"), [("/feed.atom", "atom10"), ("/feed.rss", "rss20")])
def test_node_feed_lists_the_latest_items(demo_node, path, version):
    """Given the demo node, when feedparser reads its feed, then every entry is a full item."""
    feed = _feed(demo_node, path)
    assert feed.version == version
    assert len(feed.entries) == min(len(demo_items()), FEED_SIZE)
    for entry in feed.entries:
        assert entry.title and entry.link.startswith(demo_node.base_url)
        assert entry.id.startswith(demo_node.base_url) and entry.get("published_parsed")
        assert entry.get("author")


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_theme_and_territory_feeds_hold_only_their_items(demo_node, fmt):
    """Given a theme and a territory, when their feeds are read, then each holds its own items."""
    node_feed = _feed(demo_node, f"/feed.{fmt}")
    theme = _feed(demo_node, f"/themes/cooperation-between-actors/feed.{fmt}")
    place = _feed(demo_node, f"/territories/loos-en-gohelle/feed.{fmt}")
    assert 0 < len(theme.entries) < len(node_feed.entries)
    assert 0 < len(place.entries) < len(node_feed.entries)
    tagged = [e for e in demo_items() if "cooperation-between-actors" in e.get("themes", [])]
    rooted = [e for e in demo_items() if "loos-en-gohelle" in e.get("territories", [])]
    assert (len(theme.entries), len(place.entries)) == (len(tagged), len(rooted))
    for entry in theme.entries:
        assert any(
            "cooperation-between-actors" in (tag.get("term", "") + tag.get("scheme", ""))
            for tag in entry.tags
        )
    assert any("loos-en-gohelle" in entry.link for entry in place.entries)


def test_unknown_theme_has_no_feed(demo_node):
    """Given a theme that does not exist, when its feed is asked, then the answer is 404."""
    assert demo_node.get("/themes/no-such-theme/feed.atom").status_code == 404


def test_feed_answers_conditional_requests(demo_node):
    """Given a feed already read, when asked again with its ETag, then the answer is 304."""
    first = demo_node.get("/feed.atom")
    again = demo_node.get("/feed.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_every_html_page_advertises_the_feeds(demo_node):
    """Given an HTML page, then it links the Atom and RSS feeds as alternates."""
    html = demo_node.get("/experiences", headers={"Accept": "text/html"}).text
    assert 'type="application/atom+xml" href="/feed.atom"' in html
    assert 'type="application/rss+xml" href="/feed.rss"' in html


def test_feeds_show_followed_nodes_items_and_obey_consent(live_node):
    """Given an unindexable item and a followed node's item, then the feed shows the other
    node's item (linking to its original) but never the unindexable one, and ?local=1 shows
    this node's own items only; whether copies may be harvested does not change feeds."""
    private = publish(live_node.app, "Hors des flux", indexable=False)
    own = publish(live_node.app, "Dans les flux")
    copy = store_copy(live_node.app)
    entries = {e.id: e for e in _feed(live_node, "/feed.atom").entries}
    local_ids = {e.id for e in _feed(live_node, "/feed.atom?local=1").entries}
    assert {own, copy} <= set(entries) and private not in entries
    assert own in local_ids and copy not in local_ids
    assert any(link.get("rel") == "via" for link in entries[copy].links)
    allow_copies(live_node.app)
    assert {e.id for e in _feed(live_node, "/feed.atom").entries} == set(entries)


def _locs(node, path: str) -> list[str]:
    response = node.get(path)
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return [loc.text for loc in root.iter(f"{SITEMAP_NS}loc")], root.tag


def test_sitemap_lists_the_pages_of_harvestable_items(live_node):
    """Given a node, then its sitemap lists browsing pages and items, not unindexable ones."""
    private = publish(live_node.app, "Pas dans le plan du site", indexable=False)
    kept = publish(live_node.app, "Dans le plan du site")
    locs, tag = _locs(live_node, "/sitemap.xml")
    assert tag == f"{SITEMAP_NS}urlset"
    assert live_node.url("/") in locs and kept in locs
    assert private not in locs
    assert len(locs) == len(set(locs))


def test_large_sitemap_becomes_an_index_of_pages(demo_node, monkeypatch):
    """Given more URLs than a sitemap holds, then sitemap.xml is an index whose pages hold all."""
    whole, _ = _locs(demo_node, "/sitemap.xml")
    monkeypatch.setattr(sitemap, "MAX_URLS", 10)
    pages, tag = _locs(demo_node, "/sitemap.xml")
    assert tag == f"{SITEMAP_NS}sitemapindex"
    assert len(pages) == -(-len(whole) // 10)
    found = [
        loc for page in pages for loc in _locs(demo_node, page.removeprefix(demo_node.base_url))[0]
    ]
    assert found == whole
    assert demo_node.get(f"/sitemap-{len(pages) + 1}.xml").status_code == 404

"""sitemap.xml: every public page of harvestable content; a sitemap index past 50,000 URLs.

The URLs come in a fixed order (browsing pages, themes, territories, then items by id), so
page n of the index always holds the same URLs between two changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select

from server.extensions import db
from server.harvest import dataset
from server.harvest.dublincore import xml_text
from server.models import Item, Territory, Theme
from vocab import kinds

MAX_URLS = 50_000  # the sitemap protocol's limit per file
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_BROWSING = ("/", "/experiences", "/principles", "/resources", "/themes", "/territories")

Url = tuple[str, datetime | None]


def _fixed_urls(base_url: str) -> list[Url]:
    urls: list[Url] = [(base_url + path, None) for path in _BROWSING]
    for model, path in ((Theme, "themes"), (Territory, "territories")):
        rows = db.session.execute(
            select(model.slug, model.updated_at).where(model.origin.is_(None)).order_by(model.slug)
        )
        urls += [(f"{base_url}/{path}/{slug}", updated) for slug, updated in rows]
    return urls


def _items_query():
    ids = dataset.harvestable_items().with_only_columns(Item.id).scalar_subquery()
    return select(Item.kind, Item.slug, Item.updated_at).where(Item.id.in_(ids)).order_by(Item.id)


def count_urls(base_url: str) -> int:
    """Return how many URLs the sitemap holds."""
    items = db.session.scalar(select(func.count()).select_from(_items_query().subquery())) or 0
    return len(_fixed_urls(base_url)) + items


def urls(base_url: str, offset: int = 0, limit: int = MAX_URLS) -> Iterator[Url]:
    """Yield `limit` URLs from `offset`, in the sitemap's fixed order."""
    fixed = _fixed_urls(base_url)
    yield from fixed[offset : offset + limit]
    taken = max(0, min(limit, len(fixed) - offset))
    query = _items_query().offset(max(0, offset - len(fixed))).limit(limit - taken)
    for kind, slug, updated in db.session.execute(query.execution_options(yield_per=2000)):
        yield f"{base_url}/{kinds.by_name(kind).path}/{slug}", updated


def urlset(entries: Iterator[Url]) -> Iterator[str]:
    """Render a <urlset>, a chunk of text at a time."""
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n'
    for loc, updated in entries:
        lastmod = f"<lastmod>{updated.strftime('%Y-%m-%dT%H:%M:%SZ')}</lastmod>" if updated else ""
        yield f"<url><loc>{xml_text(loc)}</loc>{lastmod}</url>\n"
    yield "</urlset>\n"


def index(base_url: str, pages: int) -> str:
    """Render a <sitemapindex> naming /sitemap-1.xml ... /sitemap-N.xml."""
    entries = "".join(
        f"<sitemap><loc>{xml_text(f'{base_url}/sitemap-{n}.xml')}</loc></sitemap>\n"
        for n in range(1, pages + 1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n'
        f"{entries}</sitemapindex>\n"
    )

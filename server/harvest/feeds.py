"""Atom 1.0 and RSS 2.0 feeds of the latest harvestable items: node, theme, territory.

Like the lists on the node's pages, feeds show this node's items and the items of the
nodes it follows together (CONTRACT: local and followed by default), each copy linking to
its original (`rel="via"`) with its own authors and licence; `?local=1` keeps this node's
own items only. Items not marked indexable, hidden or withdrawn never appear. (Dumps,
SPARQL and OAI-PMH, which republish whole records, carry copies only when the admin lets
copies be harvested.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from sqlalchemy import ColumnElement
from sqlalchemy.orm import selectinload

from server.extensions import db
from server.harvest import dataset
from server.harvest.dublincore import xml_attr, xml_text
from server.models import Actor, Item, pick, utcnow
from vocab import kinds
from vocab.terms import LICENSES

FEED_SIZE = 50
ATOM_NS = "http://www.w3.org/2005/Atom"


@dataclass
class Feed:
    """What both formats say: a title, the page it mirrors, its own URL, its items."""

    title: str
    description: str
    page_url: str
    self_url: str
    language: str
    base_url: str
    author: str
    items: list[Item]

    @property
    def updated(self) -> datetime:
        return max((i.updated_at for i in self.items), default=None) or utcnow()


def latest(*conditions: ColumnElement[bool], local_only: bool = False) -> list[Item]:
    """Return the newest harvestable items that meet `conditions`."""
    query = dataset.harvestable_items(federated=True).where(*conditions)
    if local_only:
        query = query.where(Actor.is_local.is_(True))
    query = query.options(selectinload(Item.actor), selectinload(Item.themes))
    query = query.order_by(Item.published_at.desc(), Item.id.desc()).limit(FEED_SIZE)
    return list(db.session.scalars(query))


def page_url(item: Item, base_url: str) -> str:
    return f"{base_url}/{kinds.by_name(item.kind).path}/{item.slug}"


def _text(item: Item, field: dict[str, str], languages: list[str]) -> str:
    return pick(field, [item.language, *languages])


def _authors(item: Item) -> list[str]:
    return list(item.authors or []) or [item.actor.name or item.actor.origin]


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def atom(feed: Feed, languages: list[str]) -> str:
    """Render the feed as Atom 1.0."""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<feed xmlns="{ATOM_NS}" xml:lang={xml_attr(feed.language)}>',
        f"<id>{xml_text(feed.self_url)}</id>",
        f"<title>{xml_text(feed.title)}</title>",
        f"<subtitle>{xml_text(feed.description)}</subtitle>",
        f"<updated>{_iso(feed.updated)}</updated>",
        f'<link rel="self" type="application/atom+xml" href={xml_attr(feed.self_url)}/>',
        f'<link rel="alternate" type="text/html" href={xml_attr(feed.page_url)}/>',
        f"<author><name>{xml_text(feed.author)}</name>"
        f"<uri>{xml_text(feed.base_url + '/')}</uri></author>",
        "<generator>transition-commons</generator>",
    ]
    for item in feed.items:
        link = page_url(item, feed.base_url)
        out.append("<entry>")
        out.append(f"<id>{xml_text(dataset.harvest_iri(item, feed.base_url))}</id>")
        out.append(f"<title>{xml_text(_text(item, item.title, languages))}</title>")
        out.append(f'<link rel="alternate" type="text/html" href={xml_attr(link)}/>')
        if not item.actor.is_local:
            out.append(f'<link rel="via" href={xml_attr(item.iri)}/>')
        out.append(f"<published>{_iso(item.published_at or item.created_at)}</published>")
        out.append(f"<updated>{_iso(item.updated_at)}</updated>")
        out += [f"<author><name>{xml_text(name)}</name></author>" for name in _authors(item)]
        for theme in item.themes:
            out.append(
                f"<category term={xml_attr(theme.slug)} scheme={xml_attr(theme.iri)} "
                f"label={xml_attr(theme.label([item.language, *languages]))}/>"
            )
        summary = _text(item, item.summary, languages)
        if summary:
            out.append(f"<summary>{xml_text(summary)}</summary>")
        content = _text(item, item.body_html, languages)
        if content:
            out.append(f'<content type="html">{xml_text(content)}</content>')
        out.append(f"<rights>{xml_text(LICENSES.get(item.license, item.license))}</rights>")
        out.append("</entry>")
    out.append("</feed>\n")
    return "".join(out)


def rss(feed: Feed, languages: list[str]) -> str:
    """Render the feed as RSS 2.0 (with atom:link self and dc:creator)."""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<rss version="2.0" xmlns:atom="{ATOM_NS}" xmlns:dc="http://purl.org/dc/elements/1.1/">',
        "<channel>",
        f"<title>{xml_text(feed.title)}</title>",
        f"<link>{xml_text(feed.page_url)}</link>",
        f"<description>{xml_text(feed.description)}</description>",
        f"<language>{xml_text(feed.language)}</language>",
        f"<lastBuildDate>{format_datetime(feed.updated)}</lastBuildDate>",
        f'<atom:link rel="self" type="application/rss+xml" href={xml_attr(feed.self_url)}/>',
        "<generator>transition-commons</generator>",
    ]
    for item in feed.items:
        out.append("<item>")
        out.append(f"<title>{xml_text(_text(item, item.title, languages))}</title>")
        out.append(f"<link>{xml_text(page_url(item, feed.base_url))}</link>")
        guid = dataset.harvest_iri(item, feed.base_url)
        out.append(f'<guid isPermaLink="true">{xml_text(guid)}</guid>')
        out.append(f"<pubDate>{format_datetime(item.published_at or item.created_at)}</pubDate>")
        out += [f"<dc:creator>{xml_text(name)}</dc:creator>" for name in _authors(item)]
        for theme in item.themes:
            label = theme.label([item.language, *languages])
            out.append(f"<category domain={xml_attr(theme.iri)}>{xml_text(label)}</category>")
        description = _text(item, item.body_html, languages) or _text(item, item.summary, languages)
        if description:
            out.append(f"<description>{xml_text(description)}</description>")
        out.append("</item>")
    out.append("</channel></rss>\n")
    return "".join(out)

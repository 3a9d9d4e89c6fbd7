"""RSS 2.0 and Atom feeds (SPIP's, WordPress's...) read with feedparser."""

from __future__ import annotations

from calendar import timegm
from collections.abc import Iterator
from datetime import UTC, datetime

import feedparser
import html2text

from server.importer.errors import SourceError
from server.importer.records import Record, Refusal
from server.importer.safexml import check_xml
from server.importer.sources import Source


def to_markdown(html: str) -> str:
    """Turn a feed's HTML into the Markdown items keep (the node renders and sanitises it)."""
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = False
    converter.unicode_snob = True
    return converter.handle(html or "").strip()


def plain(html: str) -> str:
    """Return the text of a short HTML fragment (a summary), without Markdown marks."""
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_links = converter.ignore_images = converter.ignore_emphasis = True
    return " ".join(converter.handle(html or "").split())


def _language(tag: str | None, default: str) -> str:
    return (tag or default or "fr").split("-")[0].split("_")[0].lower()[:8] or "fr"


def _date(parsed) -> datetime | None:
    return datetime.fromtimestamp(timegm(parsed), UTC) if parsed else None


class FeedReader:
    """The entries of one feed, as records; the whole feed is checked before any is read."""

    def __init__(self, source: Source) -> None:
        data = source.read()
        check_xml(data, "the feed")
        self.feed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
        if not self.feed.get("version"):
            raise SourceError(f"{source.name} is XML but neither an RSS nor an Atom feed")
        self.language = _language(self.feed.feed.get("language"), "fr")
        self.licence = self.feed.feed.get("license") or self.feed.feed.get("rights")
        self.total = len(self.feed.entries)

    def __iter__(self) -> Iterator[Record | Refusal]:
        for number, entry in enumerate(self.feed.entries, 1):
            where = f"entry {number}"
            try:
                yield self._record(entry, where)
            except (KeyError, ValueError, TypeError, OverflowError) as exc:
                yield Refusal(where, f"unreadable entry: {exc}")

    def _record(self, entry, where: str) -> Record | Refusal:
        title = " ".join(plain(entry.get("title", "")).split())
        identifier = entry.get("id") or entry.get("link") or title
        if not title:
            return Refusal(f"{where} ({identifier or 'no id'})", "no title")
        detail = entry.get("title_detail") or {}
        language = _language(detail.get("language"), self.language)
        content = entry.get("content") or []
        body_html = content[0].get("value", "") if content else ""
        summary_html = entry.get("summary", "")
        if body_html and summary_html.strip() == body_html.strip():
            summary_html = ""
        if not body_html:
            body_html, summary_html = summary_html, ""
        authors = [a.get("name", "") for a in entry.get("authors", []) if a.get("name")]
        if not authors and entry.get("author"):
            authors = [entry["author"]]
        subjects = [t.get("term") or t.get("label") for t in entry.get("tags", [])]
        subjects = [s.strip() for s in subjects if s and s.strip()]
        links = [
            (e.get("href"), e.get("type") or "")
            for e in entry.get("enclosures", [])
            if e.get("href")
        ]
        summary = plain(summary_html)
        return Record(
            identifier=identifier,
            where=f"{where} ({identifier})",
            title={language: title},
            language=language,
            summary={language: summary} if summary else {},
            body={language: to_markdown(body_html)} if body_html else {},
            authors=list(dict.fromkeys(authors)),
            published=_date(entry.get("published_parsed") or entry.get("updated_parsed")),
            subjects=list(dict.fromkeys(subjects)),
            link=entry.get("link"),
            license=entry.get("license") or entry.get("rights") or self.licence,
            attachments=links,
        )

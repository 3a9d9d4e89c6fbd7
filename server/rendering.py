"""Markdown to sanitised HTML, the only way text written by people becomes markup."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# Raw HTML in Markdown is escaped by the parser, and whatever markup comes out is cleaned
# again by nh3 with a short allow-list: no script, style, event handler or javascript: URL
# can reach a page, a feed or a peer.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}


def sanitise_html(html: str) -> str:
    """Keep only harmless markup: the allow-list above, http(s) and mailto links."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str) -> str:
    """Render Markdown to sanitised HTML ('' for empty text)."""
    if not text or not text.strip():
        return ""
    # Headings start at h2: the page title is the only h1.
    html = _markdown.render(text).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return sanitise_html(html).strip()


def render_langmap(texts: dict[str, str]) -> dict[str, str]:
    """Render each language's Markdown."""
    return {lang: render_markdown(text) for lang, text in texts.items() if text and text.strip()}

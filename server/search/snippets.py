"""Extracts of an item around the words a search matched, marked with <mark>."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from markupsafe import Markup, escape

from server.models import Item
from server.models.base import pick
from server.search.text import WORD, fold, variants

WIDTH = 30  # words around the first match
_TAGS = re.compile(r"<[^>]*>")
_TOKEN = re.compile(r"[^\W_]+|[\W_]+")


def _texts(item: Item, languages: Iterable[str]) -> list[str]:
    """The item's texts a snippet may come from, best first, in the reader's language."""
    languages = list(languages)
    body = pick(item.body_html or {}, languages)
    body = html.unescape(_TAGS.sub(" ", body)) if body else pick(item.body or {}, languages)
    texts = [pick(item.summary or {}, languages), body]
    texts += [pick(getattr(item, name) or {}, languages) for name in _FIELDS]
    for field in ("summary", "body", *_FIELDS):
        texts += [t for t in (getattr(item, field) or {}).values() if t]
    return [" ".join(t.split()) for t in texts if t]


_FIELDS = ("circumstances", "lessons", "limits")


def snippet(item: Item, words: Iterable[str], languages: Iterable[str] = ("fr", "en")) -> Markup:
    """Return an HTML extract of the item with the searched words in <mark>, the rest escaped.

    A word matches in any of its forms (French, English stem, or as typed, accents folded).
    Without a match, the start of the summary or body.
    """
    wanted = {form for word in words for form in variants(word)}
    texts = _texts(item, languages)
    if not texts:
        return Markup("")
    for content in texts:
        tokens = _TOKEN.findall(content)
        hits = [i for i, token in enumerate(tokens) if _matches(token, wanted)]
        if hits:
            return _render(tokens, set(hits), hits[0])
    return _render(_TOKEN.findall(texts[0]), set(), 0)


def _matches(token: str, wanted: set[str]) -> bool:
    if not wanted or not WORD.fullmatch(token):
        return False
    folded = fold(token)
    return any(form in wanted for form in variants(folded))


def _render(tokens: list[str], hits: set[int], first: int) -> Markup:
    start = max(0, first - WIDTH)  # tokens alternate word / gap: about WIDTH/2 words before
    end = min(len(tokens), first + 2 * WIDTH)
    parts = ["… " if start > 0 else ""]
    for i in range(start, end):
        token = escape(tokens[i])
        parts.append(f"<mark>{token}</mark>" if i in hits else str(token))
    if end < len(tokens):
        parts.append(" …")
    return Markup("".join(parts).strip())

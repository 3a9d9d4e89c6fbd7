"""Extracts of an item around the words a search matched, marked with <mark>."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

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
    words = tuple(words)
    texts = _texts(item, languages)
    if not texts:
        return Markup("")
    if words:
        matches = _matcher(words)
        for content in texts:
            tokens = _TOKEN.findall(content)
            first = next((i for i, token in enumerate(tokens) if matches(token)), None)
            if first is not None:
                return _render(tokens, matches, first)
    return _render(_TOKEN.findall(texts[0]), lambda _: False, 0)


SEEN = 10_000  # tokens remembered by one matcher; it starts again past it


@lru_cache(maxsize=16)
def _matcher(words: tuple[str, ...]) -> Callable[[str], bool]:
    """Tell whether a token is one of the words in any form; shared by the items of a page
    (and the next pages), as the same tokens come back from item to item."""
    wanted = {form for word in words for form in variants(word)}
    seen: dict[str, bool] = {}  # each token folded and stemmed once

    def matches(token: str) -> bool:
        found = seen.get(token)
        if found is None:
            if len(seen) >= SEEN:
                seen.clear()
            found = seen[token] = bool(wanted) and any(
                form in wanted for w in WORD.findall(fold(token)) for form in variants(w)
            )
        return found

    return matches


def _render(tokens: list[str], matches: Callable[[str], bool], first: int) -> Markup:
    start = max(0, first - WIDTH)  # tokens alternate word / gap: about WIDTH/2 words before
    end = min(len(tokens), first + 2 * WIDTH)
    parts = ["… " if start > 0 else ""]
    plain: list[str] = []  # tokens between two matches, escaped together
    for token in tokens[start:end]:
        if matches(token):
            if plain:
                parts.append(str(escape("".join(plain))))
                plain = []
            parts.append(f"<mark>{escape(token)}</mark>")
        else:
            plain.append(token)
    if plain:
        parts.append(str(escape("".join(plain))))
    if end < len(tokens):
        parts.append(" …")
    return Markup("".join(parts).strip())

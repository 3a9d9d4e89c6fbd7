"""What a person asks for: the search string and the facets, read from request arguments.

A search string is data, never syntax: it is read here into plain words, "exact phrases"
and -excluded words, and nothing the person typed reaches FTS5 or tsquery as syntax (the
engines build their expressions from folded, stemmed words only).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from server.search.text import WORD, fold

MAX_QUERY = 1000  # characters of a search string
MAX_TERMS = 32  # words, phrases and exclusions together: more says nothing more
MAX_FACET_VALUES = 50  # values of one facet
MAX_PAGE = 500
MAX_PER_PAGE = 100
SORTS = ("relevance", "date")
FACETS = ("kind", "theme", "territory", "node", "lang", "licence", "year")
_PHRASE = re.compile(r'"([^"]*)"?')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SearchError(ValueError):
    """A request a person can correct; the message says how."""


@dataclass(frozen=True)
class Terms:
    """A search string read: folded words, phrases (tuples of folded words), exclusions."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases or self.excluded)

    @property
    def positive(self) -> bool:
        """Whether anything must match (exclusions alone match everything else)."""
        return bool(self.words or self.phrases)

    def all_words(self) -> tuple[str, ...]:
        """The words a match may show (for snippets): words and phrase words."""
        return tuple(dict.fromkeys(self.words + tuple(w for p in self.phrases for w in p)))


def parse_text(text: str) -> Terms:
    """Read a search string: words, "exact phrases" and -excluded words; the rest is text.

    Quotes pair up left to right, an unclosed one runs to the end; a minus excludes only
    at the start of a word. Punctuation and operators of any engine are plain separators.
    """
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[str] = []
    position = 0
    for match in _PHRASE.finditer(text):
        _loose(text[position : match.start()], words, excluded)
        phrase = tuple(WORD.findall(fold(match.group(1))))
        if len(phrase) == 1:
            words.append(phrase[0])
        elif phrase:
            phrases.append(phrase)
        position = match.end()
    _loose(text[position:], words, excluded)
    kept = list(dict.fromkeys(words))[:MAX_TERMS]
    phrases = list(dict.fromkeys(phrases))[: MAX_TERMS - len(kept)]
    excluded = [w for w in dict.fromkeys(excluded) if w not in kept]
    excluded = excluded[: max(0, MAX_TERMS - len(kept) - len(phrases))]
    return Terms(tuple(kept), tuple(phrases), tuple(excluded))


def _loose(text: str, words: list[str], excluded: list[str]) -> None:
    for token in text.split():
        found = WORD.findall(fold(token))
        if token.startswith("-") and len(token) > 1 and found:
            excluded.append(found[0])
            words.extend(found[1:])
        else:
            words.extend(found)


@dataclass(frozen=True)
class Query:
    """One search: the text, the facets (values OR-ed within one, facets AND-ed), the page."""

    text: str = ""
    kinds: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()  # slugs or IRIs; narrower concepts included
    territories: tuple[str, ...] = ()  # slugs or IRIs; places inside included
    nodes: tuple[str, ...] = ()  # origins as host[:port]
    langs: tuple[str, ...] = ()
    licences: tuple[str, ...] = ()  # IRIs
    years: tuple[int, ...] = ()
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    terms: Terms = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.text) > MAX_QUERY:
            raise SearchError(f"The search text is too long (at most {MAX_QUERY} characters).")
        if self.sort not in SORTS:
            raise SearchError(f"Sort by {' or '.join(SORTS)}.")
        if not 1 <= self.page <= MAX_PAGE:
            raise SearchError(f"The page must be a number from 1 to {MAX_PAGE}.")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise SearchError(f"A page holds from 1 to {MAX_PER_PAGE} results.")
        for name in ("kinds", "themes", "territories", "nodes", "langs", "licences", "years"):
            if len(getattr(self, name)) > MAX_FACET_VALUES:
                raise SearchError(f"Too many values for one filter (at most {MAX_FACET_VALUES}).")
        object.__setattr__(self, "terms", parse_text(self.text))

    @classmethod
    def from_args(cls, args: Mapping[str, Sequence[str]] | object) -> Query:
        """Read request arguments (a MultiDict, or a mapping of key to list of values).

        Repeatable keys: kind, theme, territory, node, lang, licence, year. Raise
        SearchError for a value no search can use (a page or year that is not a number).
        Unknown facet values are no error: they match nothing.
        """

        def values(key: str) -> tuple[str, ...]:
            getlist = getattr(args, "getlist", None)
            found = getlist(key) if getlist else args.get(key, [])  # type: ignore[attr-defined]
            if isinstance(found, str):
                found = [found]
            cleaned = (_CONTROL.sub("", _encodable(str(v))).strip() for v in found)
            return tuple(dict.fromkeys(v for v in cleaned if v))

        def one(key: str, default: str) -> str:
            found = values(key)
            return found[0] if found else default

        text = one("q", "")
        return cls(
            text=text,
            kinds=values("kind"),
            themes=values("theme"),
            territories=values("territory"),
            nodes=tuple(n.lower() for n in values("node")),
            langs=values("lang"),
            licences=values("licence"),
            years=tuple(_number(v, "year") for v in values("year")),
            sort=one("sort", "relevance"),
            page=_number(one("page", "1"), "page"),
        )

    def facet_values(self, facet: str) -> tuple[str, ...]:
        """The chosen values of a facet, as strings."""
        return tuple(str(v) for v in getattr(self, _FIELDS[facet]))


_FIELDS = {
    "kind": "kinds",
    "theme": "themes",
    "territory": "territories",
    "node": "nodes",
    "lang": "langs",
    "licence": "licences",
    "year": "years",
}


def _encodable(value: str) -> str:
    """The value with what UTF-8 cannot carry (lone surrogates) replaced: data for the
    database, not an encoding error."""
    return value.encode("utf-8", "replace").decode("utf-8")


def _number(value: str, name: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 6:
        raise SearchError(f"The {name} must be a whole number, not {value[:40]!r}.")
    return int(value)

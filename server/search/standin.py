"""TEMPORARY STAND-IN for S1's search engine (issue 12): drop it when the real one merges.

It implements the interface of ISSUE12-PLAN.md (`Query`, `Query.from_args`, `SearchError`,
`search() -> Results`, `Hit`, `FacetValue`) with the simplest code that lets the pages
(server/views/search.py) run and be tested: every published item is read and matched in
Python (case and accent folded substrings), facets are counted in Python. No index, no
stemming, no ranking worth the name: fine for tests and a demo, useless at scale.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from server.extensions import db
from server.models import Item, ItemStatus, Territory, Theme, ThemeRelation, pick
from server.models.theme import ThemeLink
from vocab.codec import host_of
from vocab.terms import LICENSES

FACETS = ("kind", "theme", "territory", "node", "lang", "licence", "year")
MAX_TEXT = 1000
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SearchError(ValueError):
    """A search that cannot be run, with a message a person can read."""


@dataclass(frozen=True)
class Query:
    """What a person searches for: text, facet values, order and page."""

    text: str = ""
    kinds: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    territories: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    licences: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    @classmethod
    def from_args(cls, args: Mapping[str, list[str]]) -> Query:
        """Read request arguments; raise SearchError for a value that cannot be used."""

        def values(key: str) -> tuple[str, ...]:
            found = (CONTROL.sub("", v).strip() for v in args.get(key, []))
            return tuple(dict.fromkeys(v for v in found if v))[:50]

        text = CONTROL.sub(" ", " ".join(args.get("q", []))).strip()
        if len(text) > MAX_TEXT:
            raise SearchError(f"The search text is too long (at most {MAX_TEXT} characters).")
        sort = (args.get("sort") or ["relevance"])[0]
        if sort not in ("relevance", "date"):
            raise SearchError("Sort by relevance or by date.")
        try:
            page = int((args.get("page") or ["1"])[0])
            years = tuple(int(v) for v in values("year"))
        except ValueError:
            raise SearchError("A page or a year must be a number.") from None
        if not 1 <= page <= MAX_PAGE:
            raise SearchError(f"Pages go from 1 to {MAX_PAGE}.")
        return cls(
            text=text,
            kinds=values("kind"),
            themes=values("theme"),
            territories=values("territory"),
            nodes=values("node"),
            langs=values("lang"),
            licences=values("licence"),
            years=years,
            sort=sort,
            page=page,
        )


@dataclass
class Hit:
    item: Item
    snippet: Markup


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Results:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    query: Query = field(default_factory=Query)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def theme_descendant_ids(ids: Iterable[int]) -> set[int]:
    """Return the concepts and all their narrower ones (stand-in of Theme.descendant_ids)."""
    ids = set(ids)
    if not ids:
        return set()
    tree = select(Theme.id.label("id")).where(Theme.id.in_(ids)).cte("tree", recursive=True)
    tree = tree.union(
        select(ThemeLink.theme_id).where(
            ThemeLink.target_id == tree.c.id, ThemeLink.relation == ThemeRelation.BROADER
        )
    )
    return set(db.session.scalars(select(tree.c.id)))


def territory_descendant_ids(ids: Iterable[int]) -> set[int]:
    """Return the places and all inside them (stand-in of Territory.descendant_ids)."""
    ids = set(ids)
    if not ids:
        return set()
    tree = select(Territory.id.label("id")).where(Territory.id.in_(ids)).cte("tree", recursive=True)
    tree = tree.union(select(Territory.id).where(Territory.parent_id == tree.c.id))
    return set(db.session.scalars(select(tree.c.id)))


def _chosen(model, keys: tuple[str, ...]) -> set[int] | None:
    if not keys:
        return None
    rows = db.session.scalars(select(model.id).where(model.slug.in_(keys) | model.iri.in_(keys)))
    found = set(rows)
    if model is Theme:
        return theme_descendant_ids(found)
    return territory_descendant_ids(found)


def _texts(item: Item) -> list[str]:
    out = []
    for langmap in (item.title, item.summary, item.body, item.circumstances, item.lessons):
        out += list((langmap or {}).values())
    out += list((item.limits or {}).values()) + list(item.authors or [])
    out += list(item.organisations or [])
    for row in [*item.themes, *item.territories]:
        out += list((getattr(row, "pref_label", None) or getattr(row, "name", None) or {}).values())
    return out


def _words(text: str) -> tuple[list[str], list[str]]:
    wanted, excluded = [], []
    for phrase, word in re.findall(r'"([^"]*)"|(\S+)', text):
        term = fold(phrase or word)
        if term.startswith("-") and len(term) > 1 and not phrase:
            excluded.append(term[1:])
        elif term.strip(' "'):
            wanted.append(term.strip(' "'))
    return wanted, excluded


def _snippet(item: Item, words: list[str]) -> Markup:
    text = pick(item.summary or {}, [item.language]) or pick(item.title or {}, [item.language])
    text = text[:300]
    if not words:
        return Markup(escape(text))
    folded = fold(text)
    out, at = [], 0
    if len(folded) != len(text):  # folding changed the length: no highlight
        return Markup(escape(text))
    pattern = re.compile("|".join(re.escape(w) for w in words))
    for match in pattern.finditer(folded):
        out.append(escape(text[at : match.start()]))
        out.append(Markup("<mark>%s</mark>") % text[match.start() : match.end()])
        at = match.end()
    out.append(escape(text[at:]))
    return Markup("").join(out)


def search(query: Query) -> Results:
    """Find the published items matching the query, with facet counts."""
    items = db.session.scalars(
        select(Item)
        .where(Item.status == ItemStatus.PUBLISHED, Item.hidden.is_(False))
        .options(
            selectinload(Item.actor), selectinload(Item.themes), selectinload(Item.territories)
        )
    ).all()
    wanted, excluded = _words(query.text)
    matched = []
    for item in items:
        haystack = fold(" ".join(_texts(item)))
        if all(w in haystack for w in wanted) and not any(w in haystack for w in excluded):
            matched.append(item)
    theme_ids = _chosen(Theme, query.themes)
    territory_ids = _chosen(Territory, query.territories)
    tests = {
        "kind": (query.kinds, lambda i: i.kind in query.kinds),
        "theme": (query.themes, lambda i: any(t.id in theme_ids for t in i.themes)),
        "territory": (
            query.territories,
            lambda i: any(t.id in territory_ids for t in i.territories),
        ),
        "node": (query.nodes, lambda i: host_of(i.actor.origin) in query.nodes),
        "lang": (query.langs, lambda i: i.language in query.langs),
        "licence": (query.licences, lambda i: i.license in query.licences),
        "year": (query.years, lambda i: i.published_at and i.published_at.year in query.years),
    }

    def passes(item: Item, skip: str = "") -> bool:
        return all(test(item) for name, (on, test) in tests.items() if on and name != skip)

    hits = [i for i in matched if passes(i)]
    if query.sort == "date" or not wanted:
        hits.sort(key=lambda i: (i.published_at, i.id), reverse=True)
    else:
        hits.sort(key=lambda i: not any(w in fold(" ".join(i.title.values())) for w in wanted))
    start = (query.page - 1) * query.per_page
    page = [Hit(i, _snippet(i, wanted)) for i in hits[start : start + query.per_page]]
    return Results(len(hits), page, _facets(query, matched, passes), query)


def _facets(query: Query, matched: list[Item], passes) -> dict[str, list[FacetValue]]:
    from server.forms.choices import KIND_LABELS
    from server.i18n import reading_languages

    languages = reading_languages()
    chosen = {
        "kind": query.kinds,
        "theme": query.themes,
        "territory": query.territories,
        "node": query.nodes,
        "lang": query.langs,
        "licence": query.licences,
        "year": tuple(str(y) for y in query.years),
    }
    facets = {}
    for name in FACETS:
        counts: Counter[str] = Counter()
        labels: dict[str, str] = {}
        for item in matched:
            if not passes(item, name):
                continue
            for value, label in _values(name, item, languages, KIND_LABELS):
                counts[value] += 1
                labels[value] = label
        facets[name] = [
            FacetValue(v, labels[v], n, v in chosen[name]) for v, n in counts.most_common()
        ]
    return facets


def _values(name: str, item: Item, languages: list[str], kind_labels) -> list[tuple[str, str]]:
    if name == "kind":
        return [(item.kind, str(kind_labels.get(item.kind, item.kind)))]
    if name == "theme":
        return [(t.slug, t.label(languages)) for t in item.themes]
    if name == "territory":
        return [(t.slug, t.label(languages)) for t in item.territories]
    if name == "node":
        host = host_of(item.actor.origin)
        return [(host, item.actor.name or host)]
    if name == "lang":
        return [(item.language, item.language)]
    if name == "licence":
        return [(item.license, LICENSES.get(item.license, item.license))]
    if item.published_at:
        return [(str(item.published_at.year), str(item.published_at.year))]
    return []

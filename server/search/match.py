"""The full-text condition of a search, built from folded words only, per database.

Nothing a person typed reaches the engine as syntax: on SQLite the FTS5 expression is
made of quoted stems (letters and digits only), on PostgreSQL the words are bound
parameters of `plainto_tsquery`/`phraseto_tsquery`, which read no operators.
A word matches in any of its forms: stemmed as French, as English, or as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, column, false, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from server.search.index import TABLE
from server.search.query import Terms
from server.search.text import number_forms, stem, variants

_CONFIGS = ("french", "english", "simple")
_stopwords: dict[str, bool] = {}  # PostgreSQL: is a folded word a stop word of fr or en?


@dataclass(frozen=True)
class Match:
    """Which items match the text: `ids` selects (item_id, score), best score highest;
    `excluded` selects the ids a -word rules out. Either may be None."""

    ids: Any
    excluded: Any
    ignored: tuple[str, ...] = ()  # words too common to search (PostgreSQL's stop words)


def _quoted(form: str) -> str:
    # A form holds letters, digits and spaces only (text.WORD): quoting makes it a string.
    return f'"{form}"'


def _fts_word(word: str) -> str:
    forms = [_quoted(form) for form in variants(word)]
    return forms[0] if len(forms) == 1 else f"({' OR '.join(forms)})"


def _fts_phrase(phrase: tuple[str, ...]) -> str:
    forms = dict.fromkeys(
        " ".join(stem(w, lang) if lang else w for w in phrase) for lang in ("fr", "en", "")
    )
    return "(" + " OR ".join(_quoted(form) for form in forms) + ")"


def _sqlite(terms: Terms) -> Match:
    index = table(TABLE, column("rowid"))
    ids = excluded = None
    if terms.positive:
        expression = " AND ".join(
            [_fts_word(w) for w in terms.words] + [_fts_phrase(p) for p in terms.phrases]
        )
        # Column weights: title above summary above the other fields and the body.
        ids = (
            select(
                index.c.rowid.label("item_id"),
                (-literal_column(f"bm25({TABLE}, 10.0, 4.0, 1.0, 2.0)", Float)).label("score"),
            )
            .select_from(index)
            .where(text(f"{TABLE} MATCH :positive").bindparams(positive=expression))
        )
    if terms.excluded:
        expression = " OR ".join(_fts_word(w) for w in terms.excluded)
        excluded = (
            select(index.c.rowid)
            .select_from(index)
            .where(text(f"{TABLE} MATCH :excluded").bindparams(excluded=expression))
        )
    return Match(ids, excluded)


def _tsquery(function: str, value: str) -> Any:
    """Our words in each configuration, OR-ed: `value` is a bound parameter, never syntax.
    A single word also in French in its other number (`text.number_forms`)."""
    parts = [
        getattr(func, function)(literal_column(f"'{config}'::regconfig"), value)
        for config in _CONFIGS
    ]
    if function == "plainto_tsquery":
        parts += [
            func.plainto_tsquery(literal_column("'french'::regconfig"), other)
            for other in number_forms(value)
        ]
    query = parts[0]
    for part in parts[1:]:
        query = query.op("||")(part)
    return query


def _pg_stopwords(session: Session, words: set[str]) -> set[str]:
    """Words that French or English drop from documents: a query must not require them."""
    unknown = sorted(w for w in words if w not in _stopwords)
    if unknown:
        values = ", ".join(f"(:w{i})" for i in range(len(unknown)))
        rows = session.execute(
            text(
                f"SELECT w, numnode(plainto_tsquery('french', w)) = 0 "
                f"OR numnode(plainto_tsquery('english', w)) = 0 FROM (VALUES {values}) AS v(w)"
            ).bindparams(**{f"w{i}": w for i, w in enumerate(unknown)})
        )
        if len(_stopwords) > 50_000:
            _stopwords.clear()
        _stopwords.update((w, bool(stop)) for w, stop in rows)
    return {w for w in words if _stopwords.get(w)}


def _postgresql(session: Session, terms: Terms) -> Match:
    index = table(TABLE, column("item_id"), column("document"), column("heading"))
    stop = _pg_stopwords(session, set(terms.words) | set(terms.excluded))
    ids = excluded = None
    if terms.positive:
        parts = [_tsquery("plainto_tsquery", w) for w in terms.words if w not in stop]
        parts += [_tsquery("phraseto_tsquery", " ".join(p)) for p in terms.phrases]
        if not parts:  # only stop words: nothing says what to look for
            ids = select(
                index.c.item_id.label("item_id"), literal_column("0.0", Float).label("score")
            ).where(false())
        else:
            query = parts[0]
            for part in parts[1:]:
                query = query.op("&&")(part)
            ids = select(
                index.c.item_id.label("item_id"),
                # Ranked by the title and summary alone (`index.py`: the heading): the whole
                # document is read only by the GIN index; a body-only match scores 0.
                func.ts_rank(index.c.heading, query).label("score"),
            ).where(index.c.document.op("@@")(query))
    kept = [w for w in terms.excluded if w not in stop]
    if kept:
        query = _tsquery("plainto_tsquery", kept[0])
        for word in kept[1:]:
            query = query.op("||")(_tsquery("plainto_tsquery", word))
        excluded = select(index.c.item_id).where(index.c.document.op("@@")(query))
    ignored = tuple(w for w in (*terms.words, *terms.excluded) if w in stop)
    return Match(ids, excluded, ignored)


def match(session: Session, terms: Terms) -> Match:
    """The text condition for this database."""
    if session.get_bind().dialect.name == "sqlite":
        return _sqlite(terms)
    return _postgresql(session, terms)

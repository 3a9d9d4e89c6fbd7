"""The full-text index of items, on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

One row per searchable item (published, not hidden), in four fields ranked apart:
title, summary, body (body, circumstances, lessons, limits) and other (authors,
organisations, the labels of the item's themes (preferred and alternative) and territories
in every language).

- SQLite: an FTS5 table `search_index` (rowid = item id) holding the stems of
  `server.search.text`; a trigger drops an item's row when the item is deleted.
- PostgreSQL: a table `search_index(item_id, document tsvector, heading tsvector)`, the
  document built by `to_tsvector` with the `french` or `english` configuration per language
  of each text (`simple` for others), weighted A title, B summary, C other, D body; a GIN
  index on it; `heading` is the title and summary part alone, small enough to rank every
  match by (`ts_rank` on the whole document reads each match's large, compressed vector);
  the row goes with its item (ON DELETE CASCADE).
- Both: `search_index_state`, the index's generation (`server.search.generation`), moved
  by every change `index_items` makes.

Neither table can be described by the models' metadata (a virtual table; a type of one
database), so `create_all` and `drop_all` build them through metadata events, and
Alembic's comparisons skip them (`is_index_table`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from server.extensions import db
from server.models import Item, ItemStatus, Territory, Theme
from server.models.item import item_territory, item_theme
from server.search import generation
from server.search.text import base_language, fold, langmap_stems

TABLE = "search_index"
CHUNK = 500  # ids per IN (...) list
_TAGS = re.compile(r"<[^>]*>")

SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
    "title, summary, body, other, tokenize = 'unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER {TABLE}_item_deleted AFTER DELETE ON item "
    f"BEGIN DELETE FROM {TABLE} WHERE rowid = old.id; END",
)
POSTGRESQL_DDL = (
    f"CREATE TABLE {TABLE} (item_id INTEGER PRIMARY KEY "
    "REFERENCES item (id) ON DELETE CASCADE, document TSVECTOR NOT NULL, heading TSVECTOR)",
    f"CREATE INDEX ix_{TABLE}_document ON {TABLE} USING GIN (document)",
)
DROP = {
    "sqlite": (
        f"DROP TRIGGER IF EXISTS {TABLE}_item_deleted",
        f"DROP TABLE IF EXISTS {TABLE}",
        f"DROP TABLE IF EXISTS {generation.TABLE}",
    ),
    "postgresql": (f"DROP TABLE IF EXISTS {TABLE}", f"DROP TABLE IF EXISTS {generation.TABLE}"),
}


def is_index_table(name: str) -> bool:
    """Whether a table is the search index or one of FTS5's shadow tables for it."""
    return name == TABLE or name.startswith(f"{TABLE}_")


def create_ddl(dialect: str) -> tuple[str, ...]:
    """The statements creating the index on a database of this dialect."""
    return (SQLITE_DDL if dialect == "sqlite" else POSTGRESQL_DDL) + generation.create_ddl()


def _after_create(_metadata: Any, connection: Connection, **_: Any) -> None:
    for statement in create_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)


def _before_drop(_metadata: Any, connection: Connection, **_: Any) -> None:
    for statement in DROP.get(connection.dialect.name, DROP["postgresql"]):
        connection.exec_driver_sql(statement)


# create_all()/drop_all() (tests, `commons init` goes through Alembic) build the index too.
event.listen(db.metadata, "after_create", _after_create)
event.listen(db.metadata, "before_drop", _before_drop)


# --- documents ----------------------------------------------------------------------------


def _plain(html: str) -> str:
    return _TAGS.sub(" ", html)


def _body(row: Any) -> list[dict[str, str]]:
    body = dict(row.body or {})
    for lang, html in (row.body_html or {}).items():
        body.setdefault(lang, _plain(html))
    return [body, row.circumstances, row.lessons, row.limits]


def _people(row: Any) -> dict[str, str]:
    return {"und": " ".join([*(row.authors or []), *(row.organisations or [])])}


_COLUMNS = (
    Item.id,
    Item.status,
    Item.hidden,
    Item.title,
    Item.summary,
    Item.body,
    Item.body_html,
    Item.circumstances,
    Item.lessons,
    Item.limits,
    Item.authors,
    Item.organisations,
)


def _read(session: Session, ids: list[int]) -> tuple[list[Any], dict[int, list[dict[str, str]]]]:
    """Read the items and the labels of their themes and territories, a few queries in all."""
    rows: list[Any] = []
    labels: dict[int, list[dict[str, str]]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found = session.execute(select(*_COLUMNS).where(Item.id.in_(chunk))).all()
        rows += [r for r in found if r.status == ItemStatus.PUBLISHED and not r.hidden]
        for link, label in (
            (select(item_theme.c.item_id, Theme.pref_label).join(Theme), item_theme),
            (select(item_territory.c.item_id, Territory.name).join(Territory), item_territory),
        ):
            query = link.where(label.c.item_id.in_(chunk))
            for item_id, value in session.execute(query):
                labels.setdefault(item_id, []).append(value)
        # A theme's alternative labels (several per language) find its items too.
        query = select(item_theme.c.item_id, Theme.alt_labels).join(Theme)
        for item_id, alternatives in session.execute(query.where(item_theme.c.item_id.in_(chunk))):
            if alternatives:
                labels.setdefault(item_id, []).append(
                    {lang: " ".join(values) for lang, values in alternatives.items()}
                )
    return rows, labels


def sqlite_document(row: Any, labels: list[dict[str, str]]) -> dict[str, Any]:
    """The FTS5 row of an item: stems per field."""
    return {
        "id": row.id,
        "title": langmap_stems([row.title]),
        "summary": langmap_stems([row.summary]),
        "body": langmap_stems(_body(row)),
        "other": langmap_stems([_people(row), *labels]),
    }


_PG_FIELDS = ("title", "summary", "body", "other")
_PG_WEIGHTS = {"title": "A", "summary": "B", "other": "C", "body": "D"}
_PG_CONFIGS = {"fr": "french", "en": "english", "": "simple"}


def postgresql_document(row: Any, labels: list[dict[str, str]]) -> dict[str, Any]:
    """The parameters of an item's tsvector: folded text per field and language."""
    fields = {
        "title": [row.title],
        "summary": [row.summary],
        "body": _body(row),
        "other": [_people(row), *labels],
    }
    params: dict[str, Any] = {"id": row.id}
    for name, values in fields.items():
        texts: dict[str, list[str]] = {lang: [] for lang in _PG_CONFIGS}
        for value in values:
            for tag, content in (value or {}).items():
                if content:
                    texts[base_language(tag)].append(fold(content))
        for lang in _PG_CONFIGS:
            params[f"{name}_{lang or 'any'}"] = "\n".join(texts[lang])
    return params


def _postgresql_vector(fields: tuple[str, ...]) -> str:
    parts = []
    for name in fields:
        vectors = " || ".join(
            f"to_tsvector('{config}', :{name}_{lang or 'any'})"
            for lang, config in _PG_CONFIGS.items()
        )
        parts.append(f"setweight({vectors}, '{_PG_WEIGHTS[name]}')")
    return " || ".join(parts)


_SQLITE_INSERT = text(
    f"INSERT INTO {TABLE} (rowid, title, summary, body, other) "
    "VALUES (:id, :title, :summary, :body, :other)"
)
# The heading (title, summary) is computed once, kept alone and as part of the document.
_POSTGRESQL_UPSERT = text(
    f"INSERT INTO {TABLE} (item_id, document, heading) "
    f"SELECT :id, h || {_postgresql_vector(_PG_FIELDS[2:])}, h "
    f"FROM (SELECT {_postgresql_vector(_PG_FIELDS[:2])} AS h) AS v "
    "ON CONFLICT (item_id) DO UPDATE SET document = excluded.document, heading = excluded.heading"
)


def index_items(ids: Iterable[int], session: Session | None = None) -> int:
    """Bring the index rows of these items up to date; return how many are searchable.

    A few reads for the whole group and one executemany: no query per item. Items that
    are gone, withdrawn, drafts or hidden leave the index.
    """
    session = session or db.session
    ids = sorted({i for i in ids if i})
    if not ids:
        return 0
    rows, labels = _read(session, ids)
    sqlite = session.get_bind().dialect.name == "sqlite"
    document = sqlite_document if sqlite else postgresql_document
    documents = [document(row, labels.get(row.id, [])) for row in rows]
    key = "rowid" if sqlite else "item_id"
    kept = {row.id for row in rows}
    # FTS5 has no upsert: every row of the group goes, then the searchable come back.
    leaving = ids if sqlite else [i for i in ids if i not in kept]
    for start in range(0, len(leaving), CHUNK):
        chunk = ",".join(str(int(i)) for i in leaving[start : start + CHUNK])
        session.execute(text(f"DELETE FROM {TABLE} WHERE {key} IN ({chunk})"))
    if documents:
        session.execute(_SQLITE_INSERT if sqlite else _POSTGRESQL_UPSERT, documents)
    generation.bump(session)
    return len(documents)


def rebuild(progress: Callable[[int], None] | None = None, group: int = 500) -> int:
    """Index every item again from the database; return how many are searchable."""
    db.session.execute(text(f"DELETE FROM {TABLE}"))
    ids = list(db.session.scalars(select(Item.id).order_by(Item.id)))
    indexed = 0
    for start in range(0, len(ids), group):
        chunk = ids[start : start + group]
        indexed += index_items(chunk)
        if progress:
            progress(len(chunk))
    return indexed

"""The items a search's text matches, found once per search and kept in a temporary table.

Counting each facet and choosing the page used to run the full-text match again each time
(four times a search, with bm25 or ts_rank over every match for the page). The ids and
scores of the matching items now go once into `search_matches`, a temporary table of the
connection (nobody else sees it, and on SQLite writing it takes no lock on the database);
the facet counts and the page join it.

On PostgreSQL the table goes with the transaction (ON COMMIT DROP; a rollback takes it
too): no rows linger on a pooled connection. On SQLite it stays with the connection and
is emptied at the start of each search.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, Table, delete, exists, insert, select, text
from sqlalchemy.orm import Session

from server.models import Item

# Not in the models' metadata: create_all and Alembic never see it.
MATCHES = Table(
    "search_matches",
    MetaData(),
    Column("item_id", Integer, primary_key=True),
    Column("score", Float, nullable=False),
)
_COLUMNS = "(item_id INTEGER PRIMARY KEY, score REAL NOT NULL)"
_CREATE = {
    "sqlite": f"CREATE TEMP TABLE IF NOT EXISTS search_matches {_COLUMNS}",
    "postgresql": f"CREATE TEMP TABLE IF NOT EXISTS search_matches {_COLUMNS} ON COMMIT DROP",
}


def collect(session: Session, ranked: Any, conditions: list[Any]) -> Table:
    """Write the items `ranked` selects (item_id, score) that meet `conditions` (on Item)
    into `search_matches`, replacing what an earlier search of the transaction left.

    Return the table: (item_id, score), one row per item.
    """
    dialect = session.get_bind().dialect.name
    session.execute(text(_CREATE.get(dialect, _CREATE["postgresql"])))
    session.execute(delete(MATCHES))
    scores = ranked.subquery()
    # EXISTS, not a join: SQLite would run the whole FTS5 match again for each item.
    found = select(scores.c.item_id, scores.c.score).where(
        exists().where(Item.id == scores.c.item_id, *conditions)
    )
    session.execute(insert(MATCHES).from_select(["item_id", "score"], found))
    return MATCHES

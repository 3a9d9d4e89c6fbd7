"""The items a search's text matches, found once per search and kept in a temporary table.

Counting each facet and choosing the page used to run the full-text match again each time
(four times a search), and to read each matching item's row again each time. The matching
items now go once into `search_matches`, a temporary table of the connection (nobody else
sees it; on SQLite writing it takes no lock on the database), with their score and the
columns the flat facets and the page's order need: those read it alone, without the items.

On PostgreSQL the table goes with the transaction (ON COMMIT DROP; a rollback takes it
too): no rows linger on a pooled connection. On SQLite it stays with the connection and
is emptied at the start of each search.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    insert,
    literal,
    select,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from server.models import Item, ItemStatus
from server.models.base import UTCDateTime
from server.models.item import SEARCH_INDEX

# Not in the models' metadata: create_all and Alembic never see it.
MATCHES = Table(
    "search_matches",
    MetaData(),
    Column("item_id", Integer, primary_key=True),
    Column("score", Float, nullable=False),
    Column("published_at", UTCDateTime),
    Column("kind", String(16)),
    Column("language", String(16)),
    Column("license", String(300)),
    Column("actor_id", Integer),
)
_COLUMNS = (
    "(item_id INTEGER PRIMARY KEY, score REAL NOT NULL, published_at {timestamp}, "
    "kind VARCHAR(16), language VARCHAR(16), license VARCHAR(300), actor_id INTEGER)"
)
_CREATE = {
    "sqlite": "CREATE TEMP TABLE IF NOT EXISTS search_matches "
    + _COLUMNS.format(timestamp="DATETIME"),
    "postgresql": "CREATE TEMP TABLE IF NOT EXISTS search_matches "
    + _COLUMNS.format(timestamp="TIMESTAMP WITH TIME ZONE")
    + " ON COMMIT DROP",
}
_COPIED = ("published_at", "kind", "language", "license", "actor_id")


def collect(session: Session, ranked: Any, excluded: Any, scored: bool = True) -> Table:
    """Write the public items `ranked` selects (item_id, score), less those `excluded`
    selects (ids, or None), into `search_matches`, replacing what an earlier search of
    the transaction left. Return the table.

    Not `scored` (results by date), every score is 0: bm25 or ts_rank is not computed.
    """
    dialect = session.get_bind().dialect.name
    session.execute(sql(_CREATE.get(dialect, _CREATE["postgresql"])))
    session.execute(delete(MATCHES))
    scores = ranked.subquery()
    status = Item.status
    if dialect == "sqlite":
        # "+status": no index on it, so SQLite reads the matches first and each item by
        # its id, rather than each public item first and the FTS5 match again for each.
        status = UnaryExpression(
            Item.status, operator=operators.custom_op("+"), type_=Item.status.type
        )
    conditions = [status == ItemStatus.PUBLISHED, Item.hidden.is_(False)]
    if excluded is not None:
        conditions.append(Item.id.not_in(excluded))
    found = (
        select(
            scores.c.item_id,
            scores.c.score if scored else literal(0.0, Float),
            *(getattr(Item, c) for c in _COPIED),
        )
        .select_from(scores)
        .join(Item, Item.id == scores.c.item_id)
        .where(*conditions)
        .with_hint(Item.__table__, f"INDEXED BY {SEARCH_INDEX}", "sqlite")
    )
    session.execute(insert(MATCHES).from_select(["item_id", "score", *_COPIED], found))
    return MATCHES

"""The index's generation: a number that moves whenever what a search shows may change.

A one-row table `search_index_state(id, generation, token)`: `generation` goes up at the
commit of every transaction that changed items, their themes or territories, or the
thesaurus and places (`server.search.listener`, `index.rebuild`); `token` is drawn when
the table is made, so that two databases (or one made again) never share a generation.
What is computed from the index and the items (facet counts, the atlas' co-occurrences)
can be kept while (token, generation) stays the same (`server.search.cache`).

The bump is the transaction's last write (before_commit), so the row lock it takes on
PostgreSQL lasts only until the commit and no other lock is taken after it (no deadlock).
"""

from __future__ import annotations

import secrets

from sqlalchemy import text
from sqlalchemy.orm import Session

TABLE = "search_index_state"


def create_ddl() -> tuple[str, ...]:
    """The statements making the table and its row (a new token each time)."""
    return (
        f"CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY, generation BIGINT NOT NULL, "
        "token VARCHAR(32) NOT NULL)",
        f"INSERT INTO {TABLE} (id, generation, token) VALUES (1, 0, '{secrets.token_hex(16)}')",
    )


def current(session: Session) -> tuple[str, int] | None:
    """Return (token, generation) as this transaction sees them; None without the table's row."""
    row = session.execute(text(f"SELECT token, generation FROM {TABLE} WHERE id = 1")).first()
    return (row[0], int(row[1])) if row else None


def bump(session: Session) -> None:
    """Say that what a search shows has changed (seen by others at the commit)."""
    session.execute(text(f"UPDATE {TABLE} SET generation = generation + 1 WHERE id = 1"))

"""Keep the search index in step with every change, inside the transaction that made it.

Like the harvest records (`server.harvest.records`), no service has to remember us:
session events see every item a flush writes (forms, the write API, federation, the CLI),
the copies `federation.items.Batch.write()` inserts with Core statements and notes
(`Item.written_directly`), and themes or territories renamed (their labels are indexed
with their items). Just before the commit, the changed items are indexed in one
statement. A deleted item's row goes with it (a trigger, or ON DELETE CASCADE).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_sqlalchemy.session import Session
from sqlalchemy import event, inspect, select

from server.models import Item, Territory, Theme
from server.models.item import WRITTEN_DIRECTLY, item_territory, item_theme
from server.search.index import index_items

_KEY = "search_pending"


@dataclass
class Pending:
    """What a transaction changed that the index shows."""

    items: set[int] = field(default_factory=set)
    themes: set[int] = field(default_factory=set)  # renamed
    territories: set[int] = field(default_factory=set)  # renamed


def _renamed(obj: Any, name: str) -> bool:
    return inspect(obj).attrs[name].history.has_changes()


def _collect(session: Session, _context: Any) -> None:
    pending: Pending = session.info.setdefault(_KEY, Pending())
    for obj in session.new | session.dirty:
        if isinstance(obj, Item):
            pending.items.add(obj.id)
        elif isinstance(obj, Theme) and obj not in session.new and _renamed(obj, "pref_label"):
            pending.themes.add(obj.id)
        elif isinstance(obj, Territory) and obj not in session.new and _renamed(obj, "name"):
            pending.territories.add(obj.id)


def _index_pending(session: Session) -> None:
    # Flush first: changes since the last flush are collected by it. The copies a Core
    # statement wrote are read, not taken: the harvest records' hook, after ours, takes them.
    if session.new or session.dirty or session.deleted:
        session.flush()
    pending: Pending = session.info.pop(_KEY, None) or Pending()
    items = pending.items | session.info.get(WRITTEN_DIRECTLY, set())
    items |= _dependants(session, item_theme.c.theme_id, pending.themes)
    items |= _dependants(session, item_territory.c.territory_id, pending.territories)
    if items:
        with session.no_autoflush:
            index_items(items, session)


def _dependants(session: Session, column: Any, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    return set(session.scalars(select(column.table.c.item_id).where(column.in_(ids))))


def _forget(session: Session, *_: Any) -> None:
    session.info.pop(_KEY, None)


def listen() -> None:
    """Listen to every session (idempotent); called by `create_app`.

    Our commit hook goes first, before the harvest records', which take the list of
    copies written directly.
    """
    for name, fn, first in (
        ("after_flush", _collect, False),
        ("before_commit", _index_pending, True),
        ("after_rollback", _forget, False),
    ):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn, insert=first)

"""Keep the search index in step with every change, inside the transaction that made it.

Like the harvest records (`server.harvest.records`), no service has to remember us:
session events see every item a flush writes (forms, the write API, federation, the CLI),
the copies `federation.items.Batch.write()` inserts with Core statements and notes
(`Item.written_directly`), and themes or territories renamed (their labels are indexed
with their items). Just before the commit, the changed items are indexed in one
statement. A deleted item's row goes with it (a trigger, or ON DELETE CASCADE).

Every such transaction also moves the index's generation (`server.search.generation`),
as does one that changed the thesaurus or the places (their trees make the theme and
territory counts) or wrote to these tables with a Core statement of the session: what
`server.search.cache` keeps is then computed again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_sqlalchemy.session import Session
from sqlalchemy import event, inspect, select

from server.models import Item, Territory, Theme, ThemeLink
from server.models.item import WRITTEN_DIRECTLY, item_territory, item_theme
from server.search import generation
from server.search.index import index_items

_KEY = "search_pending"


@dataclass
class Pending:
    """What a transaction changed that the index shows."""

    items: set[int] = field(default_factory=set)
    themes: set[int] = field(default_factory=set)  # renamed
    territories: set[int] = field(default_factory=set)  # renamed
    changed: bool = False  # something a search shows or counts, indexed or not


# Actors are left out: their rows change often (keys, profiles) and a search counts only
# their origin, which never changes.
_COUNTED = (Item, Theme, ThemeLink, Territory)
_TABLES = frozenset({"item", "item_theme", "item_territory", "theme", "theme_link", "territory"})


def _renamed(obj: Any, name: str) -> bool:
    return inspect(obj).attrs[name].history.has_changes()


def _relabelled(theme: Theme) -> bool:
    return _renamed(theme, "pref_label") or _renamed(theme, "alt_labels")


def _collect(session: Session, _context: Any) -> None:
    pending: Pending = session.info.setdefault(_KEY, Pending())
    if any(isinstance(obj, _COUNTED) for obj in session.deleted):
        pending.changed = True
    for obj in session.new | session.dirty:
        if isinstance(obj, _COUNTED):
            pending.changed = True
        if isinstance(obj, Item):
            pending.items.add(obj.id)
        elif isinstance(obj, Theme) and obj not in session.new and _relabelled(obj):
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
            index_items(items, session)  # moves the generation
    elif pending.changed:
        generation.bump(session)


def _executed(state: Any) -> None:
    """Note a Core INSERT, UPDATE or DELETE of the session on a table searches count."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _TABLES:
        state.session.info.setdefault(_KEY, Pending()).changed = True


def has_changes(session: Session) -> bool:
    """Whether this transaction changed what a search shows and has not committed it
    (what it sees then is its own, not to be kept for others)."""
    pending: Pending | None = session.info.get(_KEY)
    if pending and (pending.changed or pending.items or pending.themes or pending.territories):
        return True
    return bool(
        session.new or session.dirty or session.deleted or session.info.get(WRITTEN_DIRECTLY)
    )


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
        ("do_orm_execute", _executed, False),
    ):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn, insert=first)

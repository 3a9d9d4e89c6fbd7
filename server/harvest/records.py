"""Keep harvest records in step with every change, inside the transaction that made it.

No service has to remember to call us: session events see every item, attachment, theme,
link and territory that a flush writes (forms, the write API, federation, the CLI), plus
the items a Core statement wrote and noted (`Item.written_directly`), and just before the
commit we render what changed into `HarvestRecord` rows and append to
`HarvestChange`. Rendering one item costs about a millisecond; work that could touch
thousands of rows (a theme renamed, copies allowed or refused) marks records `stale`, or
asks for a rescan, and the background job (`server.harvest.jobs`) finishes it.

A rendering error never loses the editor's change: it is logged, and the record is left
stale for the background job to try again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm.util import identity_key

from server.extensions import db
from server.harvest import dataset
from server.models import (
    Actor,
    Attachment,
    Item,
    NodeSettings,
    Territory,
    Theme,
    ThemeLink,
    utcnow,
)
from server.models.harvest import HarvestChange, HarvestRecord, HarvestRecordKind, HarvestSet
from server.models.item import WRITTEN_DIRECTLY, item_territory, item_theme

log = logging.getLogger("commons.harvest")

_KEY = "harvest_pending"
RELOAD = "*"  # a change that asks index processes to reload everything
RESCAN = "*rescan"  # copies were allowed or refused: the background job re-renders them
# Past this many dependants, a renamed theme or place is left to the background job.
SYNC_DEPENDANTS = 50


@dataclass
class Pending:
    """What a transaction changed, collected flush by flush."""

    items: set[int] = field(default_factory=set)
    gone: set[tuple[HarvestRecordKind, int]] = field(default_factory=set)  # (kind, row id)
    themes: set[int] = field(default_factory=set)
    renamed_themes: set[int] = field(default_factory=set)
    territories: set[int] = field(default_factory=set)
    renamed_territories: set[int] = field(default_factory=set)
    rescan: bool = False
    node_renamed: bool = False

    def __bool__(self) -> bool:
        return any(bool(v) for v in vars(self).values())


def _changed(obj: Any, name: str) -> bool:
    return inspect(obj).attrs[name].history.has_changes()


def _collect(session: Session, _context: Any) -> None:
    pending: Pending = session.info.setdefault(_KEY, Pending())
    for obj in session.new | session.dirty:
        if isinstance(obj, Item):
            pending.items.add(obj.id)
        elif isinstance(obj, Attachment):
            pending.items.add(obj.item_id)
        elif isinstance(obj, Theme):
            pending.themes.add(obj.id)
            if obj not in session.new and _changed(obj, "pref_label"):
                pending.renamed_themes.add(obj.id)
        elif isinstance(obj, ThemeLink):
            pending.themes.update((obj.theme_id, obj.target_id))
        elif isinstance(obj, Territory):
            pending.territories.add(obj.id)
            if obj not in session.new and _changed(obj, "name"):
                pending.renamed_territories.add(obj.id)
        elif isinstance(obj, NodeSettings):
            pending.rescan |= _changed(obj, "harvest_federated")
            pending.node_renamed |= _changed(obj, "name")
    for obj in session.deleted:
        # Only what is in memory: a deleted row's expired attributes can no longer load.
        state = inspect(obj)
        if isinstance(obj, Item):
            pending.items.discard(state.identity[0])
            pending.gone.add((HarvestRecordKind.ITEM, state.identity[0]))
        elif isinstance(obj, Theme):
            pending.gone.add((HarvestRecordKind.THEME, state.identity[0]))
        elif isinstance(obj, Territory):
            pending.gone.add((HarvestRecordKind.TERRITORY, state.identity[0]))
        elif isinstance(obj, Attachment | ThemeLink):
            loaded = state.dict
            if isinstance(obj, Attachment) and loaded.get("item_id"):
                pending.items.add(loaded["item_id"])
            for key in ("theme_id", "target_id") if isinstance(obj, ThemeLink) else ():
                if loaded.get(key):
                    pending.themes.add(loaded[key])


def _render_pending(session: Session) -> None:
    # The commit's own flush comes after this hook: flush first so that changes made
    # since the last flush are collected too.
    if not has_app_context() or not (
        session.info.get(_KEY)
        or session.info.get(WRITTEN_DIRECTLY)
        or session.new
        or session.dirty
        or session.deleted
    ):
        return
    for _ in range(5):  # rendering loads rows, which may flush more changes to collect
        session.flush()
        pending = session.info.pop(_KEY, None) or Pending()
        pending.items.update(session.info.pop(WRITTEN_DIRECTLY, ()))
        if not pending:
            return
        try:
            with session.no_autoflush:
                apply(pending)
        except Exception:  # an index must never cost an editor their change
            log.exception("harvest records not updated; the background job will retry")
            _mark_all_stale(pending)


def _forget(session: Session, *_: Any) -> None:
    session.info.pop(_KEY, None)
    session.info.pop(WRITTEN_DIRECTLY, None)
    session.info.pop(_SETS, None)


def listen() -> None:
    """Listen to every session of `db`, whichever app it serves (idempotent).

    Called by `create_app`, so that the web, the worker and the CLI all keep records current.
    """
    for name, fn in (
        ("after_flush", _collect),
        ("before_commit", _render_pending),
        ("after_rollback", _forget),
    ):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


# --- applying changes -----------------------------------------------------------------


class Context:
    """Settings every rendering needs, read once per batch."""

    def __init__(self) -> None:
        from vocab.thesaurus import scheme_title

        self.base_url: str = current_app.config["SETTINGS"].base_url
        row = db.session.get(NodeSettings, 1)
        self.federated = bool(row and row.harvest_federated)
        self.node_name = (row.name if row else "") or current_app.config["SETTINGS"].node_name
        self.scheme_titles = scheme_title() or {"en": self.node_name or "Themes"}


def apply(pending: Pending, ctx: Context | None = None) -> None:
    """Render or tombstone every record the pending changes touch."""
    ctx = ctx or Context()
    for kind, ref_id in pending.gone:
        query = select(HarvestRecord).where(
            HarvestRecord.kind == kind,
            HarvestRecord.ref_id == ref_id,
            HarvestRecord.deleted.is_(False),
        )
        for record in db.session.scalars(query):
            tombstone(record.graph, record)
    # Many items at once after a batch (the inbox worker commits groups): one query for the
    # items and one for their records, rather than two per item.
    items = _items(sorted(i for i in pending.items if i), ctx)
    graphs = {item.id: dataset.harvest_iri(item, ctx.base_url) for item in items}
    records = records_for(list(graphs.values()))
    for item in items:
        sync_item(item, ctx, records.get(graphs[item.id]))
    themes = [t for t in (db.session.get(Theme, i) for i in pending.themes if i) if t is not None]
    if themes:
        sync_scheme(ctx)
    for theme in themes:
        sync_resource(theme, ctx)
    for territory_id in pending.territories:
        territory = db.session.get(Territory, territory_id)
        if territory is not None:
            sync_resource(territory, ctx)
    _dependants(item_theme.c.theme_id, pending.renamed_themes, ctx)
    _dependants(item_territory.c.territory_id, pending.renamed_territories, ctx)
    if pending.node_renamed:
        _stale(HarvestRecord.kind == HarvestRecordKind.ITEM, HarvestRecord.local.is_(True))
    if pending.rescan:
        log_change(RESCAN)
    write_sets()


def _items(ids: list[int], ctx: Context) -> list[Item]:
    """The items with these ids that may need their records changed.

    Those the session holds are taken as they are, the others queried. When aggregators
    may not harvest copies, a copy with no live record needs nothing (the inbox worker
    writes many such copies at once), so it is not read at all.
    """
    held = db.session.identity_map
    found = [held.get(identity_key(Item, i)) for i in ids]
    items = [item for item in found if item is not None]
    missing = [i for i, item in zip(ids, found, strict=True) if item is None]
    if missing and not ctx.federated:
        copies = set(
            db.session.scalars(
                select(Item.id)
                .join(Actor, Item.actor_id == Actor.id)
                .where(Item.id.in_(missing), Actor.is_local.is_(False))
            )
        )
        recorded = db.session.scalars(
            select(HarvestRecord.ref_id).where(
                HarvestRecord.kind == HarvestRecordKind.ITEM,
                HarvestRecord.ref_id.in_(sorted(copies)),
                HarvestRecord.deleted.is_(False),
            )
        )
        unread = copies.difference(recorded)
        missing = [i for i in missing if i not in unread]
    if missing:
        items += db.session.scalars(select(Item).where(Item.id.in_(missing)))
    return items


def _dependants(column: Any, ids: set[int], ctx: Context) -> None:
    """Re-render items whose hashtags or Dublin Core name a renamed theme or place."""
    if not ids:
        return
    item_ids = list(db.session.scalars(select(column.table.c.item_id).where(column.in_(ids))))
    if len(item_ids) <= SYNC_DEPENDANTS:
        for item in db.session.scalars(select(Item).where(Item.id.in_(item_ids))):
            sync_item(item, ctx)
    else:
        _stale(HarvestRecord.kind == HarvestRecordKind.ITEM, HarvestRecord.ref_id.in_(item_ids))


def _stale(*conditions: Any) -> None:
    db.session.execute(
        update(HarvestRecord)
        .where(*conditions, HarvestRecord.deleted.is_(False))
        .values(stale=True)
    )


def _mark_all_stale(pending: Pending) -> None:
    try:
        if pending.items:
            _stale(
                HarvestRecord.kind == HarvestRecordKind.ITEM,
                HarvestRecord.ref_id.in_(pending.items),
            )
        if pending.rescan or pending.gone:
            log_change(RESCAN)
    except Exception:
        log.exception("could not mark harvest records stale")


class _Unknown:
    """Stands for "look the record up": None already means "there is none"."""


UNKNOWN: Any = _Unknown()
_SETS = "harvest_sets"


def record_for(graph: str) -> HarvestRecord | None:
    """Return a graph's record, including one created earlier in this unflushed batch."""
    for obj in db.session.new:
        if isinstance(obj, HarvestRecord) and obj.graph == graph:
            return obj
    return db.session.scalar(select(HarvestRecord).where(HarvestRecord.graph == graph))


def records_for(graphs: list[str]) -> dict[str, HarvestRecord]:
    """Return the records of many graphs at once."""
    found: dict[str, HarvestRecord] = {}
    for start in range(0, len(graphs), 500):
        chunk = graphs[start : start + 500]
        found.update(
            (r.graph, r)
            for r in db.session.scalars(select(HarvestRecord).where(HarvestRecord.graph.in_(chunk)))
        )
    return found


def log_change(graph: str) -> None:
    """Append to the change log that index processes replay."""
    db.session.add(HarvestChange(graph=graph, changed_at=utcnow()))


def sync_item(item: Item, ctx: Context, record: HarvestRecord | None = UNKNOWN) -> None:
    """Render an item's record, or tombstone it when the item left the dataset."""
    graph = dataset.harvest_iri(item, ctx.base_url)
    record = record_for(graph) if record is UNKNOWN else record
    if dataset.is_harvestable(item, ctx.federated):
        store(dataset.render_item(item, ctx.base_url, ctx.node_name), record)
    elif record is not None:
        tombstone(graph, record)


def sync_resource(
    model: Theme | Territory, ctx: Context, record: HarvestRecord | None = UNKNOWN
) -> None:
    """Render a theme's or territory's record, or tombstone it."""
    record = record_for(model.iri) if record is UNKNOWN else record
    if not dataset.is_published_resource(model, ctx.federated):
        if record is not None:
            tombstone(model.iri, record)
        return
    if isinstance(model, Theme):
        store(dataset.render_theme(model, ctx.base_url), record)
    else:
        store(dataset.render_territory(model), record)


def sync_scheme(ctx: Context) -> None:
    """Render the concept scheme's record."""
    rendered = dataset.render_scheme(ctx.base_url, ctx.scheme_titles)
    store(rendered, record_for(rendered.graph))


def store(rendered: dataset.Rendered, record: HarvestRecord | None) -> HarvestRecord:
    """Write a rendering into its record; log a change only when the content changed.

    Set memberships are written by `write_sets()`, once per batch.
    """
    digest = rendered.digest
    if record is None:
        record = HarvestRecord(graph=rendered.graph, sets=[])
        db.session.add(record)
    elif record.digest == digest and not record.deleted:
        record.stale = False
        return record
    record.kind = rendered.kind
    record.item_kind = rendered.item_kind
    record.ref_id = rendered.ref_id
    record.local = rendered.local
    record.deleted = False
    record.stale = False
    record.datestamp = utcnow()
    record.triples = rendered.triples
    record.digest = digest
    record.ntriples = rendered.ntriples
    record.jsonld = rendered.jsonld
    record.dc = rendered.dc
    if record.sets != rendered.sets:
        record.sets = list(rendered.sets)
        db.session.info.setdefault(_SETS, []).append(record)
    log_change(rendered.graph)
    return record


def write_sets() -> None:
    """Write the set memberships of every record `store()` changed since the last call."""
    changed = db.session.info.pop(_SETS, [])
    if not changed:
        return
    db.session.flush()  # new records get their ids
    ids = [r.id for r in changed]
    table = HarvestSet.__table__
    for start in range(0, len(ids), 500):
        db.session.execute(table.delete().where(table.c.record_id.in_(ids[start : start + 500])))
    rows = [{"record_id": r.id, "spec": spec} for r in changed for spec in dict.fromkeys(r.sets)]
    if rows:
        db.session.execute(table.insert(), rows)


def tombstone(graph: str, record: HarvestRecord | None = None) -> None:
    """Mark a record deleted (OAI-PMH keeps serving it as a deleted record)."""
    record = record if record is not None else record_for(graph)
    if record is None or record.deleted:
        return
    record.deleted = True
    record.stale = False
    record.datestamp = utcnow()
    record.triples = 0
    record.digest = ""
    record.ntriples = record.jsonld = record.dc = ""
    log_change(graph)

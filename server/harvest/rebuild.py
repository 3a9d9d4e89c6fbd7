"""Render many records at once: a full rebuild, stale records, copies after a rescan."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select

from server.extensions import db
from server.harvest import dataset
from server.harvest.records import (
    RELOAD,
    Context,
    log_change,
    records_for,
    sync_item,
    sync_resource,
    sync_scheme,
    tombstone,
    write_sets,
)
from server.models import Actor, Item, Territory, Theme
from server.models.harvest import HarvestRecord, HarvestRecordKind

BATCH = 500
Progress = Callable[[int], None]


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _sync_items(ids: list[int], ctx: Context, progress: Progress | None = None) -> set[str]:
    """Render items by id in batches, committing each; return the graphs now published."""
    published: set[str] = set()
    for chunk in _chunks(ids, BATCH):
        items = list(
            db.session.scalars(dataset.with_relations(select(Item).where(Item.id.in_(chunk))))
        )
        graphs = {dataset.harvest_iri(item, ctx.base_url): item for item in items}
        records = records_for(list(graphs))
        for graph, item in graphs.items():
            sync_item(item, ctx, records.get(graph))
            if dataset.is_harvestable(item, ctx.federated):
                published.add(graph)
        write_sets()
        db.session.commit()
        if progress is not None:
            progress(len(chunk))
    return published


def rebuild_all(progress: Progress | None = None) -> int:
    """Render every record from the database and tombstone the rest; return items rendered.

    Index processes are told to reload from scratch once it is done.
    """
    ctx = Context()
    published: set[str] = set()
    sync_scheme(ctx)
    published.add(dataset.scheme_iri(ctx.base_url))
    for model in (Theme, Territory):
        rows = list(db.session.scalars(select(model)))
        records = records_for([row.iri for row in rows])
        for row in rows:
            sync_resource(row, ctx, records.get(row.iri))
            if dataset.is_published_resource(row, ctx.federated):
                published.add(row.iri)
    write_sets()
    db.session.commit()
    ids = list(db.session.scalars(select(Item.id).order_by(Item.id)))
    published |= _sync_items(ids, ctx, progress)
    live = db.session.scalars(select(HarvestRecord.graph).where(HarvestRecord.deleted.is_(False)))
    for graph in set(live) - published:
        tombstone(graph)
    log_change(RELOAD)
    write_sets()
    db.session.commit()
    return len(ids)


def refresh_stale(limit: int = BATCH) -> int:
    """Render again up to `limit` stale records; return how many were done."""
    rows = db.session.execute(
        select(HarvestRecord.kind, HarvestRecord.ref_id, HarvestRecord.graph)
        .where(HarvestRecord.stale.is_(True))
        .limit(limit)
    ).all()
    if not rows:
        return 0
    ctx = Context()
    item_ids = [ref for kind, ref, _ in rows if kind == HarvestRecordKind.ITEM and ref is not None]
    _sync_items(item_ids, ctx)
    for kind, ref, graph in rows:
        model = {HarvestRecordKind.THEME: Theme, HarvestRecordKind.TERRITORY: Territory}.get(kind)
        row = db.session.get(model, ref) if model is not None and ref is not None else None
        if row is not None:
            sync_resource(row, ctx)
        elif kind == HarvestRecordKind.SCHEME:
            sync_scheme(ctx)
        elif kind != HarvestRecordKind.ITEM or ref is None:
            tombstone(graph)
    # Whatever could not be rendered (its item is gone) is no longer worth retrying.
    db.session.execute(
        HarvestRecord.__table__.update()
        .where(HarvestRecord.graph.in_([g for _, _, g in rows]), HarvestRecord.stale.is_(True))
        .values(stale=False)
    )
    write_sets()
    db.session.commit()
    return len(rows)


def rescan_copies() -> int:
    """Render or tombstone every federated copy and remote concept after the switch changed."""
    ctx = Context()
    ids = list(
        db.session.scalars(
            select(Item.id).join(Actor, Item.actor_id == Actor.id).where(Actor.is_local.is_(False))
        )
    )
    _sync_items(ids, ctx)
    for model in (Theme, Territory):
        for row in db.session.scalars(select(model).where(model.origin.is_not(None))):
            sync_resource(row, ctx)
    write_sets()
    db.session.commit()
    return len(ids)

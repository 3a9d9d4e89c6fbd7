"""The background job: finish deferred renderings, then write fresh dump snapshots.

One pass (`run_harvest`) renders a batch of stale records, re-renders copies when the
admin switched copy harvesting, bootstraps the records of a node that predates them,
trims the change log, and writes a new snapshot when changes happened since the last one.
A large node is not rewritten on every edit: a snapshot waits ten times as long as the
previous one took to write (50,000 items: about a minute); one written in under a second
is rewritten right away.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import delete, func, select

from server.extensions import db
from server.harvest import dumps
from server.harvest.rebuild import rebuild_all, refresh_stale, rescan_copies
from server.harvest.records import RESCAN
from server.models import utcnow
from server.models.harvest import HarvestChange, HarvestRecord, HarvestRecordKind

log = logging.getLogger("commons.harvest")

KEEP_CHANGES = timedelta(days=1)
SNAPSHOT_PACE = 10  # wait this many times the last snapshot's duration before the next
PACE_FROM = 1.0  # seconds: snapshots quicker than this are rewritten right away
PRUNE_EVERY = 3600.0


def _state_path(app: Flask) -> Path:
    return Path(app.config["SETTINGS"].data_dir) / "harvest" / "state.json"


def _read_state(app: Flask) -> dict:
    try:
        return json.loads(_state_path(app).read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _write_state(app: Flask, state: dict) -> None:
    path = _state_path(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state))
    temporary.replace(path)


def prune_changes() -> int:
    """Delete change-log rows older than a day, always keeping the newest (ids never reuse)."""
    newest = db.session.scalar(select(func.max(HarvestChange.id)))
    if newest is None:
        return 0
    result = db.session.execute(
        delete(HarvestChange).where(
            HarvestChange.changed_at < utcnow() - KEEP_CHANGES, HarvestChange.id < newest
        )
    )
    db.session.commit()
    return result.rowcount or 0


def _snapshot_due(app: Flask) -> bool:
    manifest = dumps.read_manifest(app)
    if manifest is None:
        return True
    if dumps.is_current(manifest):
        return False
    duration = float(manifest.get("duration", 0))
    if duration < PACE_FROM:
        return True
    return time.time() - float(manifest.get("written_at", 0)) >= SNAPSHOT_PACE * duration


def run_harvest(app: Flask) -> int:
    """Do one bounded pass of harvest upkeep; return how much work was done."""
    done = 0
    state = _read_state(app)
    if (
        db.session.scalar(
            select(HarvestRecord.id).where(HarvestRecord.kind == HarvestRecordKind.SCHEME).limit(1)
        )
        is None
    ):
        log.info("no harvest records yet: rendering every resource")
        done += rebuild_all() + 1
    rescan = db.session.scalar(
        select(func.max(HarvestChange.id)).where(HarvestChange.graph == RESCAN)
    )
    if rescan is not None and rescan > state.get("rescan", 0):
        done += rescan_copies() + 1
        state["rescan"] = rescan
        _write_state(app, state)
    done += refresh_stale()
    if time.time() - state.get("pruned", 0) > PRUNE_EVERY:
        prune_changes()
        state["pruned"] = time.time()
        _write_state(app, state)
    if _snapshot_due(app):
        manifest = dumps.refresh_snapshot(app)
        log.info("dump snapshot %s: %s triples", manifest["generation"], manifest["triples"])
        done += 1
    return done

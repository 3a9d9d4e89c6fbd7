"""The worker job behind the admin page: run queued imports, recording progress as it goes.

A run queued from the page (`ImportRun`, status pending) is claimed here, its source read
with no transaction open, then written batch by batch; each batch commits the run's counts,
which the page polls. A dry run (the page's preview) writes its report, nothing else.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select, update

from server.extensions import db
from server.importer.errors import SourceError
from server.importer.mapping import Choices
from server.importer.run import Import, Options, audit_run, describe_unmatched, open_reader
from server.importer.sources import Source, from_path
from server.models import ImportRun, ImportStatus, utcnow

MAX_LINES = 500  # lines of a preview kept for the page


def upload_dir() -> Path:
    path = Path(current_app.config["SETTINGS"].data_dir) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _source_of(run: ImportRun) -> str | Source:
    upload = (run.options or {}).get("upload")
    if upload:
        # Only names this node chose when it saved the upload; never a path from a form.
        return from_path(upload_dir() / Path(upload).name, name=run.source)
    return run.source


def _claim() -> ImportRun | None:
    run_id = db.session.scalar(
        select(ImportRun.id)
        .where(ImportRun.status == ImportStatus.PENDING)
        .order_by(ImportRun.id)
        .limit(1)
    )
    if run_id is None:
        return None
    claimed = db.session.execute(
        update(ImportRun)
        .where(ImportRun.id == run_id, ImportRun.status == ImportStatus.PENDING)
        .values(status=ImportStatus.RUNNING, started_at=utcnow())
    ).rowcount
    db.session.commit()
    return db.session.get(ImportRun, run_id) if claimed else None


def run_imports(app: Flask) -> int:
    """Run the oldest queued import, if any; return 1 when one ran."""
    run = _claim()
    if run is None:
        return 0
    options = run.options or {}
    source, fmt, set_spec = _source_of(run), run.format or None, options.get("set")
    db.session.commit()  # no transaction open while the source is fetched
    try:
        reader, fmt = open_reader(source, fmt, set_spec=set_spec)
        run.format, run.total = fmt, reader.total or 0
        db.session.commit()
        lines: list[dict] = []

        def report(action: str, where: str, text: str) -> None:
            if action != "refuse" and len(lines) < MAX_LINES:
                lines.append({"action": action, "where": where, "title": text})

        importer = Import(
            Options(
                kind=run.kind or None,
                dry_run=run.dry_run,
                publish=bool(options.get("publish")),
                choices=Choices.from_json(options),
            ),
            run,
            report=report,
        )
        outcome = importer.run(reader)
    except SourceError as exc:
        db.session.rollback()
        run = db.session.get(ImportRun, run.id)
        run.error = str(exc)
        run.move_to(ImportStatus.FAILED)
        run.finished_at = utcnow()
        audit_run(run)
        db.session.commit()
        return 1
    run.options = {
        **options,
        "report": {
            "lines": lines,
            "unmatched": [list(u) for u in describe_unmatched(outcome.unmatched)],
            "new": sorted([list(n) for n in outcome.new_concepts]),
            "to_confirm": outcome.to_confirm[:MAX_LINES],
        },
    }
    run.move_to(ImportStatus.DONE)
    run.finished_at = utcnow()
    audit_run(run)
    db.session.commit()
    return 1

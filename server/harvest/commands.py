"""`commons dump` and `commons reindex`."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from server.cli_checks import require_initialised

FORMATS = ("nt", "ttl", "jsonld")

# Added to the `commons` group by `server.cli`.
harvest_commands = click.Group("harvest")


def parse_since(value: str) -> datetime:
    """Read an ISO 8601 date or date-time (UTC when no zone is given)."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.ClickException(
            f"--since {value!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@harvest_commands.command("dump")
@click.option("--format", "fmt", default="nt", show_default=True, help="nt, ttl or jsonld.")
@click.option("--gzip", "compress", is_flag=True, help="Compress the output with gzip.")
@click.option("--since", default=None, help="Only resources changed since this ISO date.")
@with_appcontext
def dump_command(fmt: str, compress: bool, since: str | None) -> None:
    """Write the node's dataset to standard output (progress on standard error)."""
    import gzip

    from server.harvest import dumps

    if fmt not in FORMATS:
        raise click.ClickException(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    since_date = parse_since(since) if since else None
    require_initialised()
    _ensure_records()
    out = sys.stdout.buffer
    total = dumps.count_records(since_date)
    show = sys.stderr.isatty()
    with (
        click.progressbar(length=total, label="Dumping", file=sys.stderr)
        if show
        else _Quiet() as bar
    ):
        if fmt == "nt":
            dumps.write_ntriples(out, since_date, bar.update, compress=compress)
            out.flush()
            return
        sink = (
            gzip.GzipFile(fileobj=out, mode="wb", compresslevel=dumps.GZIP_LEVEL, mtime=0)
            if compress
            else out
        )
        writer = dumps.write_turtle if fmt == "ttl" else dumps.write_jsonld
        writer(sink, since_date, bar.update)  # type: ignore[arg-type]
        if compress:
            sink.close()
    out.flush()


def _ensure_records() -> None:
    """Render every record once on a node that predates them (the worker would do it too)."""
    from sqlalchemy import select

    from server.extensions import db
    from server.harvest.rebuild import rebuild_all
    from server.models.harvest import HarvestRecord, HarvestRecordKind

    query = select(HarvestRecord.id).where(HarvestRecord.kind == HarvestRecordKind.SCHEME).limit(1)
    if db.session.scalar(query) is None:
        rebuild_all()


class _Quiet:
    """A progress bar that shows nothing (standard error is not a terminal)."""

    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def update(self, _: int) -> None:
        return None


@harvest_commands.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild every derived index from the database: harvest records, SPARQL, dumps, and
    the search index."""
    import time

    from sqlalchemy import func, select

    from server.extensions import db
    from server.harvest import dumps
    from server.harvest.rebuild import rebuild_all
    from server.models import Item
    from server.search.index import rebuild

    require_initialised()
    total = db.session.scalar(select(func.count(Item.id))) or 0
    with click.progressbar(length=total, label="Rendering items", file=sys.stderr) as bar:
        rebuild_all(progress=bar.update)
    manifest = dumps.refresh_snapshot(current_app._get_current_object(), force=True)  # type: ignore[attr-defined]
    click.echo(
        f"Reindexed {manifest['records']} resources ({manifest['triples']} triples); "
        "dumps rewritten, SPARQL index processes reload."
    )
    # A new transaction, on a new connection: the dump's streaming options stay with its own.
    db.session.commit()
    started = time.perf_counter()
    with click.progressbar(length=total, label="Indexing for search", file=sys.stderr) as bar:
        searchable = rebuild(progress=bar.update)
    db.session.commit()
    elapsed = max(time.perf_counter() - started, 1e-6)
    click.echo(
        f"Rebuilt the search index: {searchable} searchable of {total} items "
        f"in {elapsed:.1f} s ({total / elapsed:.0f} items/s)."
    )

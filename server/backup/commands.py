"""`commons backup FILE`, `commons restore FILE` and `commons migrate-database URL`."""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from server.backup import BackupError

# Added to the `commons` group by `server.cli`.
backup_commands = click.Group("backup")


def _bar(label: str, total: int):
    """A progress bar on standard error when it is a terminal (nothing in logs or pipes)."""
    from server.backup.take import quiet

    if not sys.stderr.isatty():
        return quiet(label, total)
    return click.progressbar(length=total, label=label, file=sys.stderr)


def _audit(action: str, target: str, manifest: dict) -> None:
    """Record a backup, restore or move in the audit log (of the database now in use)."""
    from server.extensions import db
    from server.services import audit

    audit.record(
        action,
        target=target,
        detail={"created_at": manifest["created_at"], "items": manifest["counts"].get("item", 0)},
    )
    db.session.commit()


def _rows(manifest: dict) -> str:
    counts = manifest["counts"]
    items = counts.get("item", 0)
    return f"{items} items, {sum(counts.values())} rows in {len(counts)} tables"


@backup_commands.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Write the node's backup to FILE (a tar.gz) while it keeps serving."""
    from server.backup.take import take_backup
    from server.cli_checks import require_initialised

    require_initialised()
    started = time.perf_counter()
    try:
        manifest = take_backup(file, progress=_bar)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    _audit("data.backup", str(file), manifest)
    for warning in manifest["warnings"]:
        click.echo(f"Warning: {warning}", err=True)
    uploads = sum(1 for name in manifest["files"] if name.startswith("uploads/"))
    click.echo(
        f"Backed up {manifest['base_url']} to {file}: {_rows(manifest)}, {uploads} uploads, "
        f"schema {manifest['schema_revision']} ({time.perf_counter() - started:.1f} s)."
    )


@backup_commands.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path) -> None:
    """Restore the backup FILE onto an empty data directory and database."""
    from server.backup.restore import restore

    started = time.perf_counter()
    try:
        manifest = restore(file, progress=_bar)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    _audit("data.restore", str(file), manifest)
    database = current_app.config["SETTINGS"].database_url
    kind = "PostgreSQL" if database.startswith("postgresql") else "SQLite"
    click.echo(
        f"Restored {manifest['base_url']} (backup of {manifest['created_at']}, from "
        f"{manifest['database']}) into {kind}: {_rows(manifest)}, counts checked "
        f"({time.perf_counter() - started:.1f} s)."
    )


@backup_commands.command("migrate-database")
@click.argument("url")
@with_appcontext
def migrate_database_command(url: str) -> None:
    """Copy this node's database into the empty database at URL (the move to PostgreSQL)."""
    from server import create_app
    from server.backup.restore import check_database_empty, restore
    from server.backup.take import take_backup
    from server.cli_checks import require_initialised

    require_initialised()
    settings = current_app.config["SETTINGS"]
    try:
        target = create_app(dataclasses.replace(settings, database_url=url))
    except Exception as exc:  # noqa: BLE001 - a bad URL: one line
        raise click.ClickException(f"cannot use {url!r}: {exc}") from None
    try:
        with target.app_context():
            check_database_empty()
        with tempfile.TemporaryDirectory(dir=settings.data_dir, prefix=".migrate-") as tmp:
            archive = Path(tmp) / "database.tar.gz"
            manifest = take_backup(archive, progress=_bar)
            with target.app_context():
                restore(archive, progress=_bar, with_files=False)
                _audit("data.migrate", settings.database_url.split("://")[0], manifest)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - an unreachable database: one line
        raise click.ClickException(f"cannot use {url!r}: {str(exc).splitlines()[0]}") from None
    click.echo(
        f"Copied {_rows(manifest)} into the new database, counts checked. "
        "Stop the node, set COMMONS_DATABASE_URL to it, and start the node again."
    )

"""Restore a backup onto an empty data directory and database.

Everything that can be checked is checked before anything is written: the archive whole
(`Archive.verify`), its schema revision known to this code, the base URL it was taken at
(the node's IRIs and its followers' subscriptions depend on it), the target empty. Then:
the schema at the backup's revision (Alembic), the rows in one transaction, PostgreSQL's
sequences moved past the ids inserted, the schema upgraded to this code's head, the search
index rebuilt, and each table's count checked against the manifest. A failure on the way
drops what was created, so the restore can simply be run again.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    Table,
    and_,
    bindparam,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from server.backup import BackupError, rows
from server.backup.archive import NAMES, Archive
from server.backup.take import Bar, Progress, quiet
from server.extensions import db

BATCH = 1000
# What `create_app` writes into a data directory on its own: not a sign of an earlier node.
CREATED_BY_APP = {"secret_key"}


def known_revision(revision: str) -> bool:
    """Whether this code's migrations know the revision a backup was taken at."""
    from server import MIGRATIONS_DIR

    try:
        return ScriptDirectory(MIGRATIONS_DIR).get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        return False


def check_database_empty() -> None:
    names = inspect(db.engine).get_table_names()
    if names:
        url = db.engine.url.render_as_string(hide_password=True)
        raise BackupError(
            f"the database {url} is not empty ({len(names)} tables): restore needs an empty one"
        )


def check_data_dir_empty(data_dir: Path, database_url: str) -> None:
    if not data_dir.exists():
        return
    own = set(CREATED_BY_APP)
    if database_url.startswith("sqlite:///"):
        database = Path(database_url.removeprefix("sqlite:///")).resolve()
        if database.parent == data_dir.resolve():
            own.update(database.name + suffix for suffix in ("", "-wal", "-shm", "-journal"))
    others = sorted(p.name for p in data_dir.iterdir() if p.name not in own)
    if others:
        raise BackupError(
            f"the data directory {data_dir} is not empty (it holds {others[0]}): "
            "restore needs an empty one"
        )


def restore(path: Path, progress: Progress = quiet, with_files: bool = True) -> dict[str, Any]:
    """Restore the archive at `path` into this application's database (and data directory
    when `with_files`); return the manifest."""
    settings = current_app.config["SETTINGS"]
    archive = Archive(path)
    manifest = archive.manifest()
    revision = manifest["schema_revision"]
    if not known_revision(revision):
        raise BackupError(
            f"{path}: the backup's schema revision {revision!r} is unknown to this version "
            "(a newer one?): restore it with the version that took it"
        )
    unknown = sorted(set(manifest["counts"]) - set(db.metadata.tables))
    if unknown:
        raise BackupError(f"{path}: the backup has a table unknown to this version: {unknown[0]}")
    if manifest["base_url"] != settings.base_url:
        raise BackupError(
            f"{path}: this is a backup of {manifest['base_url']}: set "
            f"COMMONS_BASE_URL={manifest['base_url']} to restore it (its IRIs must not change)"
        )
    check_database_empty()
    if with_files:
        check_data_dir_empty(Path(settings.data_dir), settings.database_url)
    with progress("Checking the archive", len(manifest["files"])) as bar:
        archive.verify(manifest, bar.update)

    written: list[Path] = []
    try:
        _load(archive, manifest, progress, written, with_files)
        _rebuild_search_index(progress)
        _check_counts(manifest)
    except BaseException as exc:
        db.session.rollback()
        _undo(written)
        if isinstance(exc, SQLAlchemyError | ValueError | KeyError | TypeError):
            # Rows the database refuses (an archive edited with its manifest to match).
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise BackupError(
                f"{path}: the backup's rows cannot be restored ({reason}); nothing was kept"
            ) from None
        raise
    return manifest


def _load(
    archive: Archive,
    manifest: dict[str, Any],
    progress: Progress,
    written: list[Path],
    with_files: bool,
) -> None:
    from flask_migrate import upgrade

    upgrade(revision=manifest["schema_revision"])
    uploads = Path(current_app.config["SETTINGS"].data_dir) / "uploads"
    total = sum(manifest["counts"].values())
    with progress("Restoring tables", total) as bar, db.engine.begin() as conn:
        for name, stream in archive.members():
            if not NAMES.fullmatch(name):  # checked by verify(); again where it is used
                raise BackupError(f"refused: unexpected path {name!r} in the archive")
            if name.startswith("database/"):
                table = name.removeprefix("database/").removesuffix(".jsonl")
                _load_table(conn, db.metadata.tables[table], stream, bar)
            elif with_files:
                target = uploads / name.removeprefix("uploads/")
                target.parent.mkdir(parents=True, exist_ok=True)
                written.append(target)
                with target.open("wb") as out:
                    while chunk := stream.read(1024 * 1024):
                        out.write(chunk)
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)
    upgrade()  # to this code's head, when the backup is older


def _load_table(conn: Connection, model: Table, stream: IO[bytes], bar: Bar) -> None:
    decode = rows.decoder(model)
    later = rows.self_references(model)
    key = list(model.primary_key.columns)
    updates: list[dict[str, Any]] = []
    table: Table | None = None
    for batch in rows.batches((decode(line) for line in stream if line.strip()), BATCH):
        if table is None:
            table = _table_of(model, batch[0])
        for row in batch:
            # A row pointing at another row of its table (a territory's parent) may come
            # before it: written empty first, set once every row is in.
            for column in later:
                if row.get(column) is not None:
                    updates.append(
                        {**{f"k_{c.name}": row[c.name] for c in key}, column: row[column]}
                    )
                    row[column] = None
        conn.execute(table.insert(), batch)
        bar.update(len(batch))
    if table is not None:
        for column in later:
            pending = [u for u in updates if column in u]
            if pending:
                statement = (
                    table.update()
                    .where(and_(*(table.c[c.name] == bindparam(f"k_{c.name}") for c in key)))
                    .values({column: bindparam(column)})
                )
                conn.execute(statement, pending)


def _table_of(model: Table, row: dict[str, Any]) -> Table:
    """The table restricted to the archive's columns, without the models' defaults: rows
    go in exactly as they were, into a schema at the backup's own revision."""
    unknown = sorted(set(row) - set(model.columns.keys()))
    if unknown:
        raise BackupError(
            f"the backup has a column unknown to this version: {model.name}.{unknown[0]}"
        )
    columns = [
        Column(c.name, c.type, primary_key=c.primary_key, autoincrement=False)
        for c in model.columns
        if c.name in row
    ]
    return Table(model.name, MetaData(), *columns)


def _reset_sequences(conn: Connection) -> None:
    """Move each serial column's sequence past the ids the rows came with."""
    quote = conn.dialect.identifier_preparer.quote
    for table in rows.tables():
        key = list(table.primary_key.columns)
        if (
            len(key) != 1
            or not isinstance(key[0].type, Integer)  # a text key (rate_counter) has no sequence
            or key[0].autoincrement not in (True, "auto")
            or key[0].foreign_keys
        ):
            continue
        name, column = quote(table.name), quote(key[0].name)
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE(MAX({column}), 1), MAX({column}) IS NOT NULL) FROM {name}"
            ),
            {"table": name, "column": key[0].name},
        )


def _rebuild_search_index(progress: Progress) -> None:
    from server.models import Item
    from server.search.index import rebuild

    total = db.session.scalar(select(func.count(Item.id))) or 0
    with progress("Indexing for search", total) as bar:
        rebuild(progress=bar.update)
    db.session.commit()


def _check_counts(manifest: dict[str, Any]) -> None:
    for name, expected in manifest["counts"].items():
        table = db.metadata.tables[name]
        found = db.session.scalar(select(func.count()).select_from(table)) or 0
        if found != expected:
            raise BackupError(
                f"restored {found} rows of {name} where the backup has {expected}: restore undone"
            )


def _undo(written: list[Path]) -> None:
    """Drop every table created and remove every file written, so nothing is left."""
    from server.search.index import DROP

    db.session.remove()
    with db.engine.begin() as conn:
        for statement in DROP.get(conn.dialect.name, DROP["postgresql"]):
            conn.exec_driver_sql(statement)
        existing = MetaData()
        existing.reflect(conn)
        existing.drop_all(conn)
    for path in written:
        path.unlink(missing_ok=True)

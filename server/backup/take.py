"""Take a backup while the node keeps serving.

Consistency: every table is read from one snapshot of the database. On SQLite, SQLite's
online backup API copies the database (WAL included) in one step into a file beside the
archive, and the tables are read from that copy: writers carry on meanwhile. On PostgreSQL,
the tables are read in one REPEATABLE READ, READ ONLY transaction. `pg_dump` is not used:
its format restores only into PostgreSQL, and the same portable dump from both databases
is what makes a SQLite backup restorable into PostgreSQL (and back).
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import Connection, create_engine, func, select, text

from server.backup import BackupError, rows
from server.backup.archive import (
    FORMAT,
    FORMAT_VERSION,
    file_digest,
    table_member,
    upload_member,
    write_archive,
)
from server.extensions import db
from server.models import Attachment

# Settings an archive carries: none of them secret (no secret key, no database password).
PUBLIC_SETTINGS = (
    "base_url",
    "node_handle",
    "node_name",
    "federation_mode",
    "follow_approval",
    "trusted_proxies",
    "max_upload_bytes",
    "map_tiles",
    "map_attribution",
)
DERIVED = ["search index (rebuilt by restore)", "harvest dumps", "SPARQL index"]


class Bar(Protocol):
    def update(self, n: int) -> None: ...


Progress = Callable[[str, int], AbstractContextManager[Bar]]


class _Quiet:
    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None


def quiet(_label: str, _total: int) -> AbstractContextManager[Bar]:
    """A progress display that shows nothing."""
    return _Quiet()


def app_version() -> str:
    try:
        return metadata.version("transition-commons")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "unknown"


@contextlib.contextmanager
def snapshot(workdir: Path) -> Iterator[Connection]:
    """A connection that sees one consistent state of the node's database."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        copy = workdir / "snapshot.db"
        raw = engine.raw_connection()
        try:
            target = sqlite3.connect(copy)
            try:
                raw.driver_connection.backup(target)  # type: ignore[union-attr]
            finally:
                target.close()
        finally:
            raw.close()
        from server.models.base import json_text, parse_json

        snap = create_engine(
            f"sqlite:///{copy}", json_serializer=json_text, json_deserializer=parse_json
        )
        try:
            with snap.connect() as conn:
                yield conn
        finally:
            snap.dispose()
        return
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield conn


def take_backup(path: Path, progress: Progress = quiet) -> dict[str, Any]:
    """Write the node's backup archive to `path`; return its manifest."""
    settings = current_app.config["SETTINGS"]
    path = path.resolve()
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent}: no such directory")
    if path.is_dir():
        raise BackupError(f"{path}: is a directory")
    files: dict[str, dict[str, Any]] = {}
    members: list[tuple[str, Path]] = []
    counts: dict[str, int] = {}
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".commons-backup-") as tmp:
        workdir = Path(tmp)
        with snapshot(workdir) as conn:
            revision = _revision(conn)
            totals = {
                str(t.name): conn.scalar(select(func.count()).select_from(t)) or 0
                for t in rows.tables()
            }
            with progress("Backing up tables", sum(totals.values())) as bar:
                for table in rows.tables():
                    member = table_member(table.name)
                    target = workdir / f"{table.name}.jsonl"
                    counts[str(table.name)], files[member] = _dump_table(conn, table, target, bar)
                    members.append((member, target))
            digests = sorted(set(conn.scalars(select(Attachment.sha256))))
        uploads = Path(settings.data_dir) / "uploads"
        with progress("Backing up uploads", len(digests)) as bar:
            for digest in digests:
                source = uploads / digest[:2] / digest
                bar.update(1)
                if not source.is_file():
                    warnings.append(f"upload {digest} is missing from {uploads}")
                    continue
                size, actual = file_digest(source)
                if actual != digest:
                    warnings.append(f"upload {digest} is damaged on disk (left out)")
                    continue
                files[upload_member(digest)] = {"size": size, "sha256": actual}
                members.append((upload_member(digest), source))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "app_version": app_version(),
            "schema_revision": revision,
            "database": db.engine.dialect.name,
            "base_url": settings.base_url,
            "settings": {name: getattr(settings, name) for name in PUBLIC_SETTINGS},
            "keys": "the node actor's key pair is in the table 'actor'",
            "not_included": DERIVED,
            "counts": counts,
            "files": files,
            "warnings": warnings,
        }
        write_archive(path, manifest, members)
    return manifest


def _revision(conn: Connection) -> str:
    try:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - no alembic_version table: not initialised by `init`
        revision = None
    if not revision:
        raise BackupError("the database has no schema revision: run `commons init` first")
    return str(revision)


def _dump_table(conn: Connection, table: Any, target: Path, bar: Bar) -> tuple[int, dict[str, Any]]:
    digest = hashlib.sha256()
    count = size = 0
    query = select(table).order_by(*table.primary_key.columns)
    result = conn.execution_options(yield_per=2000).execute(query)
    names = [str(column.name) for column in table.columns]  # plain str: orjson's keys
    with target.open("wb") as out:
        for partition in result.partitions():
            for row in partition:
                line = rows.encode(dict(zip(names, row, strict=True)))
                out.write(line)
                digest.update(line)
                size += len(line)
            count += len(partition)
            bar.update(len(partition))
    return count, {"size": size, "sha256": digest.hexdigest()}

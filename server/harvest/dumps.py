"""The whole dataset as files: N-Triples, gzipped N-Triples, Turtle and JSON-LD.

Dumps are streamed from the rendered records (`HarvestRecord`), a thousand rows at a time,
so memory stays flat however large the node is. The background job writes them as
snapshot files under DATA_DIR/harvest/dumps/<generation>/, then swaps `manifest.json`,
which records each file's size and SHA-256: the DCAT description, `ETag` and
`Content-Length` all describe the very bytes served. Gzip headers carry no time or name,
so the same data always gives the same bytes. The previous generation is kept, so a
download that started before a swap finishes on the files it opened.

`commons dump` runs the same writers to standard output, optionally only for records
changed since a date (deletions are not expressible in a dump: see OAI-PMH or the outbox).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox
from flask import Flask, current_app
from sqlalchemy import LargeBinary, cast, func, select

from server.extensions import db
from server.models import utcnow
from server.models.harvest import HarvestChange, HarvestRecord
from vocab.context import CONTEXT
from vocab.rdf import PREFIXES

# format name -> (file name, media type of the bytes served)
FILES: dict[str, tuple[str, str]] = {
    "nt": ("dataset.nt", "application/n-triples"),
    "nt.gz": ("dataset.nt.gz", "application/gzip"),
    "ttl": ("dataset.ttl", "text/turtle"),
    "jsonld": ("dataset.jsonld", "application/ld+json"),
}
# Level 3: nearly level 6's size on N-Triples, at three times its speed.
GZIP_LEVEL = 3
ROWS = 500
PRUNE_AFTER = 120  # seconds an old generation stays for downloads under way
Progress = Callable[[int], None]


@dataclass
class Written:
    """What a writer produced: triples, bytes and their SHA-256."""

    triples: int = 0
    size: int = 0
    sha256: str = ""


class _Counting:
    """A binary sink that counts and hashes what goes through it."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out, self.size, self.hash = out, 0, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.out.write(data)
        self.size += len(data)
        self.hash.update(data)
        return len(data)

    def flush(self) -> None:
        self.out.flush()


def _utf8(column: Any) -> Any:
    """Select a text column as its UTF-8 bytes: no decoding and encoding again per row."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.convert_to(column, "UTF8")
    return cast(column, LargeBinary)


def _rows(
    column: Any, since: datetime | None = None, raw: bool = False
) -> Iterator[tuple[Any, ...]]:
    """Stream (column, triples) of live records in id order, ROWS at a time (bytes if `raw`)."""
    query = (
        select(_utf8(column) if raw else column, HarvestRecord.triples)
        .where(HarvestRecord.deleted.is_(False))
        .order_by(HarvestRecord.id)
    )
    if since is not None:
        query = query.where(HarvestRecord.datestamp >= since)
    # Core, not the ORM: plain tuples, streamed by the driver a batch at a time.
    connection = db.session.connection().execution_options(stream_results=True, yield_per=ROWS)
    yield from connection.execute(query)


class _Gzip:
    """Gzip through zlib directly: no header time or name, and the CRC computed in C."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)

    def write(self, data: bytes) -> int:
        self.out.write(self.compressor.compress(data))
        return len(data)

    def close(self) -> None:
        self.out.write(self.compressor.flush())


def write_ntriples(
    out: IO[bytes],
    since: datetime | None = None,
    progress: Progress | None = None,
    compress: bool = False,
    plain: IO[bytes] | None = None,
) -> tuple[Written, Written | None]:
    """Write N-Triples to `out` (gzipped when `compress`), and plain to `plain` too if given.

    Return what `out` received and, when `plain` is given, what it received.
    """
    sink = _Counting(out)
    target: Any = _Gzip(sink) if compress else sink
    plain_sink = _Counting(plain) if plain is not None else None
    triples = 0
    batch: list[bytes] = []
    for data, count in _rows(HarvestRecord.ntriples, since, raw=True):
        batch.append(data)
        triples += count
        if len(batch) >= ROWS:
            _emit(batch, target, plain_sink, progress)
            batch = []
    _emit(batch, target, plain_sink, progress)
    if compress:
        target.close()
    main = Written(triples, sink.size, sink.hash.hexdigest())
    extra = Written(triples, plain_sink.size, plain_sink.hash.hexdigest()) if plain_sink else None
    return main, extra


def _emit(
    batch: list[bytes], target: Any, plain: _Counting | None, progress: Progress | None
) -> None:
    if not batch:
        return
    data = b"".join(batch)
    target.write(data)
    if plain is not None:
        plain.write(data)
    if progress is not None:
        progress(len(batch))


def write_turtle(
    out: IO[bytes], since: datetime | None = None, progress: Progress | None = None
) -> Written:
    """Write Turtle: pyoxigraph serialises each batch; the prefixes are written once."""
    sink = _Counting(out)
    sink.write("".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()).encode() + b"\n")
    triples = 0
    batch: list[str] = []

    def flush() -> None:
        if not batch:
            return
        parsed = ox.parse("".join(batch).encode(), format=ox.RdfFormat.N_TRIPLES, lenient=True)
        text = ox.serialize(parsed, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
        # Drop the prefix lines pyoxigraph repeats on every batch.
        start = 0
        while text.startswith(b"@prefix ", start):
            start = text.index(b"\n", start) + 1
        sink.write(text[start:])
        if progress is not None:
            progress(len(batch))

    for text, count in _rows(HarvestRecord.ntriples, since):
        batch.append(text)
        triples += count
        if len(batch) >= ROWS:
            flush()
            batch = []
    flush()
    return Written(triples, sink.size, sink.hash.hexdigest())


def write_jsonld(
    out: IO[bytes], since: datetime | None = None, progress: Progress | None = None
) -> Written:
    """Write one JSON-LD document: our context once, then every resource in `@graph`."""
    sink = _Counting(out)
    head = json.dumps({"@context": CONTEXT}, ensure_ascii=False)[:-1]
    sink.write(f'{head}, "@graph": [\n'.encode())
    triples, first, done = 0, True, 0
    for text, count in _rows(HarvestRecord.jsonld, since):
        sink.write(((",\n" if not first else "") + text).encode())
        first = False
        triples += count
        done += 1
        if progress is not None and done % ROWS == 0:
            progress(ROWS)
    sink.write(b"\n]}\n")
    if progress is not None and done % ROWS:
        progress(done % ROWS)
    return Written(triples, sink.size, sink.hash.hexdigest())


def count_records(since: datetime | None = None) -> int:
    """Return how many live records a dump would contain."""
    query = select(func.count(HarvestRecord.id)).where(HarvestRecord.deleted.is_(False))
    if since is not None:
        query = query.where(HarvestRecord.datestamp >= since)
    return db.session.scalar(query) or 0


# --- snapshots ------------------------------------------------------------------------


def dumps_dir(app: Flask | None = None) -> Path:
    app = app or current_app
    return Path(app.config["SETTINGS"].data_dir) / "harvest" / "dumps"


def last_change_id() -> int:
    return db.session.scalar(select(func.max(HarvestChange.id))) or 0


def read_manifest(app: Flask | None = None) -> dict[str, Any] | None:
    """Return the current snapshot's manifest, or None before the first snapshot."""
    path = dumps_dir(app) / "manifest.json"
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None


def snapshot_path(manifest: dict[str, Any], fmt: str, app: Flask | None = None) -> Path:
    return dumps_dir(app) / manifest["generation"] / manifest["files"][fmt]["name"]


def is_current(manifest: dict[str, Any] | None) -> bool:
    """Return whether a snapshot reflects every logged change."""
    return manifest is not None and manifest.get("watermark", -1) >= last_change_id()


def write_snapshot(app: Flask | None = None) -> dict[str, Any]:
    """Write every dump format into a new generation and make it current; return its manifest."""
    app = app or current_app
    root = dumps_dir(app)
    started = time.monotonic()
    watermark = last_change_id()  # read first: the snapshot is at least this new
    generation = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{watermark}"
    folder = root / generation
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, Any]] = {}
    with open(folder / FILES["nt.gz"][0], "wb") as gz, open(folder / FILES["nt"][0], "wb") as nt:
        packed, plain = write_ntriples(gz, compress=True, plain=nt)
    assert plain is not None
    written = {"nt.gz": packed, "nt": plain}
    with open(folder / FILES["ttl"][0], "wb") as ttl:
        written["ttl"] = write_turtle(ttl)
    with open(folder / FILES["jsonld"][0], "wb") as jsonld:
        written["jsonld"] = write_jsonld(jsonld)
    for fmt, result in written.items():
        name, media_type = FILES[fmt]
        files[fmt] = {
            "name": name,
            "media_type": media_type,
            "size": result.size,
            "sha256": result.sha256,
        }
    manifest = {
        "generation": generation,
        "watermark": watermark,
        "generated_at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "triples": plain.triples,
        "records": count_records(),
        "files": files,
        "duration": round(time.monotonic() - started, 3),
        "written_at": time.time(),
    }
    temporary = root / f".manifest-{os.getpid()}.json"
    temporary.write_text(json.dumps(manifest, indent=1))
    temporary.replace(root / "manifest.json")
    _prune(root, keep={generation, *_previous(root, generation)})
    return manifest


def _previous(root: Path, current: str) -> list[str]:
    older = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name < current)
    return older[-1:]


def _prune(root: Path, keep: set[str]) -> None:
    # Only generations older than a few minutes: a younger one may still be downloading.
    limit = time.time() - PRUNE_AFTER
    for path in root.iterdir():
        if path.is_dir() and path.name not in keep and path.stat().st_mtime < limit:
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _writer_lock(app: Flask) -> Iterator[None]:
    """Let one process at a time write snapshots on this machine."""
    root = dumps_dir(app)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def refresh_snapshot(app: Flask | None = None, force: bool = False) -> dict[str, Any]:
    """Return a manifest, writing a snapshot first when there is none (or it is behind)."""
    app = app or current_app
    manifest = read_manifest(app)
    if not force and _usable(manifest, app) and (manifest is not None) and is_current(manifest):
        return manifest
    with _writer_lock(app):
        manifest = read_manifest(app)  # another process may have just written it
        if force or not _usable(manifest, app) or not is_current(manifest):
            manifest = write_snapshot(app)
    assert manifest is not None
    return manifest


def ensure_snapshot(app: Flask | None = None) -> dict[str, Any]:
    """Return the current manifest, writing a first snapshot only when there is none yet."""
    app = app or current_app
    manifest = read_manifest(app)
    if _usable(manifest, app):
        assert manifest is not None
        return manifest
    with _writer_lock(app):
        manifest = read_manifest(app)
        if not _usable(manifest, app):
            manifest = write_snapshot(app)
    assert manifest is not None
    return manifest


def _usable(manifest: dict[str, Any] | None, app: Flask) -> bool:
    return manifest is not None and (dumps_dir(app) / manifest["generation"]).is_dir()

"""The backup archive: a manifest, then table files and uploads, in one tar.gz.

Why tar.gz rather than zip: it is written and read as a stream (a 50,000-item node never
sits in memory), the standard library's `tarfile` has the extraction checks this needs
(`tarfile.data_filter`), and every system can list or unpack it with `tar`.

Reading is done twice: a first pass checks everything (the manifest's format and schema,
each member's name, type, size and SHA-256, nothing missing, nothing extra, the gzip stream
complete) before anything is written; the second pass gives the members to restore.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tarfile
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from server.backup import BackupError

FORMAT = "commons-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
# Every name an archive may hold: nothing absolute, no "..", no directory of its own.
NAMES = re.compile(
    r"manifest\.json|database/[a-z_][a-z0-9_]{0,62}\.jsonl|uploads/[0-9a-f]{2}/[0-9a-f]{64}"
)
CHUNK = 1024 * 1024


def table_member(table: str) -> str:
    return f"database/{str(table)}.jsonl"


def upload_member(sha256: str) -> str:
    return f"uploads/{sha256[:2]}/{sha256}"


def file_digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def write_archive(path: Path, manifest: dict[str, Any], members: list[tuple[str, Path]]) -> None:
    """Write the archive to `path` atomically (a `.part` file renamed at the end), readable
    by its owner only: it holds the node's private keys."""
    part = path.with_name(path.name + ".part")
    now = int(time.time())
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with (
            os.fdopen(fd, "wb") as raw,
            tarfile.open(
                fileobj=raw, mode="w:gz", compresslevel=3, format=tarfile.PAX_FORMAT
            ) as tar,
        ):
            data = orjson.dumps(manifest, option=orjson.OPT_INDENT_2)
            tar.addfile(_info(MANIFEST, len(data), now), io.BytesIO(data))
            for name, source in members:
                with source.open("rb") as stream:
                    tar.addfile(_info(name, source.stat().st_size, now), stream)
        part.replace(path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _info(name: str, size: int, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o600
    return info


class Archive:
    """A backup archive to restore, read with every check before anything is written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():
            raise BackupError(f"{path}: no such file")

    def _open(self) -> tarfile.TarFile:
        try:
            return tarfile.open(self.path, mode="r:gz")
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            raise BackupError(
                f"{self.path}: not a backup archive (a tar.gz): {_why(exc)}"
            ) from None

    def manifest(self) -> dict[str, Any]:
        """Read and check the manifest, the archive's first member."""
        try:
            with self._open() as tar:
                first = tar.next()
                if first is None or first.name != MANIFEST or not first.isreg():
                    raise BackupError(f"{self.path}: not a commons backup (no manifest first)")
                if first.size > MAX_MANIFEST_BYTES:
                    raise BackupError(f"{self.path}: the manifest is too large")
                stream = tar.extractfile(first)
                assert stream is not None
                manifest = orjson.loads(stream.read())
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            raise BackupError(f"{self.path}: the archive is damaged: {_why(exc)}") from None
        except orjson.JSONDecodeError:
            raise BackupError(f"{self.path}: the manifest is not JSON") from None
        return check_manifest(manifest, self.path)

    def verify(self, manifest: dict[str, Any], done: Callable[[int], None] | None = None) -> None:
        """Read the whole archive once: every member expected, well named, of the right
        size and digest; a truncated or forged archive stops here."""
        expected: dict[str, dict[str, Any]] = manifest["files"]
        seen: set[str] = set()
        try:
            with self._open() as tar:
                for member in tar:
                    name = self._check_member(member, expected, seen)
                    if name == MANIFEST:
                        continue
                    stream = tar.extractfile(member)
                    assert stream is not None
                    digest, size = hashlib.sha256(), 0
                    while chunk := stream.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                    want = expected[name]
                    if size != want["size"] or digest.hexdigest() != want["sha256"]:
                        raise BackupError(f"{self.path}: {name} does not match the manifest")
                    if done is not None:
                        done(1)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            raise BackupError(
                f"{self.path}: the archive is truncated or damaged: {_why(exc)}"
            ) from None
        missing = sorted(set(expected) - seen)
        if missing:
            raise BackupError(f"{self.path}: the archive is incomplete ({missing[0]} is missing)")

    def _check_member(
        self, member: tarfile.TarInfo, expected: dict[str, Any], seen: set[str]
    ) -> str:
        name = member.name
        if not member.isreg():
            raise BackupError(f"{self.path}: refused: {name!r} is not a regular file")
        try:  # the standard library's own check: absolute paths, "..", links, devices
            tarfile.data_filter(member, "/restore-target")
        except tarfile.FilterError as exc:
            raise BackupError(f"{self.path}: refused: {_why(exc)}") from None
        if not NAMES.fullmatch(name):
            raise BackupError(f"{self.path}: refused: unexpected path {name!r} in the archive")
        if name in seen:
            raise BackupError(f"{self.path}: refused: {name!r} appears twice")
        if name != MANIFEST and name not in expected:
            raise BackupError(f"{self.path}: refused: {name!r} is not in the manifest")
        seen.add(name)
        return name

    def members(self) -> Iterator[tuple[str, IO[bytes]]]:
        """The members after the manifest, in archive order (call `verify` first)."""
        with self._open() as tar:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                stream = tar.extractfile(member)
                assert stream is not None
                yield member.name, stream


def check_manifest(manifest: Any, path: Path) -> dict[str, Any]:
    """Refuse a manifest of another format, or one missing what restore needs."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not a commons backup")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            f"{path}: backup format {version!r} is newer than this version reads ({FORMAT_VERSION})"
        )
    for key, kind in (
        ("schema_revision", str),
        ("base_url", str),
        ("counts", dict),
        ("files", dict),
        ("database", str),
    ):
        if not isinstance(manifest.get(key), kind):
            raise BackupError(f"{path}: the manifest has no valid {key!r}")
    for name, entry in manifest["files"].items():
        if (
            not NAMES.fullmatch(name)
            or not isinstance(entry, dict)
            or not isinstance(entry.get("size"), int)
            or not isinstance(entry.get("sha256"), str)
        ):
            raise BackupError(f"{path}: the manifest lists an unexpected file {name!r}")
    for table, count in manifest["counts"].items():
        if not isinstance(table, str) or not isinstance(count, int) or count < 0:
            raise BackupError(f"{path}: the manifest has a bad count for {table!r}")
    return manifest


def _why(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__

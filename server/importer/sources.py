"""Where a source is read from (a file, or an http(s) URL through the node's one outbound
client, its SSRF guard included), and which format it is in when nobody says."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from server.importer.errors import SourceError

FORMATS = ("csv", "rss", "atom", "oai", "rdf")
MAX_DOWNLOAD = 100_000_000  # bytes: a feed or an export, not a whole archive
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".rss": "rss",
    ".atom": "atom",
    ".ttl": "rdf",
    ".nt": "rdf",
    ".jsonld": "rdf",
    ".json": "rdf",
    ".rdf": "rdf",
    ".owl": "rdf",
}


@dataclass
class Source:
    """A source as given (`name`), read from `path` or held in `data` once downloaded."""

    name: str
    path: Path | None = None
    data: bytes | None = None
    url: str | None = None

    def open(self) -> BinaryIO:
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.path is not None
        return self.path.open("rb")

    def read(self, limit: int = MAX_DOWNLOAD) -> bytes:
        if self.data is not None:
            return self.data
        with self.open() as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise SourceError(f"{self.name} is over {limit:,} bytes")
        return data

    def head(self, size: int = 4096) -> bytes:
        with self.open() as handle:
            return handle.read(size)


def is_url(text: str) -> bool:
    return bool(re.match(r"^https?://", text, re.IGNORECASE))


def from_path(path: str | Path, name: str | None = None) -> Source:
    """A file on this machine; a clear message when it is not there."""
    found = Path(path)
    if not found.is_file():
        raise SourceError(f"no such file: {path}")
    return Source(name or str(path), path=found)


def download(url: str, client, accept: str = "*/*") -> Source:
    """Fetch a URL through the node's client (its SSRF guard and redirects checks apply).

    Call it with no database transaction open: the network may take its time.
    """
    from federation.errors import FetchError

    try:
        response = client.fetch(url, accept=accept, max_bytes=MAX_DOWNLOAD)
    except FetchError as exc:
        raise SourceError(f"cannot fetch {url}: {exc.reason}") from None
    return Source(url, data=response.content, url=url)


def guess_format(source: Source) -> str:
    """Guess a source's format from its extension, else from its first bytes."""
    name = (source.path.name if source.path else source.name).lower().split("?")[0]
    for extension, fmt in _EXTENSIONS.items():
        if name.endswith(extension):
            return fmt
    head = source.head().lstrip(b"\xef\xbb\xbf \t\r\n")
    text = head.decode("utf-8", errors="replace")
    if text.startswith(("{", "[")):
        return "rdf"
    if text.startswith("<"):
        body = re.sub(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", "", text, flags=re.S).lstrip()
        root = re.match(r"<([\w:.-]+)", body)
        local = root.group(1).split(":")[-1].lower() if root else ""
        if local in ("rss", "rdf") and "purl.org/rss" in text:
            return "rss"  # RSS 1.0 is RDF in form, a feed in use
        found = {"rss": "rss", "feed": "atom", "oai-pmh": "oai", "rdf": "rdf"}.get(local)
        if found:
            return found
        raise SourceError(
            f"{source.name}: an XML document whose root <{local or '?'}> is none of RSS, "
            "Atom, OAI-PMH or RDF/XML"
        )
    if re.match(r"(@prefix|@base|prefix|base)\b", text, re.IGNORECASE) or text.startswith("_:"):
        return "rdf"
    if "\n" in text or "," in text or ";" in text:
        return "csv"
    raise SourceError(f"cannot tell the format of {source.name}: give --format")

"""Files attached to items: checked for size and type, stored under the data directory."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l

from server.extensions import db
from server.models import Attachment, Item
from server.services import ServiceError

# Accepted types, each with the first bytes a real file of that type starts with. The
# browser's declared type is never trusted: the content decides.
SIGNATURES: dict[str, tuple[tuple[bytes, ...], tuple[str, ...]]] = {
    "application/pdf": ((b"%PDF-",), (".pdf",)),
    "image/png": ((b"\x89PNG\r\n\x1a\n",), (".png",)),
    "image/jpeg": ((b"\xff\xd8\xff",), (".jpg", ".jpeg")),
    "image/webp": ((b"RIFF",), (".webp",)),
    "application/vnd.oasis.opendocument.text": ((b"PK\x03\x04",), (".odt",)),
    "application/vnd.oasis.opendocument.presentation": ((b"PK\x03\x04",), (".odp",)),
    "application/vnd.oasis.opendocument.spreadsheet": ((b"PK\x03\x04",), (".ods",)),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        (b"PK\x03\x04",),
        (".docx",),
    ),
    "text/plain": ((), (".txt", ".md")),
    "text/csv": ((), (".csv",)),
}


def safe_filename(name: str) -> str:
    """Keep a readable, harmless file name (no path, no control characters)."""
    name = Path(name.replace("\\", "/")).name
    name = re.sub(r"[^\w.\- ]+", "_", name).strip(" .") or "file"
    return name[-120:]


def detect_type(filename: str, head: bytes) -> str | None:
    """Return the media type that both the extension and the first bytes agree on."""
    suffix = Path(filename).suffix.lower()
    for media_type, (magics, suffixes) in SIGNATURES.items():
        if suffix not in suffixes:
            continue
        if magics and not any(head.startswith(m) for m in magics):
            return None
        if not magics:
            try:
                head.decode("utf-8")
            except UnicodeDecodeError:
                return None
            if b"\x00" in head:
                return None
        return media_type
    return None


def attach_file(item: Item, filename: str, stream: BinaryIO) -> Attachment:
    """Store an uploaded file for `item` after checking its size and type."""
    settings = current_app.config["SETTINGS"]
    limit = settings.max_upload_bytes
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(
            str(_l("The file is too large.")), {"attachment": str(_l("The file is too large."))}
        )
    if not data:
        raise ServiceError(
            str(_l("The file is empty.")), {"attachment": str(_l("The file is empty."))}
        )
    filename = safe_filename(filename)
    media_type = detect_type(filename, data[:4096])
    if media_type is None:
        message = str(
            _l("This type of file is not accepted (PDF, images, office documents, text).")
        )
        raise ServiceError(message, {"attachment": message})
    digest = hashlib.sha256(data).hexdigest()
    folder = settings.data_dir / "uploads" / digest[:2]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / digest).write_bytes(data)
    attachment = Attachment(
        item=item, filename=filename, media_type=media_type, size=len(data), sha256=digest, url=""
    )
    db.session.add(attachment)
    db.session.flush()
    attachment.url = f"{settings.base_url}/files/{attachment.id}/{filename}"
    return attachment


def stored_path(attachment: Attachment) -> Path:
    """Return where an attachment's bytes live on disk."""
    settings = current_app.config["SETTINGS"]
    return settings.data_dir / "uploads" / attachment.sha256[:2] / attachment.sha256

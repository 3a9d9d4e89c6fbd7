"""Column types and helpers shared by every model."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, TypeDecorator
from sqlalchemy.engine import Dialect


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no zone; PostgreSQL does. Both give back an aware UTC datetime.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class LangMapType(TypeDecorator[dict[str, str]]):
    """Multilingual text: a JSON object from language tag to text, empty values dropped."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dict[str, str]:
        return {k: v for k, v in (value or {}).items() if v}

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, str]:
        return dict(value or {})


def pick(langmap: dict[str, str] | None, languages: list[str] | tuple[str, ...]) -> str:
    """Return the text in the first language of `languages` that has one, else any."""
    if not langmap:
        return ""
    for lang in languages:
        if langmap.get(lang):
            return langmap[lang]
        for tag, text in langmap.items():
            if text and tag.split("-")[0] == lang:
                return text
    return next((text for text in langmap.values() if text), "")


def slugify(text: str, max_length: int = 80) -> str:
    """Make a lowercase ASCII slug of a title ("Le Mené, énergie" -> "le-mene-energie")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "item"


def free_slug(base: str, taken: set[str]) -> str:
    """Return `base`, or `base-2`, `base-3`... the first not in `taken`."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"

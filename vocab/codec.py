"""Value codecs shared by the objects' `to_jsonld()` / `from_jsonld()`.

Each encoder has its decoder beside it, so that round trips are easy to check by reading.
Lexical forms are chosen so that every JSON-LD processor yields the same RDF literal: no
JSON floats (processors disagree on their lexical form), dates in ISO 8601.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from vocab.context import VocabError

# BCP 47 (RFC 5646) well-formedness, without the grandfathered irregular tags.
BCP47 = re.compile(
    r"^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"
    r"(?:-[A-Za-z]{4})?"
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"
    r"(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?$"
    r"|^[Xx](?:-[A-Za-z0-9]{1,8})+$"
)


class InvalidDocument(VocabError):
    """A JSON-LD document does not have the shape `from_jsonld()` reads."""


def as_list(value: Any) -> list[Any]:
    """Return `value` as a list: JSON-LD allows one value or an array for any key."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def fmt_datetime(value: datetime) -> str:
    """Write an xsd:dateTime; UTC as `Z`, which every fediverse server reads."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def parse_datetime(value: Any, key: str) -> datetime:
    """Read an xsd:dateTime written by `fmt_datetime` (or any ISO 8601 date-time)."""
    try:
        parsed = datetime.fromisoformat(_text(value, key))
    except ValueError as exc:
        raise InvalidDocument(f"{key}: {value!r} is not an ISO 8601 date-time") from exc
    if parsed.tzinfo is not None and parsed.utcoffset() == UTC.utcoffset(None):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def opt_datetime(doc: dict[str, Any], key: str) -> datetime | None:
    """Read an optional xsd:dateTime at `key`."""
    value = doc.get(key)
    return None if value is None else parse_datetime(value, key)


def fmt_date(value: date) -> str:
    """Write an xsd:date."""
    return value.isoformat()


def parse_date(value: Any, key: str) -> date:
    """Read an xsd:date (YYYY-MM-DD)."""
    try:
        return date.fromisoformat(_text(value, key))
    except ValueError as exc:
        raise InvalidDocument(f"{key}: {value!r} is not an ISO 8601 date") from exc


def opt_date(doc: dict[str, Any], key: str) -> date | None:
    """Read an optional xsd:date at `key`."""
    value = doc.get(key)
    return None if value is None else parse_date(value, key)


def fmt_decimal(value: float) -> str:
    """Write a float as a plain decimal ("45.5", "0.00001"): valid xsd:decimal and xsd:float.

    The shortest repr is exact for the float, so `float(fmt_decimal(x)) == x`.
    """
    if value != value or value in (float("inf"), float("-inf")):
        raise VocabError(f"{value!r} is not a finite coordinate")
    text = format(Decimal(repr(float(value))), "f")
    return text if "." in text else text + ".0"


def parse_float(value: Any, key: str) -> float:
    """Read a coordinate written as a decimal string (or a JSON number from elsewhere)."""
    if isinstance(value, bool):
        raise InvalidDocument(f"{key}: {value!r} is not a number")
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidDocument(f"{key}: {value!r} is not a number") from exc


def main_text(texts: dict[str, str], language: str) -> str | None:
    """Return the text in the main `language`, else the first one (plain `name` for Mastodon)."""
    if not texts:
        return None
    return texts.get(language) or next(iter(texts.values()))


def read_lang_map(doc: dict[str, Any], key: str) -> dict[str, str]:
    """Read a language map ({"fr": "...", "en": "..."}) at `key`; missing means empty."""
    value = doc.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidDocument(f"{key}: expected a language map of strings")
    return dict(value)


def read_str(doc: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    """Read a string at `key` (an IRI or a plain value)."""
    value = doc.get(key)
    if value is None:
        if required:
            raise InvalidDocument(f"{key}: missing")
        return None
    return _text(value, key)


def read_str_list(doc: dict[str, Any], key: str) -> list[str]:
    """Read one string or an array of strings at `key`."""
    return [_text(item, key) for item in as_list(doc.get(key))]


def read_iri(value: Any, key: str) -> str:
    """Read an IRI given as a string or as a node reference {"id": ...}."""
    if isinstance(value, dict):
        value = value.get("id", value.get("@id"))
    return _text(value, key)


def read_iri_list(doc: dict[str, Any], key: str) -> list[str]:
    """Read one IRI or an array of IRIs at `key`."""
    return [read_iri(item, key) for item in as_list(doc.get(key))]


def read_bool(doc: dict[str, Any], key: str, default: bool) -> bool:
    """Read a JSON boolean at `key`."""
    value = doc.get(key, default)
    if not isinstance(value, bool):
        raise InvalidDocument(f"{key}: expected true or false, got {value!r}")
    return value


def types_of(doc: dict[str, Any]) -> list[str]:
    """Return the document's types as a list of strings."""
    return [t for t in as_list(doc.get("type", doc.get("@type"))) if isinstance(t, str)]


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise InvalidDocument(f"{key}: expected a string, got {type(value).__name__}")
    return value


def host_of(iri: str) -> str:
    """Return the host (with port) of an IRI, used as a last-resort attribution name.

    The authority as written (case and port kept), or the IRI itself when it has none: a
    name to show, not a key to compare. Compare origins with `origin_of`.
    """
    return urlsplit(iri).netloc or iri


@lru_cache(maxsize=4096)  # the same actors' IRIs on every inbox request
def origin_of(iri: str) -> str:
    """Return scheme://host[:port] of an IRI, lowercased, default ports dropped."""
    parts = urlsplit(iri)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is None or (scheme, port) in {("http", 80), ("https", 443)}:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def hashtag_name(label: str, iri: str) -> str:
    """Turn a theme label into a fediverse hashtag: "#EnergyTransition".

    Mastodon accepts Unicode letters, digits and `_` in a tag; everything else is dropped
    and words are joined in CamelCase so the tag stays readable. Falls back to the IRI's
    last segment when the label has no usable character.
    """
    words = re.findall(r"\w+", unicodedata.normalize("NFC", label))
    tag = "".join(w[:1].upper() + w[1:] for w in words)
    if not any(c.isalpha() for c in tag):
        slug = iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        tag = "".join(w.capitalize() for w in re.findall(r"\w+", slug)) or "Theme"
    return "#" + tag

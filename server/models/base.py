"""Column types and helpers shared by every model."""

from __future__ import annotations

import json
import re
import time
import unicodedata
import weakref
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Self, TypeVar

import orjson
from sqlalchemy import JSON, DateTime, TypeDecorator, event
from sqlalchemy.engine import Dialect, Engine

from server.extensions import db
from server.models import clock

T = TypeVar("T")


def json_text(value: Any) -> str:
    """Serialise a JSON column's value (the engine's `json_serializer`).

    orjson does in a few microseconds what the standard library does in tens, and the
    inbox worker writes ten JSON columns per item; anything orjson refuses (keys that are
    not strings, integers beyond 64 bits) is written by the standard library as before.
    """
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


def parse_json(text: str | bytes) -> Any:
    """Read a JSON column (the engine's `json_deserializer`): orjson, else the standard
    library, which also reads what peers may send that orjson does not (a lone surrogate
    escape, integers beyond 64 bits), so an activity the inbox accepted always reads back."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC, from the clock tests may move."""
    return clock.now()


class IllegalTransition(ValueError):
    """A row was asked to move to a state its current state does not lead to."""

    def __init__(self, states: type[State], current: str | None, target: str) -> None:
        self.states, self.current, self.target = states, current, target
        shown = [None if value is None else str(value) for value in (current, target)]
        super().__init__(f"{states.__name__}: cannot move from {shown[0]!r} to {shown[1]!r}")


class State(StrEnum):
    """The states a column may hold, stored as their string values, and the moves between them.

    Each subclass lists its members and, in `TRANSITIONS` (an `enum.nonmember`), the states
    each one may move to; a key of None gives the first states of a column that starts empty.
    Staying in the same state is always allowed. Bulk UPDATEs write members directly and
    check nothing; rows changed one at a time go through `move`.
    """

    TRANSITIONS: ClassVar[Mapping[str | None, tuple[str, ...]]]

    @classmethod
    def move(cls, current: str | None, target: str) -> Self:
        """Return `target` as a member if `current` may move to it; raise IllegalTransition."""
        if target != current and target not in cls.TRANSITIONS.get(current, ()):
            raise IllegalTransition(cls, current, target)
        return cls(target)


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


class SerialisedJSON(TypeDecorator[str]):
    """A value for a JSON column that is already JSON text: written as given.

    For the inbox, which stores each activity as the peer sent it (see InboxMessage.store);
    reading the column back gives parsed JSON as usual.
    """

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


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


class ProcessCache:
    """Values read from the database, kept by this process for `ttl` seconds.

    For what every inbox request reads and admins rarely change (domain rules, known keys,
    troubled origins). Changes this process makes through the ORM to any of `models` clear
    it at once; changes made by other processes show within `ttl`. Values are kept per
    database engine, so applications with different databases in one process never mix.
    """

    def __init__(self, ttl: float, *models: type, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._stores: weakref.WeakKeyDictionary[Any, dict[Hashable, tuple[Any, float]]] = (
            weakref.WeakKeyDictionary()
        )
        for model in models:
            for name in ("after_insert", "after_update", "after_delete"):
                event.listen(model, name, self.clear)

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        """Return the cached value for `key`, calling `load()` when missing or expired."""
        store = self._stores.setdefault(db.engine, {})
        now = time.monotonic()
        hit = store.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        value = load()
        if len(store) >= self.max_entries:
            store.clear()
        store[key] = (value, now + self.ttl)
        return value

    def forget(self, key: Hashable) -> None:
        """Drop one key (in every engine's store)."""
        for store in list(self._stores.values()):
            store.pop(key, None)

    def clear(self, *_: Any) -> None:
        """Drop everything (also a mapper event listener, hence the ignored arguments)."""
        for store in list(self._stores.values()):
            store.clear()


def use_sqlite_pragmas(engine: Engine) -> None:
    """Turn on foreign keys and WAL on each new SQLite connection of `engine`, so that web
    and worker processes share the file (registered by `create_app`)."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()

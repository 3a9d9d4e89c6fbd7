"""Table rows as JSON lines, and back, for either database.

Rows are read through the models' column types, so what is written is the same whichever
database it came from: timestamps in ISO 8601 with their zone, dates as YYYY-MM-DD, JSON
columns as JSON. Reading a line back turns those strings into the values the column types
take again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Date, DateTime, Table, TypeDecorator
from sqlalchemy.types import TypeEngine

from server.extensions import db

Row = dict[str, Any]


def tables() -> list[Table]:
    """Every table of the models, parents before children (the order rows are inserted).

    The search index is not among them: it is not described by the models' metadata and
    restore rebuilds it.
    """
    return list(db.metadata.sorted_tables)


def self_references(table: Table) -> list[str]:
    """Columns of `table` that point at rows of the same table (a territory's parent)."""
    return [
        column.name
        for column in table.columns
        if any(key.column.table is table for key in column.foreign_keys)
    ]


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to a backup")


def encode(row: Row) -> bytes:
    """One row as one line of JSON."""
    try:
        return orjson.dumps(row, default=_default) + b"\n"
    except TypeError:  # integers beyond 64 bits in a peer's activity: the standard library
        return (json.dumps(row, default=_default, ensure_ascii=False) + "\n").encode()


def _base(kind: TypeEngine) -> TypeEngine:
    return kind.impl_instance if isinstance(kind, TypeDecorator) else kind


def _reader(kind: TypeEngine) -> Callable[[Any], Any] | None:
    base = _base(kind)
    if isinstance(base, DateTime):
        return datetime.fromisoformat
    if isinstance(base, Date):
        return date.fromisoformat
    return None


def decoder(table: Table) -> Callable[[bytes], Row]:
    """A function reading one line of `table` back into values its columns accept.

    Columns the archive has and the table has not are refused by the insert itself; columns
    the table has and the archive has not take their defaults.
    """
    readers = {
        column.name: reader
        for column in table.columns
        if (reader := _reader(column.type)) is not None
    }

    def decode(line: bytes) -> Row:
        row = orjson.loads(line) if len(line) < 10_000_000 else json.loads(line)
        if not isinstance(row, dict):
            raise ValueError("a row is not a JSON object")
        for name, reader in readers.items():
            value = row.get(name)
            if value is not None:
                row[name] = reader(value)
        return row

    return decode


def batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """Group rows for executemany, so memory stays flat whatever the table's size."""
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch

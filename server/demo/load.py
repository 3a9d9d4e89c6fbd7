"""Read a demo content set from its TOML data files (server/demo/data/, see its README.md).

A set is returned as the dict `seed_demo` takes: NODE, TERRITORIES, EXPERIENCES, PRINCIPLES
and RESOURCES, each entry a plain dict whose text fields are language maps {"fr": ..., "en": ...}.
A file that does not parse or lacks a key raises DemoDataError, one line naming the file.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"
SET_NAMES = ("a", "b", "c")

# Value shapes a key may take in the data files.
TEXT = "a table of strings by language"
STRING = "a string"
STRINGS = "an array of strings"
NUMBER = "a number"
DATE = "a date string (YYYY-MM-DD)"
LINKS = "an array of tables with href and an optional name"

_ITEM = {"slug": STRING, "language": STRING, "title": TEXT, "summary": TEXT}

# For each table: (its required keys, its optional keys), each with the shape of its value.
SCHEMA: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "node": ({"name": TEXT, "description": TEXT}, {}),
    "territory": (
        {"slug": STRING, "name": TEXT, "kind": STRING},
        {
            "code": STRING,
            "parent": STRING,
            "latitude": NUMBER,
            "longitude": NUMBER,
            "same_as": STRINGS,
        },
    ),
    "experience": (
        {
            **_ITEM,
            "narrative": TEXT,
            "territories": STRINGS,
            "themes": STRINGS,
            "organisations": STRINGS,
            "circumstances": TEXT,
            "lessons": TEXT,
            "limits": TEXT,
            "links": LINKS,
            "authors": STRINGS,
        },
        {"period_start": DATE, "period_end": DATE},
    ),
    "principle": (
        {
            **_ITEM,
            "explanation": TEXT,
            "derived_from": STRINGS,
            "themes": STRINGS,
            "authors": STRINGS,
        },
        {},
    ),
    "resource": (
        {
            **_ITEM,
            "description": TEXT,
            "resource_type": STRING,
            "themes": STRINGS,
            "territories": STRINGS,
            "authors": STRINGS,
        },
        {"url": STRING},
    ),
}
# Optional keys every entry carries, None when the file leaves them out (TOML has no null).
DEFAULTS: dict[str, dict[str, None]] = {"resource": {"url": None}}


class DemoDataError(ValueError):
    """A demo data file that cannot be read, or whose content does not fit SCHEMA."""


def load_set(name: str, data_dir: Path | None = None) -> dict[str, Any]:
    """Return demo content set `name` ("a", "b" or "c") as the dict `seed_demo` takes."""
    data_dir = data_dir or DATA_DIR
    folder = data_dir / name
    node_path = folder / "node.toml"
    node_file = _read(node_path)
    gazetteer_path = data_dir / "territories.toml"
    by_slug = {t["slug"]: t for t in _entries(gazetteer_path, _read(gazetteer_path), "territory")}
    slugs = node_file.get("territories", [])
    if not _fits(slugs, STRINGS):
        raise DemoDataError(f"{node_path}: 'territories' must be {STRINGS}")
    if missing := [slug for slug in slugs if slug not in by_slug]:
        raise DemoDataError(f"{node_path}: territories not in {gazetteer_path}: {missing}")
    node = node_file.get("node")
    if not isinstance(node, dict):
        raise DemoDataError(f"{node_path}: no [node] table")
    _check(node_path, "node", node, "[node]")
    content: dict[str, Any] = {"NODE": node, "TERRITORIES": [dict(by_slug[s]) for s in slugs]}
    for kind in ("experience", "principle", "resource"):
        path = folder / f"{kind}s.toml"
        content[kind.upper() + "S"] = _entries(path, _read(path), kind)
    return content


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except OSError as exc:
        raise DemoDataError(f"{path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DemoDataError(f"{path}: {exc}") from None


def _entries(path: Path, data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """Return the file's [[kind]] tables, checked against SCHEMA and with DEFAULTS filled in."""
    if unknown := sorted(set(data) - {kind}):
        raise DemoDataError(f"{path}: unexpected top-level keys {unknown} (only [[{kind}]])")
    entries = data.get(kind, [])
    if not isinstance(entries, list):
        raise DemoDataError(f"{path}: '{kind}' must be an array of tables, [[{kind}]]")
    result = []
    for number, entry in enumerate(entries, start=1):
        label = f"[[{kind}]] number {number}" + (
            f" ({entry['slug']})" if isinstance(entry.get("slug"), str) else ""
        )
        _check(path, kind, entry, label)
        missing = {key: value for key, value in DEFAULTS.get(kind, {}).items() if key not in entry}
        result.append({**entry, **missing})
    return result


def _check(path: Path, kind: str, entry: dict[str, Any], label: str) -> None:
    required, optional = SCHEMA[kind]
    if missing := [key for key in required if key not in entry]:
        raise DemoDataError(f"{path}: {label} lacks required key(s) {missing}")
    if unknown := sorted(set(entry) - set(required) - set(optional)):
        raise DemoDataError(f"{path}: {label} has unknown key(s) {unknown}")
    for key, value in entry.items():
        shape = required.get(key) or optional[key]
        if not _fits(value, shape):
            raise DemoDataError(f"{path}: {label}: '{key}' must be {shape}")


def _fits(value: Any, shape: str) -> bool:
    if shape == TEXT:
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if shape == STRING:
        return isinstance(value, str)
    if shape == STRINGS:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if shape == NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if shape == DATE:
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            return False
        return isinstance(value, str)
    return isinstance(value, list) and all(  # LINKS
        isinstance(link, dict)
        and "href" in link
        and set(link) <= {"href", "name"}
        and _fits(list(link.values()), STRINGS)
        for link in value
    )

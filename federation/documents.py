"""Reading JSON-LD values as peers send them: one value or a list, an IRI or an object."""

from __future__ import annotations

from typing import Any


def first(value: Any) -> Any:
    """Return the first element of a list, or the value itself."""
    return value[0] if isinstance(value, list) and value else value


def id_of(value: Any) -> str | None:
    """Return the IRI of a value that is an IRI or an object with an `id`, else None."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def embedded_object(activity: dict[str, Any]) -> dict[str, Any] | None:
    """The object an activity carries in full (with an id and a type), as a document that
    has the activity's context unless it has its own; None if it only names its object."""
    obj = activity.get("object")
    if not isinstance(obj, dict) or "type" not in obj or id_of(obj) is None:
        return None
    doc = dict(obj)
    doc.setdefault("@context", activity.get("@context"))
    return doc

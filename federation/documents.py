"""Reading JSON-LD values as peers send them (one value or a list, an IRI or an object), and
keeping the documents fetched before the transaction that uses them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from federation.errors import FederationError


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


class NotFetched(FederationError):
    """A document processing needed was not fetched before its transaction began.

    The worker fetches first and writes after; when a handler finds something missing (the
    group changed what it needs, such as a follow accepted earlier in it), the message is
    processed again on its own, fetched anew.
    """

    def __init__(self, url: str) -> None:
        super().__init__(f"{url} was not fetched beforehand")
        self.url = url


@dataclass
class Fetched:
    """Documents fetched before a transaction, by the URL asked for, and the failures."""

    documents: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    failures: dict[str, FederationError] = field(default_factory=dict)

    def __contains__(self, url: str) -> bool:
        return url in self.documents or url in self.failures

    def document(self, url: str) -> tuple[dict[str, Any], str]:
        """Return the document at `url` and the URL it came from; raise why it could not be
        fetched, or NotFetched if it was not asked for."""
        if url in self.documents:
            return self.documents[url]
        if url in self.failures:
            raise self.failures[url]
        raise NotFetched(url)

    def fetch(self, urls: set[str], get: Callable[[str], tuple[dict[str, Any], str]]) -> None:
        """Fetch with `get` each URL not fetched (nor failed) yet, keeping what went wrong."""
        for url in sorted(urls):
            if url in self:
                continue
            try:
                self.documents[url] = get(url)
            except FederationError as exc:
                self.failures[url] = exc

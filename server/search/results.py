"""What a search gives back: hits with their snippets, the total, the facets."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from server.models import Item
from server.search.query import Query


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet: what the request says, what a person reads, how many items."""

    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Hit:
    """One item found, with an HTML extract around what matched (everything else escaped)."""

    item: Item
    snippet: Markup


@dataclass
class Results:
    """A page of hits, how many in all, and the facets beside them."""

    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    query: Query = field(default_factory=Query)
    ignored: tuple[str, ...] = ()  # words left out of the search as too common ("le", "the")

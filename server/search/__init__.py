"""Full-text search with facets over local items and followed nodes' copies.

`Query.from_args(request.args)` reads a request (raising `SearchError` for what a person
should correct), `search(query)` gives `Results`. The index: `server.search.index`, kept
current by `server.search.listener` (registered by `create_app`).
"""

from __future__ import annotations

from server.search.engine import search
from server.search.query import Query, SearchError
from server.search.results import FacetValue, Hit, Results

__all__ = ["FacetValue", "Hit", "Query", "Results", "SearchError", "search"]

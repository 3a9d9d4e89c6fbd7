"""TEMPORARY: the search interface of ISSUE12-PLAN.md, served by the stand-in until S1's engine
replaces this package (the lead takes S1's `__init__.py` and drops `standin.py`)."""

from __future__ import annotations

from server.search.standin import FacetValue, Hit, Query, Results, SearchError, search

__all__ = ["FacetValue", "Hit", "Query", "Results", "SearchError", "search"]

"""Full-text search across cases, entities, notes and evidence text (FTS5 trigram).

`search(conn, "自殺 bridge", case_id=..., kinds=["evidence"])` returns ranked hits with
highlighted snippets; `parse_query` reads the search-box language; `snippets` renders the
match markers for a terminal or as HTML. See docs/search.md.
"""

from workbench.search.engine import (
    KINDS,
    SearchHit,
    SearchQueryTooBroad,
    SearchResults,
    fts_available,
    search,
)
from workbench.search.query import Query, SearchQueryError, parse_query

__all__ = [
    "KINDS",
    "Query",
    "SearchHit",
    "SearchQueryError",
    "SearchQueryTooBroad",
    "SearchResults",
    "fts_available",
    "parse_query",
    "search",
]

"""Global full-text search in the window: the toolbar box, the results dock, the jump."""

from ui.search.controller import SearchBox, SearchController
from ui.search.results import SearchResultsPanel

__all__ = ["SearchBox", "SearchController", "SearchResultsPanel"]

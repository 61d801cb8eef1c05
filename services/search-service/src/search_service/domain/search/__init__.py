"""Product search: the index (two backends behind one interface), its maintenance and its API."""

from search_service.domain.search._backend import SearchBackend, SearchEngine, engine_from_settings
from search_service.domain.search.controllers import SearchController
from search_service.domain.search.services import Indexer

__all__ = ["Indexer", "SearchBackend", "SearchController", "SearchEngine", "engine_from_settings"]

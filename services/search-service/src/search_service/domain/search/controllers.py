"""HTTP for search: anyone may search and ask for suggestions."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from shopkit.cache import LocalCache
from shopkit.schemas import INT64_MAX

from search_service.config import Settings
from search_service.domain.search._backend import SearchBackend
from search_service.domain.search._query import (
    MAX_LIMIT,
    MAX_QUERY_LENGTH,
    build_query,
    normalise_text,
)
from search_service.domain.search.schemas import SearchResults, Sort, Suggestions

MinorUnits = Annotated[
    int | None,
    QueryParameter(
        ge=0,
        le=INT64_MAX,
        description="Integer minor units of `currency` (cents; yen for JPY).",
    ),
]


class SearchController(Controller):
    path = "/api/search"
    tags = ["search"]

    @get("/", operation_id="searchProducts", security=[{}])
    async def search(
        self,
        search_backend: NamedDependency[SearchBackend],
        settings: NamedDependency[Settings],
        results_cache: NamedDependency[LocalCache],
        q: Annotated[str | None, QueryParameter(max_length=MAX_QUERY_LENGTH)] = None,
        category: Annotated[
            str | None, QueryParameter(description="A category slug; its subcategories match too.")
        ] = None,
        brand: Annotated[
            str | None, QueryParameter(description="An exact brand (a facet value).")
        ] = None,
        min_price: MinorUnits = None,
        max_price: MinorUnits = None,
        in_stock: Annotated[
            bool | None, QueryParameter(description="Only products (not) in stock.")
        ] = None,
        currency: Annotated[
            str | None, QueryParameter(description="EUR, USD, GBP or JPY; EUR when absent.")
        ] = None,
        sort: Annotated[
            Sort, QueryParameter(description="Newest first when there is no `q`.")
        ] = Sort.RELEVANCE,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 20,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> SearchResults:
        """Active products matching `q` (typos forgiven), filtered, sorted and faceted; prices in
        `currency`."""
        query = build_query(
            settings.search,
            q=q,
            category=category,
            brand=brand,
            min_price=min_price,
            max_price=max_price,
            in_stock=in_stock,
            currency=currency,
            sort=sort,
            limit=limit,
            offset=offset,
        )
        results: SearchResults = await results_cache.get_or_load(
            msgspec.json.encode(query), lambda: search_backend.search(query)
        )
        return results

    @get("/suggest", operation_id="suggestProducts", security=[{}])
    async def suggest(
        self,
        search_backend: NamedDependency[SearchBackend],
        settings: NamedDependency[Settings],
        results_cache: NamedDependency[LocalCache],
        q: Annotated[str, QueryParameter(max_length=MAX_QUERY_LENGTH)] = "",
    ) -> Suggestions:
        """Product names for autocomplete: prefix matches first, then close spellings."""
        text = normalise_text(q)
        limit = settings.search.suggest_limit

        async def suggest() -> Suggestions:
            return Suggestions(suggestions=await search_backend.suggest(text, limit))

        suggestions: Suggestions = await results_cache.get_or_load(("suggest", text), suggest)
        return suggestions

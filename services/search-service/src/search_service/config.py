"""This service's settings: the SDK's groups plus its own, read from the environment once.

The only module that reads the environment. Every default works for local development.
"""

from __future__ import annotations

from functools import lru_cache

import msgspec
from shopkit.config import (
    SharedSettings,
    settings_from_env,
)

from search_service import __version__

SLUG = "search-service"
DEFAULT_PORT = 3008
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/search"


DEFAULT_CURRENCIES = ("EUR", "USD", "GBP", "JPY")


class SearchSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`SEARCH_*`: what a search may ask for."""

    # The currencies a client may ask prices in (product-service resolves every supported
    # currency into each event, so the index holds them all).
    currencies: tuple[str, ...] = DEFAULT_CURRENCIES
    default_currency: str = "EUR"
    # pg_trgm word similarity a query needs to match a name it does not spell right.
    typo_threshold: float = 0.45
    suggest_limit: int = 8
    # Each process answers a repeated search from memory for this long (the gateway already
    # micro-caches anonymous searches): an index change shows within these seconds.
    results_cache_seconds: float = 2.0
    results_cache_entries: int = 1024

    def __post_init__(self) -> None:
        if self.default_currency not in self.currencies:
            raise ValueError("default_currency must be one of currencies")


class ElasticsearchSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`ELASTICSEARCH_*`: setting `ELASTICSEARCH_URL` switches the index to Elasticsearch."""

    url: str | None = None
    index: str = "shopkit-products"
    stock_index: str = "shopkit-stock"
    api_key: str | None = None
    request_timeout_seconds: float = 5.0


class ProductServiceSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`PRODUCT_SERVICE_*`: where `reindex` reads the catalog."""

    url: str = "http://127.0.0.1:3002"
    page_size: int = 100


class Settings(SharedSettings, frozen=True, kw_only=True):
    """The SDK's groups (`SharedSettings`) and this service's own."""

    search: SearchSettings = msgspec.field(default_factory=SearchSettings)
    elasticsearch: ElasticsearchSettings = msgspec.field(default_factory=ElasticsearchSettings)
    product_service: ProductServiceSettings = msgspec.field(default_factory=ProductServiceSettings)


def load_settings() -> Settings:
    return settings_from_env(
        Settings,
        service={"name": SLUG, "version": __version__, "port": DEFAULT_PORT},
        database={"url": DEFAULT_DATABASE_URL},
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

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

from product_service import __version__

SLUG = "product-service"
DEFAULT_PORT = 3002
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/product"


class CatalogSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`CATALOG_*`: how long reads are cached (Redis, and by the gateway and browsers)."""

    cache_ttl_seconds: int = 60
    cache_prefix: str = "product-service"
    local_entries: int = 512
    http_max_age_seconds: int = 30


class Settings(SharedSettings, frozen=True, kw_only=True):
    """The SDK's groups (`SharedSettings`) and this service's own."""

    catalog: CatalogSettings = msgspec.field(default_factory=CatalogSettings)


def load_settings() -> Settings:
    return settings_from_env(
        Settings,
        service={"name": SLUG, "version": __version__, "port": DEFAULT_PORT},
        database={"url": DEFAULT_DATABASE_URL},
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

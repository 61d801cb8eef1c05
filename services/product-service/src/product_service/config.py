"""This service's settings: the SDK's groups plus its own, read from the environment once.

The only module that reads the environment. Every default works for local development.
"""

from __future__ import annotations

from functools import lru_cache

import msgspec
from shopkit.config import (
    AuthSettings,
    BrokerSettings,
    DatabaseSettings,
    HttpSettings,
    RedisSettings,
    ServiceSettings,
    TelemetrySettings,
    from_env,
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


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    service: ServiceSettings
    database: DatabaseSettings
    broker: BrokerSettings
    auth: AuthSettings
    redis: RedisSettings
    http: HttpSettings
    telemetry: TelemetrySettings
    catalog: CatalogSettings = msgspec.field(default_factory=CatalogSettings)


def load_settings() -> Settings:
    return Settings(
        service=from_env(ServiceSettings, name=SLUG, version=__version__, port=DEFAULT_PORT),
        database=from_env(DatabaseSettings, url=DEFAULT_DATABASE_URL),
        broker=from_env(BrokerSettings),
        auth=from_env(AuthSettings),
        redis=from_env(RedisSettings),
        http=from_env(HttpSettings),
        telemetry=from_env(TelemetrySettings),
        catalog=from_env(CatalogSettings, prefix="CATALOG_"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

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

from inventory_service import __version__

SLUG = "inventory-service"
DEFAULT_PORT = 3006
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/inventory"


class InventorySettings(msgspec.Struct, frozen=True, kw_only=True):
    """`INVENTORY_*`: warehouses, reservation expiry, the live stock stream and demo stock."""

    default_warehouse: str = "main"
    reservation_ttl_seconds: int = 900
    max_reservation_ttl_seconds: int = 86400
    # How often each replica looks for expired reservations (they are claimed with SKIP LOCKED).
    sweep_interval_seconds: float = 5.0
    # Redis pub/sub channel every replica publishes availability changes on and listens to.
    stock_channel: str = "inventory:stock"
    stream_heartbeat_seconds: float = 15.0
    # A stream ends after this long and the browser reconnects (EventSource does so by itself):
    # connections spread over new replicas, and a replica shutting down is not held open.
    stream_max_seconds: float = 300.0
    stream_max_skus: int = 50
    seed_low_stock_threshold: int = 5

    def __post_init__(self) -> None:
        if self.reservation_ttl_seconds < 1 or self.max_reservation_ttl_seconds < 1:
            raise ValueError("reservation TTLs must be positive")
        if self.sweep_interval_seconds <= 0 or self.stream_heartbeat_seconds <= 0:
            raise ValueError("intervals must be positive")


class ProductServiceSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`PRODUCT_SERVICE_*`: where product-service's public API is (the seed reads SKUs there)."""

    base_url: str = "http://127.0.0.1:3002"


class Settings(SharedSettings, frozen=True, kw_only=True):
    """The SDK's groups (`SharedSettings`) and this service's own."""

    inventory: InventorySettings = msgspec.field(default_factory=InventorySettings)
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

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

from cart_service import __version__

SLUG = "cart-service"
DEFAULT_PORT = 3003
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/cart"
DEFAULT_PRODUCT_URL = "http://127.0.0.1:3002"
DEFAULT_INVENTORY_URL = "http://127.0.0.1:3006"


SUPPORTED_CURRENCIES = ("EUR", "USD", "GBP", "JPY")


class CartSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`CART_*`: how carts are kept in Redis."""

    # Every Redis key of this service starts with it (tests use their own).
    key_prefix: str = "cart"
    # A guest cart lives this long after its last read or write (sliding expiry).
    guest_ttl_seconds: int = 7 * 24 * 3600
    max_line_quantity: int = 99
    # Distinct SKUs per cart; product-service answers at most 100 SKUs per lookup.
    max_lines: int = 100
    default_currency: str = "EUR"
    # How long each process keeps product-service's and inventory-service's answer for a SKU
    # (domain/carts/_catalog.py); 0 reads them on every cart read or change.
    catalog_cache_seconds: float = 1.0

    def __post_init__(self) -> None:
        if self.guest_ttl_seconds < 1 or self.max_line_quantity < 1 or self.max_lines < 1:
            raise ValueError("cart limits must be positive")
        if self.catalog_cache_seconds < 0:
            raise ValueError("catalog_cache_seconds cannot be negative")
        if self.default_currency not in SUPPORTED_CURRENCIES:
            raise ValueError(f"default_currency must be one of {SUPPORTED_CURRENCIES}")


class UpstreamSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`PRODUCT_SERVICE_*` / `INVENTORY_SERVICE_*`: where a service's public API is."""

    base_url: str


class Settings(SharedSettings, frozen=True, kw_only=True):
    """The SDK's groups (`SharedSettings`) and this service's own."""

    cart: CartSettings = msgspec.field(default_factory=CartSettings)
    product_service: UpstreamSettings = msgspec.field(
        default_factory=lambda: UpstreamSettings(base_url=DEFAULT_PRODUCT_URL)
    )
    inventory_service: UpstreamSettings = msgspec.field(
        default_factory=lambda: UpstreamSettings(base_url=DEFAULT_INVENTORY_URL)
    )


def load_settings() -> Settings:
    return settings_from_env(
        Settings,
        service={"name": SLUG, "version": __version__, "port": DEFAULT_PORT},
        database={"url": DEFAULT_DATABASE_URL},
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

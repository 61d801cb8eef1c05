"""This service's settings: the SDK's groups plus its own, read from the environment once.

The only module that reads the environment. Every default works for local development.
"""

from __future__ import annotations

from functools import lru_cache

import msgspec
from shopkit.config import (
    ServiceClientSettings,
    SharedSettings,
    settings_from_env,
)

from order_service import __version__

SLUG = "order-service"
DEFAULT_PORT = 3004
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/order"


class OrderSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`ORDER_*`: how long a checkout may wait for stock and payment, and how often to look."""

    # An order still pending or awaiting payment this long after it was placed is cancelled
    # (reason `timeout`); inventory is asked to hold the reservation exactly as long.
    payment_timeout_seconds: int = 900
    # How often each replica looks for timed-out orders (claimed with SKIP LOCKED).
    sweep_interval_seconds: float = 5.0
    # The longest `GET /api/orders/{id}` holds an answer for `Prefer: wait=N` (the order page
    # waiting for its next status); below the gateway's and clients' read timeouts.
    wait_max_seconds: float = 20.0

    def __post_init__(self) -> None:
        if self.payment_timeout_seconds < 1 or self.sweep_interval_seconds <= 0:
            raise ValueError("the payment timeout and the sweep interval must be positive")
        if not 0 <= self.wait_max_seconds <= 55:
            raise ValueError(
                "ORDER_WAIT_MAX_SECONDS must be between 0 and 55 (the gateway waits 60)"
            )


class ReconciliationSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`RECONCILIATION_*`: how often orders are compared with payments and reservations
    (domain/reconciliation), and over which window."""

    # One run per interval across all replicas (they share an advisory lock).
    interval_seconds: float = 60.0
    # Changes younger than this are left to the events still on their way (delivered in
    # milliseconds, or within the outbox relay's 2 s back-off). Every repair is idempotent, so
    # an event that arrives after its repair changes nothing; the grace only keeps findings
    # to what was really lost (or held up longer than this, as in a broker outage).
    grace_seconds: float = 15.0
    # Each run starts this much before where the last one stopped.
    overlap_seconds: float = 120.0
    # The first run (or the first after a long outage) looks back this far at most.
    lookback_seconds: float = 86400.0
    enabled: bool = True

    def __post_init__(self) -> None:
        if min(self.interval_seconds, self.lookback_seconds) <= 0:
            raise ValueError("the reconciliation's interval and lookback must be positive")
        if min(self.grace_seconds, self.overlap_seconds) < 0:
            raise ValueError("the reconciliation's grace and overlap cannot be negative")


class AdmissionSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`ADMISSION_*`: checkout admission in a rush (domain/orders/_admission.py)."""

    # Where the units claimed by checkouts in flight are counted, one Redis key per SKU.
    prefix: str = "order-service:admission"
    # A claim whose reservation answer never arrives lapses after this long.
    hold_seconds: float = 30.0
    # What a shopper told `checkout-busy` is asked to wait before trying again.
    retry_after_seconds: int = 3
    # How long a claim outlives its reservation's answer: longer than the availability a cart
    # carries may be old (cart-service's CART_CATALOG_CACHE_SECONDS, 1 s).
    settle_seconds: float = 2.0

    def __post_init__(self) -> None:
        if self.hold_seconds <= 0 or self.retry_after_seconds < 1 or self.settle_seconds < 0:
            raise ValueError("the hold and the retry delay must be positive")


class UpstreamSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`<NAME>_SERVICE_BASE_URL`: where another service's public API is."""

    base_url: str


class Settings(SharedSettings, frozen=True, kw_only=True):
    """The SDK's groups (`SharedSettings`) and this service's own."""

    # How order-service proves who it is to user-service, for the service token it creates
    # payments with (`SERVICE_CLIENT_*`).
    service_client: ServiceClientSettings = msgspec.field(default_factory=ServiceClientSettings)
    order: OrderSettings = msgspec.field(default_factory=OrderSettings)
    admission: AdmissionSettings = msgspec.field(default_factory=AdmissionSettings)
    reconciliation: ReconciliationSettings = msgspec.field(default_factory=ReconciliationSettings)
    cart_service: UpstreamSettings = UpstreamSettings(base_url="http://127.0.0.1:3003")
    product_service: UpstreamSettings = UpstreamSettings(base_url="http://127.0.0.1:3002")
    payment_service: UpstreamSettings = UpstreamSettings(base_url="http://127.0.0.1:3005")
    inventory_service: UpstreamSettings = UpstreamSettings(base_url="http://127.0.0.1:3006")


def load_settings() -> Settings:
    return settings_from_env(
        Settings,
        service={"name": SLUG, "version": __version__, "port": DEFAULT_PORT},
        database={"url": DEFAULT_DATABASE_URL},
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

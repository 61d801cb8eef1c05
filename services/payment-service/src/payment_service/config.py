"""This service's settings: the SDK's groups, read from the environment once.

The only module that reads the environment. Every default works for local development.
"""

from __future__ import annotations

from functools import lru_cache

import msgspec
from shopkit.config import (
    SharedSettings,
    settings_from_env,
)

from payment_service import __version__

SLUG = "payment-service"
DEFAULT_PORT = 3005
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/payment"


SUPPORTED_CURRENCIES = ("EUR", "USD", "GBP", "JPY")


class StripeSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`STRIPE_*`: Stripe is used when `STRIPE_API_KEY` is set; otherwise the built-in sandbox.

    `api_base` points the official client elsewhere (a local stand-in in tests); the webhook
    secret (`whsec_...`) verifies `POST /api/payments/webhooks/stripe`.
    """

    api_key: str = ""
    api_base: str = "https://api.stripe.com"
    webhook_secret: str = ""
    webhook_tolerance_seconds: int = 300
    timeout_seconds: float = 10.0
    max_network_retries: int = 2

    @property
    def enabled(self) -> bool:
        return bool(self.api_key)


class ReconciliationSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`RECONCILIATION_*`: how often the payments still open are compared with the payment
    provider (domain/payments/_provider_check.py)."""

    interval_seconds: float = 60.0
    # A payment open this long is asked about (a webhook arrives in seconds).
    stale_seconds: float = 300.0
    # Payments last changed longer ago than this are no longer asked about.
    lookback_seconds: float = 86400.0
    enabled: bool = True

    def __post_init__(self) -> None:
        if min(self.interval_seconds, self.stale_seconds, self.lookback_seconds) <= 0:
            raise ValueError(
                "the reconciliation's interval, staleness and lookback must be positive"
            )


class Settings(SharedSettings, frozen=True, kw_only=True):
    """The SDK's groups (`SharedSettings`) and this service's own."""

    stripe: StripeSettings = msgspec.field(default_factory=StripeSettings)
    reconciliation: ReconciliationSettings = msgspec.field(default_factory=ReconciliationSettings)


def load_settings() -> Settings:
    return settings_from_env(
        Settings,
        service={"name": SLUG, "version": __version__, "port": DEFAULT_PORT},
        database={"url": DEFAULT_DATABASE_URL},
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

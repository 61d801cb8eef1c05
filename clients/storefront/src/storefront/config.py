"""The storefront's settings, read from the environment once.

The only module that reads the environment. Every default works for local development.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import msgspec
from shopkit.config import ServiceSettings, TelemetrySettings, from_env

from storefront import __version__

SLUG = "storefront"
DEFAULT_PORT = 3000
DEV_SESSION_SECRET = "storefront-development-only-secret"


class GatewaySettings(msgspec.Struct, frozen=True, kw_only=True):
    """`GATEWAY_*`: the public API, called server-side (the browser calls it same-origin)."""

    url: str = "http://127.0.0.1:8080"
    # Short: a shopper would rather see a friendly error than wait for a stuck service.
    timeout_seconds: float = 3.0
    connect_timeout_seconds: float = 1.0
    # Cart and order writes may wait in the gateway's checkout queue in a rush (up to its
    # GATEWAY_BURST_CHECKOUT / GATEWAY_RATE_CHECKOUT, 10 s by default): the shopper is in line,
    # and giving up early would leave a write the gateway still passes on.
    write_timeout_seconds: float = 15.0


class StorefrontSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`STOREFRONT_*`: the session cookie and the shop's defaults."""

    session_secret: str = DEV_SESSION_SECRET
    session_cookie: str = "storefront_session"
    # True when served over HTTPS (production); local development is plain HTTP.
    cookie_secure: bool = False
    session_max_age_seconds: int = 30 * 24 * 3600
    default_currency: str = "EUR"
    page_size: int = 12

    @property
    def session_key(self) -> bytes:
        """The 32-byte AES-GCM key of the session cookie, derived from a secret of any length."""
        return hashlib.sha256(self.session_secret.encode()).digest()


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    service: ServiceSettings
    gateway: GatewaySettings
    storefront: StorefrontSettings
    telemetry: TelemetrySettings


def load_settings() -> Settings:
    return Settings(
        service=from_env(ServiceSettings, name=SLUG, version=__version__, port=DEFAULT_PORT),
        gateway=from_env(GatewaySettings, prefix="GATEWAY_"),
        storefront=from_env(StorefrontSettings, prefix="STOREFRONT_"),
        telemetry=from_env(TelemetrySettings),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

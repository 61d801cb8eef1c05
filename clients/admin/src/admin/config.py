"""The admin app's settings, read from the environment once; the only module that reads it.

Every default works for local development (`make up`): the gateway on :8080, the app on :3009.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import msgspec
from shopkit.config import HttpSettings, ServiceSettings, TelemetrySettings, from_env

from admin import __version__

SLUG = "admin"
DEFAULT_PORT = 3009
DEFAULT_GATEWAY_URL = "http://127.0.0.1:8080"
# Development only: anyone who knows it can forge a session. Set ADMIN_SESSION_SECRET elsewhere.
DEV_SESSION_SECRET = "shopkit-admin-dev-session-secret"


class GatewaySettings(msgspec.Struct, frozen=True, kw_only=True):
    """`GATEWAY_*`: where the public API is; the app talks to the services only through it."""

    url: str = DEFAULT_GATEWAY_URL


class AdminSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`ADMIN_*`: the session cookie and what the dashboard shows."""

    session_secret: str = DEV_SESSION_SECRET
    # Send the cookie over HTTPS only; set true wherever the admin is served over TLS.
    session_secure: bool = False
    # Idle sessions end after this long (the refresh token usually ends sooner).
    session_max_age_seconds: int = 8 * 3600
    # The dashboard lists SKUs whose availability is at or below this number.
    low_stock_threshold: int = 5
    # The services whose dead letters the admin shows (`/api/ops/<slug>/dead-letters`); `make
    # up` passes the registry's (platform/services.toml).
    ops_services: tuple[str, ...] = (
        "user-service",
        "product-service",
        "inventory-service",
        "search-service",
        "cart-service",
        "order-service",
        "payment-service",
        "notification-service",
    )

    def __post_init__(self) -> None:
        if len(self.session_secret) < 16:
            raise ValueError("ADMIN_SESSION_SECRET must be at least 16 characters")
        if self.low_stock_threshold < 0:
            raise ValueError("ADMIN_LOW_STOCK_THRESHOLD must not be negative")

    @property
    def session_key(self) -> bytes:
        """The 32-byte AES-GCM key of the cookie session, derived from the secret."""
        return hashlib.sha256(self.session_secret.encode()).digest()


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    service: ServiceSettings
    gateway: GatewaySettings
    admin: AdminSettings
    http: HttpSettings
    telemetry: TelemetrySettings


def load_settings() -> Settings:
    return Settings(
        service=from_env(ServiceSettings, name=SLUG, version=__version__, port=DEFAULT_PORT),
        gateway=from_env(GatewaySettings, prefix="GATEWAY_"),
        admin=from_env(AdminSettings, prefix="ADMIN_"),
        # One retry at most: a person is waiting for the page.
        http=from_env(HttpSettings, retries=1, timeout_seconds=10.0),
        telemetry=from_env(TelemetrySettings),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

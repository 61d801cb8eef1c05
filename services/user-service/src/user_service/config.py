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

from user_service import __version__

SLUG = "user-service"
DEFAULT_PORT = 3001
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/user"


class IdentitySettings(msgspec.Struct, frozen=True, kw_only=True):
    """`IDENTITY_*`: token lifetimes, signing keys, password hashing and the login rate limit."""

    access_token_ttl_seconds: int = 900
    refresh_token_ttl_days: int = 30
    password_reset_ttl_seconds: int = 1800
    # A retired signing key stays published this long: it must outlive every token it signed.
    key_grace_seconds: int = 3600
    # How long this process trusts its cached view of the key table when verifying tokens.
    key_cache_seconds: int = 60
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 30
    login_window_seconds: int = 900
    rate_limit_key_prefix: str = "user-service:login"
    # The gateway appends the peer to X-Forwarded-For; only trust it behind the gateway.
    trust_forwarded_for: bool = True

    def __post_init__(self) -> None:
        if self.access_token_ttl_seconds < 1:
            raise ValueError("access_token_ttl_seconds must be positive")
        if self.key_grace_seconds <= self.access_token_ttl_seconds:
            raise ValueError(
                "key_grace_seconds must be longer than access_token_ttl_seconds, or tokens"
                " signed just before a rotation would stop verifying before they expire"
            )


class DemoSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`DEMO_*`: the accounts `user-service seed` creates for local development."""

    admin_email: str = "admin@shopkit.local"
    admin_password: str = "shopkit-admin-2026"
    shopper_email: str = "shopper@shopkit.local"
    shopper_password: str = "shopkit-shopper-2026"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    service: ServiceSettings
    database: DatabaseSettings
    broker: BrokerSettings
    auth: AuthSettings
    redis: RedisSettings
    http: HttpSettings
    telemetry: TelemetrySettings
    identity: IdentitySettings = msgspec.field(default_factory=IdentitySettings)
    demo: DemoSettings = msgspec.field(default_factory=DemoSettings)


def load_settings() -> Settings:
    return Settings(
        service=from_env(ServiceSettings, name=SLUG, version=__version__, port=DEFAULT_PORT),
        database=from_env(DatabaseSettings, url=DEFAULT_DATABASE_URL),
        broker=from_env(BrokerSettings),
        auth=from_env(AuthSettings),
        redis=from_env(RedisSettings),
        http=from_env(HttpSettings),
        telemetry=from_env(TelemetrySettings),
        identity=from_env(IdentitySettings, prefix="IDENTITY_"),
        demo=from_env(DemoSettings, prefix="DEMO_"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

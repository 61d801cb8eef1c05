"""This service's settings: the SDK's groups plus its own, read from the environment once.

The only module that reads the environment. Every default works for local development.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Annotated

import msgspec
from shopkit.auth import dev_client_secret
from shopkit.config import (
    SharedSettings,
    settings_from_env,
)

from user_service import __version__

SLUG = "user-service"
DEFAULT_PORT = 3001
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/user"
DEVELOPMENT = "development"

SecretHash = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]
# RFC 6749 3.3 scope-token: printable ASCII except space, '"' and '\\'.
ScopeName = Annotated[str, msgspec.Meta(pattern=r"^[\x21\x23-\x5b\x5d-\x7e]{1,64}$")]
ClientId = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]


class ServiceClient(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A service allowed the client-credentials grant: SHA-256 hex digests of its secrets
    (several while one is rotated) and the scopes it may ask for."""

    secrets: Annotated[list[SecretHash], msgspec.Meta(min_length=1)]
    scopes: list[ScopeName]


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_service_clients(raw: str) -> dict[str, ServiceClient]:
    """`IDENTITY_SERVICE_CLIENTS`; a malformed value raises naming what is wrong."""
    return msgspec.json.decode(raw, type=dict[ClientId, ServiceClient])


# Development only: what `make up` needs with no configuration (the SDK's default secret).
DEV_SERVICE_CLIENTS = {
    "order-service": ServiceClient(
        secrets=[secret_hash(dev_client_secret("order-service"))],
        # Checkout creates payments; the reconciliation reads them.
        scopes=["payments:create", "payments:read"],
    ),
}


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
    # Credential guessing (login and the client-credentials grant): attempts back to back
    # before a back-off, per (account, address), per account and per address; the back-off
    # doubles from the base up to its cap. See domain/auth/_ratelimit.py for the policy.
    login_free_failures_per_address: int = 3
    login_free_failures_per_account: int = 10
    login_free_failures_per_ip: int = 30
    login_backoff_base_seconds: float = 1.0
    login_backoff_max_seconds: int = 120
    login_account_backoff_max_seconds: int = 30
    # Counts are forgotten after this long without a new attempt.
    login_window_seconds: int = 900
    password_reset_max_per_account: int = 3
    password_reset_max_per_ip: int = 10
    password_reset_window_seconds: int = 900
    rate_limit_key_prefix: str = "user-service:login"
    # Lifetime of the tokens the client-credentials grant issues to services.
    service_token_ttl_seconds: int = 300
    # JSON: {"<client id>": {"secrets": ["<sha256 hex of a secret>", ...], "scopes": [...]}}.
    # Unset: in development, order-service with its development secret; elsewhere, nobody.
    service_clients: str | None = None
    # The gateway appends the peer to X-Forwarded-For; only trust it behind the gateway.
    trust_forwarded_for: bool = True

    def __post_init__(self) -> None:
        if self.access_token_ttl_seconds < 1:
            raise ValueError("access_token_ttl_seconds must be positive")
        if not 1 <= self.service_token_ttl_seconds <= self.access_token_ttl_seconds:
            raise ValueError(
                "service_token_ttl_seconds must be positive and no longer than"
                " access_token_ttl_seconds"
            )
        if self.login_backoff_base_seconds < 0.001:
            raise ValueError("login_backoff_base_seconds must be at least a millisecond")
        if self.service_clients is not None:
            parse_service_clients(self.service_clients)  # a bad value stops start-up
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


class Settings(SharedSettings, frozen=True, kw_only=True):
    """The SDK's groups (`SharedSettings`) and this service's own."""

    identity: IdentitySettings = msgspec.field(default_factory=IdentitySettings)
    demo: DemoSettings = msgspec.field(default_factory=DemoSettings)

    def __post_init__(self) -> None:
        if self.service.environment != DEVELOPMENT:
            for client_id, client in self.service_clients.items():
                if secret_hash(dev_client_secret(client_id)) in client.secrets:
                    raise ValueError(
                        f"IDENTITY_SERVICE_CLIENTS accepts the development secret of {client_id}"
                        f" in the {self.service.environment!r} environment"
                    )

    @property
    def service_clients(self) -> dict[str, ServiceClient]:
        """The registered clients; the development defaults only in development."""
        raw = self.identity.service_clients
        if raw is not None:
            return parse_service_clients(raw)
        return dict(DEV_SERVICE_CLIENTS) if self.service.environment == DEVELOPMENT else {}


def load_settings() -> Settings:
    return settings_from_env(
        Settings,
        service={"name": SLUG, "version": __version__, "port": DEFAULT_PORT},
        database={"url": DEFAULT_DATABASE_URL},
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

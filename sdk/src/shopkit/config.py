"""Typed settings read from the environment, one prefix per group (12-factor).

Every default points at a local development setup, so `make up` needs no configuration.
A service composes these groups in its own `config.py`, which is the only place that reads
the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, TypeVar

import msgspec

__all__ = [
    "AuthSettings",
    "BrokerSettings",
    "DatabaseSettings",
    "HttpSettings",
    "RedisSettings",
    "ServiceClientSettings",
    "ServiceSettings",
    "SharedSettings",
    "TelemetrySettings",
    "from_env",
    "settings_from_env",
]

S = TypeVar("S", bound=msgspec.Struct)

LOCAL_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432"


class ServiceSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`SERVICE_*`: who this process is and where it listens."""

    name: str
    version: str = "0.0.0"
    host: str = "127.0.0.1"
    port: int = 8000
    environment: str = "development"
    log_level: str = "INFO"
    log_json: bool = True
    workers: int = 1
    # A worker whose parent process died goes on serving this long while whatever runs the
    # service starts it again, then stops (the runner may stop it sooner, once the new one is up).
    orphan_grace_seconds: float = 30.0
    public_url: str = "http://localhost:8080"
    cors_origins: tuple[str, ...] = ("http://localhost:8080",)

    @property
    def debug(self) -> bool:
        return self.environment == "development"


class DatabaseSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`DATABASE_*`: the service's own PostgreSQL database."""

    url: str = f"{LOCAL_POSTGRES}/postgres"
    pool_size: int = 10
    max_overflow: int = 10
    # A request waits this long for a free connection, then is answered 503 (Retry-After).
    pool_timeout_seconds: float = 10.0
    echo: bool = False


class RedisSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`REDIS_*`: a busy process waits up to `pool_timeout_seconds` for one of its
    `max_connections` instead of failing the request (redis-py's default pool refuses at 100)."""

    url: str = "redis://127.0.0.1:6379/0"
    max_connections: int = 64
    pool_timeout_seconds: float = 5.0
    reconnect_attempts: int = 2  # a command on a dead connection is sent again on a new one


class BrokerSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`BROKER_*`: the event broker. The URL scheme picks the transport (amqp by default)."""

    url: str = "amqp://guest:guest@127.0.0.1:5672/"
    exchange: str = "shopkit.events"
    # Prepended to every consumer queue name; tests set one so they never share a queue with
    # a service running on the same broker.
    queue_prefix: str = ""
    # RabbitMQ deletes a consumer's queues after this long unused (`x-expires`); unset in
    # production, set by tests so their queues do not pile up.
    queue_expires_ms: int | None = None
    max_retries: int = 5
    retry_base_delay_ms: int = 200
    outbox_poll_interval_ms: int = 500
    # While polls find nothing to relay, the wait between them doubles up to this (a commit in
    # the same process still wakes the relay at once).
    outbox_idle_poll_interval_ms: int = 4000
    # While the broker cannot be reached the relay's wait between attempts doubles up to this:
    # once RabbitMQ is back, held events go out within about this long.
    outbox_max_backoff_ms: int = 2000
    # How often a lost broker connection is tried again (consumers and publishers resume then).
    reconnect_interval_ms: int = 1000


class AuthSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`AUTH_*`: how access tokens are verified (the user service's JWKS)."""

    jwks_url: str = "http://127.0.0.1:3001/api/auth/.well-known/jwks.json"
    issuer: str = "shopkit"
    audience: str = "shopkit"
    jwks_cache_seconds: int = 300
    leeway_seconds: int = 5


class ServiceClientSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`SERVICE_CLIENT_*`: how this service proves who it is to user-service (OAuth2 client
    credentials) to get short-lived, scoped service tokens.

    `id` defaults to the service's slug and `secret`, in development only, to
    `shopkit.auth.dev_client_secret(slug)`; anywhere else a missing secret stops start-up.
    """

    id: str = ""
    secret: str = ""
    token_url: str = "http://127.0.0.1:3001/api/auth/token"

    def __repr__(self) -> str:
        return f"ServiceClientSettings(id={self.id!r}, token_url={self.token_url!r})"


class TelemetrySettings(msgspec.Struct, frozen=True, kw_only=True):
    """`OTEL_*` (the standard names): traces are exported only when an endpoint is set."""

    exporter_otlp_endpoint: str | None = None
    traces_sampler_arg: float = 0.1


class HttpSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`HTTP_CLIENT_*`: defaults for outgoing calls to other services."""

    timeout_seconds: float = 5.0
    # Connecting takes a healthy peer milliseconds: a shorter bound fails over sooner (None:
    # `timeout_seconds`).
    connect_timeout_seconds: float | None = None
    retries: int = 2
    breaker_failure_threshold: int = 5
    # How long an open breaker fails fast before it lets one probe through: short, so a
    # dependency that is back (a restart, a burst of load that passed) is used again within
    # seconds; a probe every 5 s per process is no load on one that is still away.
    breaker_reset_seconds: float = 5.0


_PREFIXES: dict[type[Any], str] = {
    ServiceSettings: "SERVICE_",
    DatabaseSettings: "DATABASE_",
    RedisSettings: "REDIS_",
    BrokerSettings: "BROKER_",
    AuthSettings: "AUTH_",
    TelemetrySettings: "OTEL_",
    HttpSettings: "HTTP_CLIENT_",
    ServiceClientSettings: "SERVICE_CLIENT_",
}


def _coerce(raw: str, field_type: Any) -> Any:
    """Turn an environment string into what msgspec can convert (tuples are comma lists)."""
    text = str(field_type)
    if "tuple" in text or "list" in text:
        return [part.strip() for part in raw.split(",") if part.strip()]
    if raw.lower() in {"true", "false"} and "bool" in text:
        return raw.lower() == "true"
    return raw


def from_env(
    settings_type: type[S],
    *,
    prefix: str | None = None,
    environ: Mapping[str, str] | None = None,
    **defaults: Any,
) -> S:
    """Build `settings_type` from `PREFIX_FIELD` variables; `defaults` fill what is unset.

    Bad values raise `msgspec.ValidationError` naming the field, at start-up, not later.
    """
    prefix = prefix if prefix is not None else _PREFIXES.get(settings_type, "")
    return _read(settings_type, prefix, os.environ if environ is None else environ, defaults)


def _read(settings_type: type[S], prefix: str, env: Mapping[str, str], defaults: Any) -> S:
    values: dict[str, Any] = dict(defaults)
    for field in msgspec.structs.fields(settings_type):
        key = f"{prefix}{field.name}".upper()
        if key in env:
            values[field.name] = _coerce(env[key], field.type)
    return msgspec.convert(values, settings_type, strict=False)


class SharedSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The groups every service has. A service's `Settings` subclasses it and lists only its
    own groups; `settings_from_env` reads them all."""

    service: ServiceSettings
    database: DatabaseSettings
    broker: BrokerSettings
    auth: AuthSettings
    redis: RedisSettings
    http: HttpSettings
    telemetry: TelemetrySettings


def settings_from_env(
    settings_type: type[S],
    *,
    environ: Mapping[str, str] | None = None,
    **defaults: Mapping[str, Any],
) -> S:
    """Every group (Struct field) of `settings_type`, each read by `from_env`: the SDK's groups
    under their own prefixes (`SERVICE_`, `DATABASE_`, `OTEL_`, ...), any other group under its
    field's name (`order` -> `ORDER_`, `cart_service` -> `CART_SERVICE_`). What the environment
    leaves unset comes from `defaults[<field>]` (the service's name, version and port, its
    database URL), else from the field's own default.

        settings_from_env(
            Settings,
            service={"name": SLUG, "version": __version__, "port": DEFAULT_PORT},
            database={"url": DEFAULT_DATABASE_URL},
        )
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for field in msgspec.structs.fields(settings_type):
        group = field.type
        if not (isinstance(group, type) and issubclass(group, msgspec.Struct)):
            raise TypeError(f"{settings_type.__name__}.{field.name} is not a settings group")
        base: dict[str, Any] = {}
        if field.default is not msgspec.NODEFAULT:
            base = msgspec.structs.asdict(field.default)
        elif field.default_factory is not msgspec.NODEFAULT:
            base = msgspec.structs.asdict(field.default_factory())
        base.update(defaults.get(field.name, {}))
        prefix = _PREFIXES.get(group, f"{field.name.upper()}_")
        values[field.name] = _read(group, prefix, env, base)
    return settings_type(**values)


@lru_cache(maxsize=32)
def cached(settings_type: type[S], **defaults: Any) -> S:
    """`from_env` once per process: settings are read once and then shared."""
    return from_env(settings_type, **defaults)

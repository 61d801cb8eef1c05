"""The pytest plugin every service loads: `pytest_plugins = ["shopkit.testing.plugin"]`.

It registers the shared fixtures, so no service copies them:
- `database_url` (a real, empty PostgreSQL database per test session), `redis_url`;
- `broker_settings` (the local RabbitMQ with an exchange of this session's own),
  `rabbit_broker`, `event_collector`;
- `signing_key`, `jwks_server` (a real HTTP server serving the JWKS), `auth_settings`,
  `token_factory` (access tokens those settings accept).
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

from shopkit.testing._auth import (
    auth_env,
    auth_settings,
    jwks_server,
    signing_key,
    token_factory,
)
from shopkit.testing._broker import broker_settings, event_collector, rabbit_broker
from shopkit.testing._database import database_url, redis_url

__all__ = [
    "auth_env",
    "auth_settings",
    "broker_settings",
    "database_url",
    "event_collector",
    "jwks_server",
    "rabbit_broker",
    "redis_url",
    "signing_key",
    "token_factory",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "shopkit_database_prefix",
        "Prefix of the per-session test database's name (the service slug).",
        default="shopkit",
    )

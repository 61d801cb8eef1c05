"""The pytest plugin every service loads: `pytest_plugins = ["shopkit.testing.plugin"]`.

It registers the shared fixtures (a real database per test session, the real broker, a JWKS
server with a token factory) so no service copies them.
"""

from __future__ import annotations

import os

import pytest

from shopkit.testing._database import database_url, redis_url

os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

__all__ = ["database_url", "redis_url"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "shopkit_database_prefix",
        "Prefix of the per-session test database's name (the service slug).",
        default="shopkit",
    )

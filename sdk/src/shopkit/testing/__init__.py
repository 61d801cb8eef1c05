"""Test support shared by every service (load the fixtures with `shopkit.testing.plugin`)."""

from shopkit.testing._auth import TokenFactory
from shopkit.testing._broker import CollectorFactory, EventCollector, ReceivedEvent
from shopkit.testing._client import client_for
from shopkit.testing._database import fresh_database_url, migrate, postgres_server_url
from shopkit.testing._fuzz import (
    FUZZ_EXAMPLES_ENV,
    AuthViolation,
    FuzzFailure,
    FuzzReport,
    callers_for,
    fuzz_api,
    walk_authorization,
)
from shopkit.testing._pact import (
    find_pact_dir,
    free_port,
    pact_files_for,
    pact_mock_server,
    serve_app,
    verify_pacts,
)

__all__ = [
    "FUZZ_EXAMPLES_ENV",
    "AuthViolation",
    "CollectorFactory",
    "EventCollector",
    "FuzzFailure",
    "FuzzReport",
    "ReceivedEvent",
    "TokenFactory",
    "callers_for",
    "client_for",
    "find_pact_dir",
    "free_port",
    "fresh_database_url",
    "fuzz_api",
    "migrate",
    "pact_files_for",
    "pact_mock_server",
    "postgres_server_url",
    "serve_app",
    "verify_pacts",
    "walk_authorization",
]

"""Test support shared by every service (load the fixtures with `shopkit.testing.plugin`).

The API fuzz (`fuzz_api`, `walk_authorization`, ...) is imported on first use: it needs
schemathesis, which a project that only uses the pact or database helpers does not install.
"""

from typing import TYPE_CHECKING, Any

from shopkit.testing._auth import TokenFactory
from shopkit.testing._broker import CollectorFactory, EventCollector, ReceivedEvent
from shopkit.testing._client import client_for
from shopkit.testing._database import fresh_database_url, migrate, postgres_server_url
from shopkit.testing._pact import (
    event_envelope,
    find_pact_dir,
    free_port,
    message_pact,
    pact_files_for,
    pact_mock_server,
    serve_app,
    verify_pacts,
)
from shopkit.testing._pages import csp_blocked

if TYPE_CHECKING:
    from shopkit.testing._fuzz import (
        FUZZ_EXAMPLES_ENV,
        AuthViolation,
        FuzzFailure,
        FuzzReport,
        callers_for,
        fuzz_api,
        walk_authorization,
    )

_FUZZ_NAMES = frozenset(
    {
        "FUZZ_EXAMPLES_ENV",
        "AuthViolation",
        "FuzzFailure",
        "FuzzReport",
        "callers_for",
        "fuzz_api",
        "message_pact",
        "walk_authorization",
    }
)


def __getattr__(name: str) -> Any:
    if name in _FUZZ_NAMES:
        from shopkit.testing import _fuzz

        return getattr(_fuzz, name)
    raise AttributeError(f"module 'shopkit.testing' has no attribute {name!r}")


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
    "csp_blocked",
    "event_envelope",
    "find_pact_dir",
    "free_port",
    "fresh_database_url",
    "fuzz_api",
    "message_pact",
    "migrate",
    "pact_files_for",
    "pact_mock_server",
    "postgres_server_url",
    "serve_app",
    "verify_pacts",
    "walk_authorization",
]

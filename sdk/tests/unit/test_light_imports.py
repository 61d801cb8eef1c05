"""The modules the web apps use (context, config, money, errors, http, telemetry, health) load
without the broker, the cache client, the database driver or the migration tool: each web-app
process would otherwise carry them (about 10 MB of memory each, measured on `make up`)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit

WEB_APP_MODULES = (
    "shopkit.context",
    "shopkit.config",
    "shopkit.money",
    "shopkit.errors",
    "shopkit.http",
    "shopkit.telemetry",
    "shopkit.health",
)
HEAVY = ("redis", "asyncpg", "alembic", "faststream", "aio_pika")


def test_the_web_apps_modules_load_without_broker_cache_driver_or_migrations() -> None:
    script = (
        "import sys\n"
        f"for name in {WEB_APP_MODULES!r}: __import__(name)\n"
        f"print(','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "", f"loaded by the web apps' SDK modules: {loaded}"


def test_the_request_id_middleware_is_still_where_services_import_it() -> None:
    from shopkit.app import request_id_middleware as from_app
    from shopkit.context import request_id_middleware

    assert from_app is request_id_middleware

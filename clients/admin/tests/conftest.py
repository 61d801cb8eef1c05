"""The app in-process, pointed at a gateway that is not there (a closed local port).

These tests never need the shop: what needs it (logging in, every page with real data) is
proven by the lead's browser tests against the running shop.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from shopkit.config import HttpSettings, ServiceSettings, TelemetrySettings
from shopkit.testing import csp_blocked as find_csp_blocked

from admin.app import create_app
from admin.config import AdminSettings, GatewaySettings, Settings
from admin.session import session_config


def closed_port() -> int:
    """A port nothing listens on: bound once to get a free number, then released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def settings() -> Settings:
    return Settings(
        service=ServiceSettings(name="admin", version="test", log_json=False),
        gateway=GatewaySettings(url=f"http://127.0.0.1:{closed_port()}"),
        admin=AdminSettings(session_secret="test-session-secret-0123456789"),
        http=HttpSettings(timeout_seconds=2.0, retries=0),
        telemetry=TelemetrySettings(),
    )


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
def client(app: Litestar, settings: Settings) -> Iterator[TestClient[Litestar]]:
    with TestClient(
        app, base_url="http://testserver.local", session_config=session_config(settings.admin)
    ) as client:
        yield client


@pytest.fixture(scope="session")
def csp_blocked() -> Callable[[str], list[str]]:
    """What on a page the gateway's CSP would block."""
    return find_csp_blocked


@pytest.fixture(scope="session")
def assert_csp_clean() -> Callable[[str], None]:
    """Fails when a page has anything the gateway's CSP blocks (a cheap regression guard; the
    browser tests check the real header)."""

    def check(html: str) -> None:
        assert "<html" in html
        assert find_csp_blocked(html) == []

    return check

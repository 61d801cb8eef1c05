"""Settings for every test: the environment is set before the app is imported."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

import pytest
from shopkit.testing import csp_blocked as find_csp_blocked


def _closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


os.environ.setdefault("SERVICE_LOG_JSON", "false")
os.environ["GATEWAY_URL"] = f"http://127.0.0.1:{_closed_port()}"
os.environ.setdefault("STOREFRONT_SESSION_SECRET", "test-secret")


@pytest.fixture(scope="session")
def closed_gateway_url() -> str:
    return os.environ["GATEWAY_URL"]


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

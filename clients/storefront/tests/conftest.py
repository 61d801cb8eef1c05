"""Settings for every test: the environment is set before the app is imported."""

from __future__ import annotations

import os
import socket

import pytest


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

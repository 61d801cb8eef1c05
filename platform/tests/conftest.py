"""Fixtures: a tiny real HTTP upstream, nginx, a scratch copy of the platform."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import EchoHandler, free_port

from shopkit_platform import gateway

PLATFORM = Path(__file__).resolve().parents[1]


@pytest.fixture
def echo_upstream() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


@pytest.fixture
def nginx_available() -> str:
    binary = gateway.nginx_binary()
    if binary is None:
        pytest.fail("nginx is not installed: run `make bootstrap` (apt-get install nginx-light)")
    return binary


@pytest.fixture
def scratch_root(tmp_path: Path) -> Path:
    """A repository skeleton with this platform's gateway template, for commands run with
    SHOPKIT_ROOT pointing at it."""
    (tmp_path / "platform" / "gateway").mkdir(parents=True)
    shutil.copy(
        PLATFORM / "gateway" / "nginx.conf.template",
        tmp_path / "platform" / "gateway" / "nginx.conf.template",
    )
    (tmp_path / "services").mkdir()
    return tmp_path

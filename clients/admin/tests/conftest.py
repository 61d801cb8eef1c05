"""The app in-process, pointed at a gateway that is not there (a closed local port).

These tests never need the shop: what needs it (logging in, every page with real data) is
proven by the lead's browser tests against the running shop.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from html.parser import HTMLParser

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from shopkit.config import HttpSettings, ServiceSettings, TelemetrySettings

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


class _InlineFinder(HTMLParser):
    """What the gateway's Content-Security-Policy (`script-src 'self'; style-src 'self';
    form-action 'self'; object-src 'none'`, no 'unsafe-inline') would block on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.blocked.append(f"<{tag} {name}=...> (inline event handler)")
            elif name == "style":
                self.blocked.append(f"<{tag} style=...> (inline style)")
            elif (value or "").strip().lower().startswith("javascript:"):
                self.blocked.append(f"<{tag} {name}=javascript:...>")
        if tag == "script" and not _same_origin(values.get("src")):
            self.blocked.append(f"<script src={values.get('src')!r}> (inline or off-site script)")
        if tag == "style":
            self.blocked.append("<style> block")
        stylesheet = tag == "link" and "stylesheet" in (values.get("rel") or "").split()
        if stylesheet and not _same_origin(values.get("href")):
            self.blocked.append(f"<link rel=stylesheet href={values.get('href')!r}>")
        action = values.get("action") if tag == "form" else None
        if action is not None and not _same_origin(action):
            self.blocked.append(f"<form action={action!r}> (off-site)")
        if tag in ("object", "embed", "iframe", "frame"):
            self.blocked.append(f"<{tag}>")


def _same_origin(url: str | None) -> bool:
    return bool(url) and url.startswith("/") and not url.startswith("//")  # type: ignore[union-attr]


def _blocked(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.blocked


@pytest.fixture(scope="session")
def csp_blocked() -> Callable[[str], list[str]]:
    """What on a page the gateway's CSP would block."""
    return _blocked


@pytest.fixture(scope="session")
def assert_csp_clean() -> Callable[[str], None]:
    """Fails when a page has anything the gateway's CSP blocks (a cheap regression guard; the
    browser tests check the real header)."""

    def check(html: str) -> None:
        assert "<html" in html
        assert _blocked(html) == []

    return check

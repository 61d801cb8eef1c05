"""Auth fixtures: a real JWKS endpoint over HTTP and tokens the SDK's verifier accepts.

The JWKS is served by a real HTTP server on 127.0.0.1 (not a mocked transport), so caching,
rotation and rate limits are tested the way a service sees them in production. The server is
session-scoped; a test that rotates keys should call `jwks_server.reset()` when it is done.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

import msgspec
import pytest

from shopkit.auth import SigningKey, TokenIssuer, generate_signing_key
from shopkit.config import AuthSettings

__all__ = [
    "JWKS_PATH",
    "TEST_AUDIENCE",
    "TEST_ISSUER",
    "JWKSServer",
    "TokenFactory",
    "auth_env",
    "auth_settings",
    "jwks_server",
    "signing_key",
    "token_factory",
]

JWKS_PATH = "/.well-known/jwks.json"
TEST_ISSUER = "shopkit"
TEST_AUDIENCE = "shopkit"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: JWKSServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        state = self.server.state
        if self.path.split("?", 1)[0] != JWKS_PATH:
            self._reply(404, b'{"title":"Not found"}')
            return
        body, status = state._serve()
        self._reply(status, body)

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request stderr line; the request counter is what tests look at."""


class JWKSServer:
    """A tiny user-service stand-in: serves the current JWKS and counts how often it is asked.

    `current_key` signs new tokens (it is the last key added); `keys` is what is published.
    """

    def __init__(self, initial_key: SigningKey) -> None:
        self._initial_key = initial_key
        self._lock = threading.Lock()
        self._keys: list[SigningKey] = [initial_key]
        self._requests = 0
        self.available = True
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.state = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="jwks-server", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}{JWKS_PATH}"

    @property
    def requests_served(self) -> int:
        with self._lock:
            return self._requests

    @property
    def keys(self) -> tuple[SigningKey, ...]:
        with self._lock:
            return tuple(self._keys)

    @property
    def current_key(self) -> SigningKey:
        with self._lock:
            return self._keys[-1]

    def issuer(self, key: SigningKey | None = None) -> TokenIssuer:
        """An issuer signing with `key` (default: the current key), for the test issuer/audience."""
        return TokenIssuer(key or self.current_key, issuer=TEST_ISSUER, audience=TEST_AUDIENCE)

    def rotate(self, new_key: SigningKey | None = None, *, drop_old: bool = False) -> SigningKey:
        """Publish a new key that signs from now on; `drop_old` stops publishing the others."""
        key = new_key or generate_signing_key(kid=f"test-{uuid.uuid4().hex[:8]}")
        with self._lock:
            self._keys = [key] if drop_old else [*self._keys, key]
        return key

    def set_keys(self, keys: Iterable[SigningKey]) -> None:
        """Publish exactly `keys`; the last one becomes the current signing key."""
        published = list(keys)
        if not published:
            raise ValueError("publish at least one key")
        with self._lock:
            self._keys = published

    def reset(self) -> None:
        """Back to the session's initial key, a zero counter and a reachable endpoint."""
        with self._lock:
            self._keys = [self._initial_key]
            self._requests = 0
            self.available = True

    def reset_counter(self) -> None:
        with self._lock:
            self._requests = 0

    def _serve(self) -> tuple[bytes, int]:
        with self._lock:
            self._requests += 1
            if not self.available:
                return b'{"title":"Service unavailable"}', 503
            document = {"keys": [key.public_jwk() for key in self._keys]}
        return msgspec.json.encode(document), 200

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class TokenFactory(Protocol):
    def __call__(
        self,
        roles: Iterable[str] = ("customer",),
        subject: str | None = None,
        email: str | None = None,
        ttl: int = 900,
        **claims: Any,
    ) -> str: ...


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    """The session's RSA signing key; generated once because RSA key generation is slow-ish."""
    return generate_signing_key(kid="test-key-1", algorithm="RS256")


@pytest.fixture(scope="session")
def jwks_server(signing_key: SigningKey) -> Iterator[JWKSServer]:
    """A real HTTP server publishing `signing_key` (and whatever a test rotates in)."""
    server = JWKSServer(signing_key)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def token_factory(jwks_server: JWKSServer) -> TokenFactory:
    """Mints access tokens signed by the server's current key; `claims` override any claim."""

    def make(
        roles: Iterable[str] = ("customer",),
        subject: str | None = None,
        email: str | None = None,
        ttl: int = 900,
        **claims: Any,
    ) -> str:
        return jwks_server.issuer().issue_access_token(
            subject or f"user-{uuid.uuid4().hex[:12]}",
            roles,
            email=email,
            ttl_seconds=ttl,
            extra=claims,
        )

    return make


@pytest.fixture(scope="session")
def auth_settings(jwks_server: JWKSServer) -> AuthSettings:
    """`AuthSettings` pointing at `jwks_server`, with the issuer and audience tokens carry."""
    return AuthSettings(jwks_url=jwks_server.url, issuer=TEST_ISSUER, audience=TEST_AUDIENCE)


@pytest.fixture(scope="session")
def auth_env(auth_settings: AuthSettings) -> Iterator[AuthSettings]:
    """`AUTH_*` variables for apps that read their settings from the environment; restored after."""
    wanted = {
        "AUTH_JWKS_URL": auth_settings.jwks_url,
        "AUTH_ISSUER": auth_settings.issuer,
        "AUTH_AUDIENCE": auth_settings.audience,
    }
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield auth_settings
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

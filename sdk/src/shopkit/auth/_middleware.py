"""Litestar middleware: `Authorization: Bearer` in, `connection.user` (a `Principal` or None) out.

A request without the header is let through as anonymous so public routes keep working; routes
that need a caller say so with a guard. A header that is present but wrong is always a 401:
silently treating a bad token as anonymous would hide client bugs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
    DefineMiddleware,
)
from litestar.types import ASGIApp, Method, Receive, Scope, Scopes, Send

from shopkit.auth._verifier import TokenVerifier
from shopkit.context import caller_token_var
from shopkit.errors import UnauthorizedError

__all__ = ["JWTAuthenticationMiddleware", "auth_middleware"]


class JWTAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Verifies the bearer token with a `TokenVerifier`; `scope["auth"]` keeps the raw token."""

    __slots__ = ("verifier",)

    def __init__(
        self,
        app: ASGIApp,
        verifier: TokenVerifier,
        exclude: str | list[str] | None = None,
        exclude_from_auth_key: str = "exclude_from_auth",
        exclude_http_methods: Sequence[Method] | None = None,
        scopes: Scopes | None = None,
    ) -> None:
        super().__init__(
            app,
            exclude=exclude,
            exclude_from_auth_key=exclude_from_auth_key,
            exclude_http_methods=exclude_http_methods,
            scopes=scopes,
        )
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Excluded paths skip authentication entirely; give them an anonymous user so that
        # `current_principal` answers 401 there instead of failing on a missing scope key.
        scope.setdefault("user", None)
        scope.setdefault("auth", None)
        await super().__call__(scope, receive, send)

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization")
        caller_token_var.set(None)
        if header is None:
            return AuthenticationResult(user=None, auth=None)
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise UnauthorizedError(
                "The Authorization header must be 'Bearer <access token>'.",
                headers={"WWW-Authenticate": 'Bearer error="invalid_request"'},
            )
        principal = await self.verifier.verify(token)
        caller_token_var.set(token)  # for calls made as this caller (`shopkit.http`)
        return AuthenticationResult(user=principal, auth=token)


def auth_middleware(
    verifier: TokenVerifier, exclude: str | list[str] | None = None
) -> DefineMiddleware:
    """For `Litestar(middleware=[...])`; `exclude` lists path patterns that are never checked."""
    return DefineMiddleware(JWTAuthenticationMiddleware, verifier=verifier, exclude=exclude)

"""HTTP for authentication: `/api/auth/*` (public except key rotation)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import CacheControlHeader, State
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from shopkit.auth import requires_admin
from sqlalchemy.ext.asyncio import AsyncSession

from user_service.domain.accounts.schemas import User, UserCreate
from user_service.domain.auth._runtime import Identity
from user_service.domain.auth.schemas import (
    JsonWebKeySet,
    LoginRequest,
    PasswordResetAccepted,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    SigningKeyInfo,
    TokenPair,
)
from user_service.domain.auth.services import AuthService

NO_STORE = CacheControlHeader(no_store=True)


async def provide_auth_service(
    db_session: NamedDependency[AsyncSession], state: State
) -> AuthService:
    return AuthService(db_session, state["identity"])


def client_ip(request: Request[Any, Any, Any], identity: Identity) -> str:
    """The caller's address: the last X-Forwarded-For hop (what the gateway saw), else the peer."""
    if identity.settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        last_hop = forwarded.rsplit(",", 1)[-1].strip()
        if last_hop:
            return last_hop[:64]
    return request.client.host if request.client else "unknown"


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]
    dependencies = {"auth": Provide(provide_auth_service)}

    @post("/register", operation_id="register", security=[{}])
    async def register(
        self, auth: NamedDependency[AuthService], data: JSONBody[UserCreate]
    ) -> User:
        """Create a customer account; the password must meet the policy (422 names the rule)."""
        user = await auth.register(data)
        return auth.users.to_schema(user, schema_type=User)

    @post(
        "/login",
        operation_id="login",
        security=[{}],
        status_code=HTTP_200_OK,
        cache_control=NO_STORE,
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        auth: NamedDependency[AuthService],
        data: JSONBody[LoginRequest],
    ) -> TokenPair:
        """A new token pair; failures are rate limited per account and per IP (429)."""
        return await auth.login(data.email, data.password, client_ip(request, auth.identity))

    @post(
        "/refresh",
        operation_id="refreshTokens",
        security=[{}],
        status_code=HTTP_200_OK,
        cache_control=NO_STORE,
    )
    async def refresh(
        self, auth: NamedDependency[AuthService], data: JSONBody[RefreshRequest]
    ) -> TokenPair:
        """Swap a refresh token for a new pair; a reused token ends its whole login (401)."""
        return await auth.refresh(data.refresh_token)

    @post("/logout", operation_id="logout", security=[{}], status_code=HTTP_204_NO_CONTENT)
    async def logout(
        self, auth: NamedDependency[AuthService], data: JSONBody[RefreshRequest]
    ) -> None:
        """Revoke the login (token family) the refresh token belongs to."""
        await auth.logout(data.refresh_token)

    @post(
        "/password-reset",
        operation_id="requestPasswordReset",
        security=[{}],
        status_code=HTTP_202_ACCEPTED,
    )
    async def request_password_reset(
        self, auth: NamedDependency[AuthService], data: JSONBody[PasswordResetRequest]
    ) -> PasswordResetAccepted:
        """Always 202 with the same body: whether the account exists is not revealed."""
        await auth.request_password_reset(data.email)
        return PasswordResetAccepted()

    @post(
        "/password-reset/confirm",
        operation_id="confirmPasswordReset",
        security=[{}],
        status_code=HTTP_204_NO_CONTENT,
    )
    async def confirm_password_reset(
        self, auth: NamedDependency[AuthService], data: JSONBody[PasswordResetConfirm]
    ) -> None:
        """Set a new password with an emailed token; every session of the account ends."""
        await auth.confirm_password_reset(data.token, data.new_password)

    @get(
        "/.well-known/jwks.json",
        operation_id="getJwks",
        security=[{}],
        cache_control=CacheControlHeader(public=True, max_age=300),
    )
    async def jwks(self, auth: NamedDependency[AuthService]) -> JsonWebKeySet:
        """The public keys that verify access tokens: the current one and recently retired ones."""
        return await auth.jwks()

    @post("/keys/rotate", operation_id="rotateSigningKey", guards=[requires_admin])
    async def rotate_keys(self, auth: NamedDependency[AuthService]) -> SigningKeyInfo:
        """Sign with a new key from now on; the old one stays published for the grace period."""
        key = await auth.rotate_keys()
        return SigningKeyInfo(kid=key.kid, algorithm=key.algorithm, created_at=key.created_at)

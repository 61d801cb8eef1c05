"""HTTP for authentication: `/api/auth/*` (public except key rotation)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from shopkit.auth import requires_admin
from shopkit.openapi_problems import problem_responses

from user_service.domain.accounts.schemas import User, UserCreate
from user_service.domain.auth._clients import basic_credentials
from user_service.domain.auth._runtime import Identity
from user_service.domain.auth.schemas import (
    JsonWebKeySet,
    LoginRequest,
    PasswordResetAccepted,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    ServiceToken,
    SigningKeyInfo,
    TokenPair,
    TokenRequest,
)
from user_service.domain.auth.services import AuthService

NO_STORE = CacheControlHeader(no_store=True)


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

    @post("/register", operation_id="register", security=[{}], responses=problem_responses(409))
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
        responses=problem_responses(
            401, 429, description="Wrong email or password / guessing slowed (`Retry-After`)"
        ),
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        auth: NamedDependency[AuthService],
        data: JSONBody[LoginRequest],
    ) -> TokenPair:
        """A new token pair; guessing is slowed per account, address and both (429)."""
        return await auth.login(data.email, data.password, client_ip(request, auth.identity))

    @post(
        "/refresh",
        operation_id="refreshTokens",
        security=[{}],
        status_code=HTTP_200_OK,
        cache_control=NO_STORE,
        responses=problem_responses(
            401, description="The refresh token is used, revoked or expired"
        ),
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
        responses=problem_responses(429),
    )
    async def request_password_reset(
        self,
        request: Request[Any, Any, Any],
        auth: NamedDependency[AuthService],
        data: JSONBody[PasswordResetRequest],
    ) -> PasswordResetAccepted:
        """202 with the same body whether or not the account exists (or had its share of mails);
        429 when one address sends too many."""
        await auth.request_password_reset(data.email, client_ip(request, auth.identity))
        return PasswordResetAccepted()

    @post(
        "/token",
        operation_id="issueServiceToken",
        security=[{}],
        status_code=HTTP_200_OK,
        cache_control=NO_STORE,
        # Clients may authenticate with `Authorization: Basic`, which is not a bearer token.
        exclude_from_auth=True,
        responses={
            **problem_responses(
                400, description="`unsupported-grant-type`, `invalid-scope` or `invalid-request`"
            ),
            **problem_responses(
                401, description="`invalid-client`: unknown client or wrong secret"
            ),
            **problem_responses(429),
        },
    )
    async def token(
        self,
        request: Request[Any, Any, Any],
        auth: NamedDependency[AuthService],
        data: Annotated[TokenRequest, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> ServiceToken:
        """OAuth2 client-credentials grant for services: a short-lived, scoped service token.

        401 `invalid-client` (with `WWW-Authenticate: Basic`) for an unknown client or a wrong
        secret; 400 `unsupported-grant-type` or `invalid-scope`; 429 while guessing is slowed.
        """
        basic = basic_credentials(request.headers.get("authorization"))
        return await auth.issue_service_token(data, basic, client_ip(request, auth.identity))

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

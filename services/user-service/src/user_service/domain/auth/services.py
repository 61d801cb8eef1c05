"""The authentication flows: register, login, refresh, logout, password reset, key rotation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import msgspec
from shopkit.auth import ROLE_SERVICE, TokenIssuer
from shopkit.errors import InvalidInputError, UnauthorizedError
from shopkit.messaging import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from user_service.config import SLUG
from user_service.db import models
from user_service.domain.accounts._passwords import check_password_policy
from user_service.domain.accounts.schemas import UserCreate
from user_service.domain.accounts.services import UserService, normalise_email
from user_service.domain.auth._clients import (
    GRANT_TYPE,
    InvalidTokenRequestError,
    UnsupportedGrantTypeError,
    granted_scopes,
)
from user_service.domain.auth._keys import SigningKeyService
from user_service.domain.auth._runtime import Identity
from user_service.domain.auth._tokens import PasswordResetTokenService, RefreshTokenService
from user_service.domain.auth.schemas import (
    JsonWebKey,
    JsonWebKeySet,
    ServiceToken,
    TokenPair,
    TokenRequest,
)
from user_service.events.events import PasswordResetRequested


class InvalidCredentialsError(UnauthorizedError):
    """The one answer for a wrong password and an unknown email alike."""

    code = "invalid-credentials"


class InvalidRefreshTokenError(UnauthorizedError):
    code = "invalid-refresh-token"


class InvalidResetTokenError(InvalidInputError):
    code = "invalid-reset-token"


class AuthService:
    """Request-scoped: the services it uses share the request's session (one transaction)."""

    def __init__(self, session: AsyncSession, identity: Identity) -> None:
        self.identity = identity
        self.settings = identity.settings
        self.users = UserService(session=session)
        self.refresh_tokens = RefreshTokenService(session=session)
        self.reset_tokens = PasswordResetTokenService(session=session)
        self.keys = SigningKeyService(session=session)

    async def register(self, data: UserCreate) -> models.User:
        email = normalise_email(data.email)
        check_password_policy(data.password, email)
        await self.users.ensure_email_free(email)  # before hashing: a taken address is cheap
        password_hash = await self.identity.passwords.hash(data.password)
        return await self.users.create_user(email, data.name, password_hash)

    async def login(self, email: str, password: str, client_ip: str) -> TokenPair:
        email = normalise_email(email)
        limiter = self.identity.rate_limiter
        await limiter.attempt(email, client_ip)
        user = await self.users.by_email(email)
        passwords = self.identity.passwords
        verified = await passwords.verify(user.password_hash if user else None, password)
        if user is None or not verified:
            raise InvalidCredentialsError("The email or password is wrong.")
        if passwords.needs_rehash(user.password_hash):
            user = await self.users.set_password_hash(user, await passwords.hash(password))
        await limiter.succeeded(email, client_ip)
        return await self._issue_pair(user, family_id=uuid.uuid4())

    async def issue_service_token(
        self, data: TokenRequest, basic: tuple[str, str] | None, client_ip: str
    ) -> ServiceToken:
        """The client-credentials grant: a short-lived token for `service:<client id>` with the
        role `service` and the asked scopes (all the client's when none are asked)."""
        if data.grant_type != GRANT_TYPE:
            raise UnsupportedGrantTypeError("grant_type", f"only {GRANT_TYPE} is supported")
        in_body = data.client_id is not None or data.client_secret is not None
        if basic is not None and in_body:
            raise InvalidTokenRequestError(
                "client_id", "authenticate with HTTP Basic or the form body, not both"
            )
        client_id, secret = basic or (data.client_id or "", data.client_secret or "")
        limiter = self.identity.rate_limiter
        await limiter.attempt(f"client:{client_id}", client_ip)
        client = self.identity.service_clients.authenticate(client_id, secret)
        await limiter.succeeded(f"client:{client_id}", client_ip)
        scopes = granted_scopes(client, data.scope)
        ttl = self.settings.service_token_ttl_seconds
        issuer = TokenIssuer(
            await self.keys.current(), issuer=self.identity.issuer, audience=self.identity.audience
        )
        token = issuer.issue_access_token(
            f"service:{client_id}", [ROLE_SERVICE], ttl_seconds=ttl, scopes=scopes
        )
        return ServiceToken(access_token=token, expires_in=ttl, scope=" ".join(scopes))

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Swap a refresh token for a new pair; a token used twice revokes its whole family."""
        now = datetime.now(UTC)
        row = await self.refresh_tokens.find_locked(refresh_token)
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise InvalidRefreshTokenError("The refresh token is invalid or expired.")
        if row.used_at is not None:
            # Someone replays a rotated token: a thief or the victim, we cannot tell which, so
            # every token of this login stops working. Committed although the answer is a 401.
            await self.refresh_tokens.revoke_family(row.family_id, now, commit=True)
            raise InvalidRefreshTokenError("The refresh token is invalid or expired.")
        await self.refresh_tokens.mark_used(row, now)
        user = await self.users.get(row.user_id)
        return await self._issue_pair(user, family_id=row.family_id)

    async def logout(self, refresh_token: str) -> None:
        """End the login the token belongs to; an unknown token is already logged out."""
        row = await self.refresh_tokens.find_locked(refresh_token)
        if row is not None:
            await self.refresh_tokens.revoke_family(row.family_id, datetime.now(UTC))

    async def request_password_reset(self, email: str, client_ip: str) -> None:
        """For an existing account, a single-use token goes to notification-service by event;
        the caller learns nothing either way (nor whether the account's mail quota is used up).
        An address that floods gets 429."""
        email = normalise_email(email)
        if not await self.identity.reset_limiter.may_send(email, client_ip):
            return
        user = await self.users.by_email(email)
        if user is None:
            return
        expires_at = datetime.now(UTC) + timedelta(seconds=self.settings.password_reset_ttl_seconds)
        token = await self.reset_tokens.issue(user.id, expires_at)
        Outbox.add(
            self.reset_tokens.repository.session,
            PasswordResetRequested(
                user_id=str(user.id),
                email=user.email,
                name=user.name,
                reset_token=token,
                expires_at=expires_at,
            ),
            SLUG,
        )

    async def confirm_password_reset(self, token: str, new_password: str) -> None:
        now = datetime.now(UTC)
        row = await self.reset_tokens.find_locked(token)
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise InvalidResetTokenError("token", "the reset token is invalid, used or expired")
        user = await self.users.get(row.user_id)
        check_password_policy(new_password, user.email)
        await self.users.set_password_hash(user, await self.identity.passwords.hash(new_password))
        await self.reset_tokens.use_every_token_of(user.id, now)
        await self.refresh_tokens.revoke_all_of(user.id, now)
        await self.identity.rate_limiter.forget_account(user.email)

    async def rotate_keys(self) -> models.SigningKey:
        return await self.keys.rotate(self.identity.key_grace)

    async def jwks(self) -> JsonWebKeySet:
        await self.keys.current()
        keys = await self.keys.published(self.identity.key_grace)
        return JsonWebKeySet(keys=[msgspec.convert(key.public_jwk(), JsonWebKey) for key in keys])

    async def _issue_pair(self, user: models.User, family_id: uuid.UUID) -> TokenPair:
        ttl = self.settings.access_token_ttl_seconds
        issuer = TokenIssuer(
            await self.keys.current(), issuer=self.identity.issuer, audience=self.identity.audience
        )
        access_token = issuer.issue_access_token(
            str(user.id), user.roles, email=user.email, ttl_seconds=ttl
        )
        expires_at = datetime.now(UTC) + timedelta(days=self.settings.refresh_token_ttl_days)
        refresh_token = await self.refresh_tokens.issue(user.id, family_id, expires_at)
        return TokenPair(access_token=access_token, refresh_token=refresh_token, expires_in=ttl)

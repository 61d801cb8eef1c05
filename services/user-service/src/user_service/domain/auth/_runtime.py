"""What the auth flows share across requests: password hashing, Redis, the verifying key set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from shopkit.auth import TokenVerifier
from shopkit.cache import redis_client
from shopkit.health import HealthCheck, redis_check
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from user_service.config import Settings
from user_service.domain.accounts._passwords import Passwords
from user_service.domain.auth._clients import ServiceClients
from user_service.domain.auth._keys import DatabaseKeySet
from user_service.domain.auth._ratelimit import LoginRateLimiter, PasswordResetRateLimiter


class Identity:
    """One per app; request-scoped services (`AuthService`) borrow from it."""

    def __init__(self, settings: Settings, session_maker: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings.identity
        self.issuer = settings.auth.issuer
        self.audience = settings.auth.audience
        self.key_grace = timedelta(seconds=settings.identity.key_grace_seconds)
        self.passwords = Passwords(
            time_cost=settings.identity.argon2_time_cost,
            memory_kib=settings.identity.argon2_memory_kib,
            parallelism=settings.identity.argon2_parallelism,
        )
        self.redis: Redis = redis_client(settings.redis)
        self.rate_limiter = LoginRateLimiter(self.redis, settings.identity)
        self.reset_limiter = PasswordResetRateLimiter(self.redis, settings.identity)
        self.service_clients = ServiceClients(settings.service_clients)
        self.key_set = DatabaseKeySet(
            session_maker, self.key_grace, settings.identity.key_cache_seconds
        )
        self.verifier = TokenVerifier(
            self.key_set, self.issuer, self.audience, settings.auth.leeway_seconds
        )

    @asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await self.redis.aclose()

    def health_check(self) -> HealthCheck:
        return redis_check(self.redis)

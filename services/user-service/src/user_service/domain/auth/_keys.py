"""Signing keys in the database: created on first need, rotated by an admin, published as JWKS.

The newest unretired key signs. Rotating retires it (it stays published for the grace period,
so tokens it signed keep verifying until they expire) and creates a new one; keys retired for
longer than the grace period are deleted, private half included.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Final

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from jwt import PyJWK
from shopkit.auth import JWKSClient, SigningKey, TokenIssuer, UnknownKeyError, generate_signing_key
from sqlalchemy import delete, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from user_service.db import models

# Serialises key creation across replicas (an arbitrary, fixed advisory-lock id).
_KEY_LOCK_ID: Final = 0x5553524B4559


@lru_cache(maxsize=32)
def load_signing_key(kid: str, pem: str) -> SigningKey:
    """Parse a stored PEM once per process (RSA key loading is not free)."""
    return TokenIssuer(pem, kid).signing_key


def _signing_key(row: models.SigningKey) -> SigningKey:
    return load_signing_key(row.kid, row.private_key_pem)


class SigningKeyService(SQLAlchemyAsyncRepositoryService[models.SigningKey]):
    class Repo(SQLAlchemyAsyncRepository[models.SigningKey]):
        model_type = models.SigningKey

        async def lock_for_key_change(self) -> None:
            """Held until the transaction ends: one replica at a time creates or rotates."""
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": _KEY_LOCK_ID}
            )

        async def newest_active(self) -> models.SigningKey | None:
            return await self.session.scalar(
                select(models.SigningKey)
                .where(models.SigningKey.retired_at.is_(None))
                .order_by(models.SigningKey.created_at.desc())
                .limit(1)
            )

        async def published(self, retired_after: datetime) -> Sequence[models.SigningKey]:
            return (
                await self.session.scalars(
                    select(models.SigningKey)
                    .where(
                        or_(
                            models.SigningKey.retired_at.is_(None),
                            models.SigningKey.retired_at > retired_after,
                        )
                    )
                    .order_by(models.SigningKey.created_at.desc())
                )
            ).all()

        async def delete_retired_before(self, cutoff: datetime) -> None:
            await self.session.execute(
                delete(models.SigningKey).where(models.SigningKey.retired_at <= cutoff)
            )

        async def retire_active(self, at: datetime) -> None:
            await self.session.execute(
                update(models.SigningKey)
                .where(models.SigningKey.retired_at.is_(None))
                .values(retired_at=at)
            )

    repository_type = Repo

    @property
    def repo(self) -> Repo:
        assert isinstance(self.repository, SigningKeyService.Repo)
        return self.repository

    async def current(self) -> SigningKey:
        """The key that signs now, created on first need."""
        row = await self.repo.newest_active()
        if row is None:
            await self.repo.lock_for_key_change()
            row = await self.repo.newest_active() or await self._create()
        return _signing_key(row)

    async def published(self, grace: timedelta) -> list[SigningKey]:
        """The current key and the ones retired less than `grace` ago (newest first)."""
        rows = await self.repo.published(datetime.now(UTC) - grace)
        return [_signing_key(row) for row in rows]

    async def rotate(self, grace: timedelta) -> models.SigningKey:
        """Retire the signing key (it stays published for `grace`) and make a new one; keys
        retired longer ago are deleted, private half included."""
        await self.repo.lock_for_key_change()
        now = datetime.now(UTC)
        await self.repo.delete_retired_before(now - grace)
        await self.repo.retire_active(now)
        return await self._create()

    async def _create(self) -> models.SigningKey:
        key = await asyncio.to_thread(generate_signing_key)
        return await self.create(
            models.SigningKey(
                kid=key.kid, algorithm=key.algorithm, private_key_pem=key.private_pem().decode()
            ),
            auto_refresh=True,
        )


class DatabaseKeySet(JWKSClient):
    """The SDK's `TokenVerifier` fed from the key table instead of over HTTP.

    The service verifies its own tokens without calling itself: it reads the published keys from
    its database and caches them for `cache_seconds`. A token naming a key it has not seen (a
    rotation on another replica) triggers a reload, but at most one per `min_refresh_interval`:
    callers arriving sooner wait for that reload, so tokens with made-up key ids cannot turn
    into one database query each.
    """

    def __init__(
        self,
        session_maker: async_sessionmaker[AsyncSession],
        grace: timedelta,
        cache_seconds: float = 60.0,
        *,
        min_refresh_interval: float = 0.5,
    ) -> None:
        super().__init__("database:signing_key", cache_seconds, min_refresh_interval=0.0)
        self._session_maker = session_maker
        self._grace = grace
        self._min_refresh = min_refresh_interval
        self._keys_by_kid: dict[str, PyJWK] = {}
        self._valid_until = float("-inf")
        self._next_reload = float("-inf")
        self._generation = 0
        self._reload_lock = asyncio.Lock()

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._keys_by_kid)

    async def get_signing_key(self, kid: str) -> PyJWK:
        seen = self._generation
        if time.monotonic() >= self._valid_until:
            await self._reload(seen)
        elif kid not in self._keys_by_kid:
            wait = self._next_reload - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            await self._reload(seen)
        key = self._keys_by_kid.get(kid)
        if key is None:
            raise UnknownKeyError(kid)
        return key

    async def _reload(self, seen_generation: int) -> None:
        async with self._reload_lock:
            if self._generation != seen_generation:
                return  # someone reloaded while we waited: use their result
            async with self._session_maker() as session, session.begin():
                keys = await SigningKeyService(session=session).published(self._grace)
            now = time.monotonic()
            self._keys_by_kid = {key.kid: PyJWK(key.public_jwk()) for key in keys}
            self._valid_until = now + self.cache_seconds
            self._next_reload = now + self._min_refresh
            self._generation += 1

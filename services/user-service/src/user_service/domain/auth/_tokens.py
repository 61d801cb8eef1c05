"""Opaque tokens (refresh and password reset): random secrets of which only a SHA-256 is kept,
so a leaked database does not hand out live sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from sqlalchemy import update

from user_service.db import models


def new_secret() -> tuple[str, str]:
    """A fresh token for the caller and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RefreshTokenService(SQLAlchemyAsyncRepositoryService[models.RefreshToken]):
    class Repo(SQLAlchemyAsyncRepository[models.RefreshToken]):
        model_type = models.RefreshToken

        async def revoke(self, at: datetime, *, commit: bool = False, **where: UUID) -> None:
            statement = update(models.RefreshToken).where(models.RefreshToken.revoked_at.is_(None))
            for column, value in where.items():
                statement = statement.where(getattr(models.RefreshToken, column) == value)
            await self.session.execute(statement.values(revoked_at=at))
            if commit:
                await self.session.commit()

    repository_type = Repo

    async def issue(self, user_id: UUID, family_id: UUID, expires_at: datetime) -> str:
        token, hashed = new_secret()
        await self.create(
            models.RefreshToken(
                user_id=user_id, family_id=family_id, token_hash=hashed, expires_at=expires_at
            )
        )
        return token

    async def find_locked(self, token: str) -> models.RefreshToken | None:
        """The row for `token`, locked so that two concurrent refreshes cannot both use it."""
        return await self.get_one_or_none(token_hash=token_hash(token), with_for_update=True)

    async def mark_used(self, row: models.RefreshToken, at: datetime) -> None:
        await self.update({"used_at": at}, item_id=row.id)

    async def revoke_family(self, family_id: UUID, at: datetime, *, commit: bool = False) -> None:
        """`commit=True` makes the revocation stick even when the request then fails."""
        await self._repo.revoke(at, commit=commit, family_id=family_id)

    async def revoke_all_of(self, user_id: UUID, at: datetime) -> None:
        await self._repo.revoke(at, user_id=user_id)

    @property
    def _repo(self) -> Repo:
        assert isinstance(self.repository, RefreshTokenService.Repo)
        return self.repository


class PasswordResetTokenService(SQLAlchemyAsyncRepositoryService[models.PasswordResetToken]):
    class Repo(SQLAlchemyAsyncRepository[models.PasswordResetToken]):
        model_type = models.PasswordResetToken

        async def use_all_of(self, user_id: UUID, at: datetime) -> None:
            await self.session.execute(
                update(models.PasswordResetToken)
                .where(
                    models.PasswordResetToken.user_id == user_id,
                    models.PasswordResetToken.used_at.is_(None),
                )
                .values(used_at=at)
            )

    repository_type = Repo

    async def issue(self, user_id: UUID, expires_at: datetime) -> str:
        token, hashed = new_secret()
        await self.create(
            models.PasswordResetToken(user_id=user_id, token_hash=hashed, expires_at=expires_at)
        )
        return token

    async def find_locked(self, token: str) -> models.PasswordResetToken | None:
        return await self.get_one_or_none(token_hash=token_hash(token), with_for_update=True)

    async def use_every_token_of(self, user_id: UUID, at: datetime) -> None:
        """Spend this token and any other outstanding one: a reset ends them all."""
        assert isinstance(self.repository, PasswordResetTokenService.Repo)
        await self.repository.use_all_of(user_id, at)

"""This service's tables. The SDK's outbox and inbox tables share the same metadata, so Alembic
sees them too."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase, orm_registry
from advanced_alchemy.types import DateTimeUTC
from shopkit.messaging import InboxMessage, OutboxMessage
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

metadata = orm_registry.metadata

__all__ = [
    "Address",
    "InboxMessage",
    "OutboxMessage",
    "PasswordResetToken",
    "RefreshToken",
    "SigningKey",
    "User",
    "metadata",
]


class User(UUIDv7AuditBase):
    """An account. `email` is stored normalised (trimmed, lower-case), so uniqueness is exact."""

    __tablename__ = "user_account"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)))


class Address(UUIDv7AuditBase):
    __tablename__ = "address"

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str | None] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(120))
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(120))
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(32))


class SigningKey(UUIDv7AuditBase):
    """A key pair that signs access tokens. The newest unretired key signs; retired keys stay
    published for a grace period and are then deleted.

    The private key is stored as unencrypted PKCS#8 PEM: encrypt it at rest or keep it in a KMS
    in production (see README).
    """

    __tablename__ = "signing_key"

    kid: Mapped[str] = mapped_column(String(64), unique=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    private_key_pem: Mapped[str] = mapped_column(Text)
    retired_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), index=True)


class RefreshToken(UUIDv7AuditBase):
    """One refresh token of a family (one family per login); only its SHA-256 is stored."""

    __tablename__ = "refresh_token"

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class PasswordResetToken(UUIDv7AuditBase):
    """A single-use password reset token; only its SHA-256 is stored."""

    __tablename__ = "password_reset_token"

    user_id: Mapped[UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))

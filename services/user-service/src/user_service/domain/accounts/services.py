"""Accounts and addresses: creating users, reading and changing one's own data."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from advanced_alchemy.filters import LimitOffset, OrderBy
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from shopkit.auth import ROLE_CUSTOMER
from shopkit.countries import COUNTRY_CODES
from shopkit.errors import ConflictError, InvalidInputError, NotFoundError
from shopkit.messaging import Outbox
from shopkit.schemas import set_fields

from user_service.config import SLUG
from user_service.db import models
from user_service.domain.accounts.schemas import AddressCreate, UserUpdate
from user_service.events.events import UserRegistered


class EmailTakenError(ConflictError):
    code = "email-taken"


class UnknownCountryError(InvalidInputError):
    code = "unknown-country"


class AddressNotFoundError(NotFoundError):
    code = "address-not-found"


def normalise_email(email: str) -> str:
    """One spelling per mailbox for uniqueness and look-ups: trimmed and lower-cased."""
    return email.strip().lower()


class UserService(SQLAlchemyAsyncRepositoryService[models.User]):
    class Repo(SQLAlchemyAsyncRepository[models.User]):
        model_type = models.User

    repository_type = Repo

    async def by_email(self, email: str) -> models.User | None:
        return await self.get_one_or_none(email=normalise_email(email))

    async def ensure_email_free(self, email: str) -> None:
        if await self.exists(email=normalise_email(email)):
            raise EmailTakenError("An account with this email already exists.")

    async def create_user(
        self, email: str, name: str, password_hash: str, roles: Iterable[str] = (ROLE_CUSTOMER,)
    ) -> models.User:
        """Store a new account and announce it through the outbox, in the same transaction."""
        email = normalise_email(email)
        await self.ensure_email_free(email)
        user = await self.create(
            models.User(
                email=email, name=name.strip(), password_hash=password_hash, roles=sorted(roles)
            )
        )
        Outbox.add(
            self.repository.session,
            UserRegistered(user_id=str(user.id), email=user.email, name=user.name),
            SLUG,
        )
        return user

    async def update_profile(self, user_id: UUID, data: UserUpdate) -> models.User:
        changes = set_fields(data)
        if "name" in changes:
            changes["name"] = changes["name"].strip()
        if not changes:
            return await self.get(user_id)
        return await self.update(changes, item_id=user_id)

    async def set_password_hash(self, user: models.User, password_hash: str) -> models.User:
        return await self.update({"password_hash": password_hash}, item_id=user.id)

    async def page(self, page: LimitOffset) -> tuple[list[models.User], int]:
        items, total = await self.get_many_and_count(page, OrderBy("created_at", "asc"))
        return list(items), total


class AddressService(SQLAlchemyAsyncRepositoryService[models.Address]):
    class Repo(SQLAlchemyAsyncRepository[models.Address]):
        model_type = models.Address

    repository_type = Repo

    async def page_for(self, user_id: UUID, page: LimitOffset) -> tuple[list[models.Address], int]:
        items, total = await self.get_many_and_count(
            page, OrderBy("created_at", "asc"), user_id=user_id
        )
        return list(items), total

    async def add_for(self, user_id: UUID, data: AddressCreate) -> models.Address:
        country = data.country.upper()
        if country not in COUNTRY_CODES:
            raise UnknownCountryError("country", f"{data.country!r} is not an ISO 3166-1 code")
        return await self.create(
            models.Address(
                user_id=user_id,
                label=data.label,
                name=data.name,
                line1=data.line1,
                line2=data.line2,
                city=data.city,
                postal_code=data.postal_code,
                country=country,
                phone=data.phone,
            )
        )

    async def delete_for(self, user_id: UUID, address_id: UUID) -> None:
        """Delete one of the caller's addresses; another user's address is as unknown as a
        missing one (404), so ids cannot be probed."""
        address = await self.get_one_or_none(id=address_id, user_id=user_id)
        if address is None:
            raise AddressNotFoundError("No such address.")
        await self.delete(address.id)

"""HTTP for accounts: one's own profile and addresses, and the admin list of users."""

from __future__ import annotations

from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from shopkit.auth import (
    ROLE_ADMIN,
    ROLE_CUSTOMER,
    CurrentPrincipal,
    Principal,
    requires_admin,
    requires_role,
)
from shopkit.db import Page
from shopkit.errors import UnauthorizedError

from user_service.domain.accounts.schemas import Address, AddressCreate, User, UserUpdate
from user_service.domain.accounts.services import AddressService, UserService

requires_account = requires_role(ROLE_CUSTOMER, ROLE_ADMIN)


def user_id_of(principal: Principal) -> UUID:
    """The account behind a token; a token naming no account (e.g. a service) is refused."""
    try:
        return UUID(principal.subject)
    except ValueError:
        raise UnauthorizedError("The token does not name a user account.") from None


class UserController(Controller):
    path = "/api/users"
    tags = ["users"]

    @get("/", operation_id="listUsers", guards=[requires_admin])
    async def list_users(
        self, users: NamedDependency[UserService], page: NamedDependency[LimitOffset]
    ) -> Page[User]:
        """Every account, oldest first (admin)."""
        items, total = await users.page(page)
        return Page(
            items=users.to_schema(items, schema_type=User).items,
            total=total,
            limit=page.limit,
            offset=page.offset,
        )

    @get("/me", operation_id="getMe", guards=[requires_account])
    async def get_me(
        self, users: NamedDependency[UserService], principal: CurrentPrincipal
    ) -> User:
        return users.to_schema(await users.get(user_id_of(principal)), schema_type=User)

    @patch("/me", operation_id="updateMe", guards=[requires_account])
    async def update_me(
        self,
        users: NamedDependency[UserService],
        principal: CurrentPrincipal,
        data: JSONBody[UserUpdate],
    ) -> User:
        user = await users.update_profile(user_id_of(principal), data)
        return users.to_schema(user, schema_type=User)

    @get("/me/addresses", operation_id="listMyAddresses", guards=[requires_account])
    async def list_addresses(
        self,
        addresses: NamedDependency[AddressService],
        principal: CurrentPrincipal,
        page: NamedDependency[LimitOffset],
    ) -> Page[Address]:
        items, total = await addresses.page_for(user_id_of(principal), page)
        return Page(
            items=addresses.to_schema(items, schema_type=Address).items,
            total=total,
            limit=page.limit,
            offset=page.offset,
        )

    @post("/me/addresses", operation_id="addMyAddress", guards=[requires_account])
    async def add_address(
        self,
        addresses: NamedDependency[AddressService],
        principal: CurrentPrincipal,
        data: JSONBody[AddressCreate],
    ) -> Address:
        address = await addresses.add_for(user_id_of(principal), data)
        return addresses.to_schema(address, schema_type=Address)

    @delete(
        "/me/addresses/{address_id:uuid}", operation_id="deleteMyAddress", guards=[requires_account]
    )
    async def delete_address(
        self,
        addresses: NamedDependency[AddressService],
        principal: CurrentPrincipal,
        address_id: FromPath[UUID],
    ) -> None:
        """Only one's own address; another user's is reported as missing (404)."""
        await addresses.delete_for(user_id_of(principal), address_id)

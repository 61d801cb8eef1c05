"""Every account (read only: the API offers no admin changes to users)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery
from litestar.response import Template

from admin.deps import provide_api
from admin.gateway import Api
from admin.pages import page

PAGE_SIZE = 50


class UserController(Controller):
    path = "/admin/users"
    dependencies = {"api": Provide(provide_api)}

    @get("/", name="users")
    async def list_users(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api], offset: FromQuery[int] = 0
    ) -> Template:
        offset = max(offset, 0)
        listing = await api.get("/api/users", limit=PAGE_SIZE, offset=offset)
        return page(
            request,
            "users.html",
            section="users",
            users=listing.get("items", []),
            total=int(listing.get("total", 0)),
            offset=offset,
            page_size=PAGE_SIZE,
            base_query="",
        )

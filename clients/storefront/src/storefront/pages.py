"""What every page handler gets (`shop`): the shopper's session, the API as them, and `render`,
which adds the layout's data (header, currencies, categories, messages) to a template."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request
from litestar.datastructures import State
from litestar.response import Redirect, Template

from storefront.api import ShopApi
from storefront.config import Settings
from storefront.reference import ReferenceData, category_tree
from storefront.session import ShopSession


class Shop:
    def __init__(self, request: Request[Any, Any, Any], state: State) -> None:
        settings: Settings = state["settings"]
        self.request = request
        self.settings = settings
        self.session = ShopSession(_session_dict(request), settings.storefront.default_currency)
        self.api = ShopApi.for_request(state["gateway"], self.session, request)
        self.reference: ReferenceData = state["reference"]

    @property
    def currency(self) -> str:
        return self.session.currency

    async def render(
        self, template: str, context: dict[str, Any] | None = None, status_code: int = 200
    ) -> Template:
        categories, currencies = await asyncio.gather(
            self.reference.categories(self.api), self.reference.currencies(self.api)
        )
        return self._template(template, context, status_code, categories, currencies)

    def render_offline(
        self, template: str, context: dict[str, Any] | None = None, status_code: int = 200
    ) -> Template:
        """Render without asking the API anything (error pages: the API may be what failed)."""
        return self._template(
            template,
            context,
            status_code,
            self.reference.cached_categories(),
            self.reference.cached_currencies(),
        )

    def _template(
        self,
        template: str,
        context: dict[str, Any] | None,
        status_code: int,
        categories: list[dict[str, Any]],
        currencies: list[dict[str, Any]],
    ) -> Template:
        layout = {
            "shopper": {
                "logged_in": self.session.logged_in,
                "name": self.session.user_name,
                "cart_count": self.session.cart_count,
                "currency": self.session.currency,
            },
            "currencies": [c["code"] for c in currencies],
            "nav_categories": category_tree(categories),
            "flashes": self.session.pop_flashes(),
            "current_path": self.request.url.path
            + (f"?{self.request.url.query}" if self.request.url.query else ""),
            "version": self.settings.service.version,
            "csrf": self.session.csrf_token,
        }
        return Template(
            template_name=template, context={**layout, **(context or {})}, status_code=status_code
        )

    def redirect(self, path: str) -> Redirect:
        return Redirect(path=path, status_code=303)


def _session_dict(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The session; a throwaway dict on paths without one (static files, health)."""
    data = request.scope.get("session")
    if not isinstance(data, dict):
        data = {}
        request.scope["session"] = data
    return data


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to; anything pointing off-site becomes `default`."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def login_url(next_path: str) -> str:
    return f"/login?next={quote(next_path, safe='/')}"


async def provide_shop(request: Request[Any, Any, Any], state: State) -> Shop:
    return Shop(request, state)

"""The catalog as the cart sees it: product facts and prices from product-service, availability
from inventory-service, both read over HTTP at the moment a cart is read or changed.

`Catalog` is the port the cart's service depends on; `HttpCatalog` is the one implementation,
the real `ServiceClient`s (timeouts, retries, circuit breaker). When either service cannot
answer, `ServiceUnavailable` (503) is raised rather than showing a cart priced from nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol

import msgspec
import structlog
from shopkit.config import HttpSettings
from shopkit.http import ServiceClient, ServiceUnavailable

from cart_service.domain.carts._rules import ProductInfo

PRODUCT_SERVICE = "product-service"
INVENTORY_SERVICE = "inventory-service"
# Both upstream endpoints answer at most this many SKUs per request.
MAX_SKUS_PER_CALL = 100

_logger = structlog.get_logger(__name__)


class Catalog(Protocol):
    async def products(
        self, skus: Sequence[str], currency: str, token: str | None
    ) -> Mapping[str, ProductInfo]: ...

    async def availability(self, skus: Sequence[str], token: str | None) -> Mapping[str, int]: ...


class _ProductPage(msgspec.Struct):
    items: list[ProductInfo]


class _Stock(msgspec.Struct):
    sku: str
    available: int


class _StockPage(msgspec.Struct):
    items: list[_Stock]


def _chunks(skus: Iterable[str]) -> list[list[str]]:
    unique = sorted(set(skus))
    return [unique[i : i + MAX_SKUS_PER_CALL] for i in range(0, len(unique), MAX_SKUS_PER_CALL)]


def _auth(token: str | None) -> dict[str, str]:
    """The caller's own token goes along (no service tokens yet); guests call anonymously."""
    return {"Authorization": f"Bearer {token}"} if token else {}


async def _get_json(
    client: ServiceClient, path: str, params: dict[str, str], token: str | None, type_: type[Any]
) -> Any:
    response = await client.get(path, params=params, headers=_auth(token))
    if response.status_code != 200:
        _logger.warning(
            "upstream_refused", dependency=client.name, path=path, status=response.status_code
        )
        raise ServiceUnavailable(client.name)
    try:
        return msgspec.json.decode(response.content, type=type_)
    except msgspec.ValidationError as exc:
        _logger.error("upstream_contract_broken", dependency=client.name, error=str(exc))
        raise ServiceUnavailable(client.name) from exc


class HttpCatalog:
    def __init__(self, products: ServiceClient, inventory: ServiceClient) -> None:
        self._products = products
        self._inventory = inventory

    @classmethod
    def from_urls(cls, product_url: str, inventory_url: str, settings: HttpSettings) -> HttpCatalog:
        return cls(
            ServiceClient(product_url, settings=settings, name=PRODUCT_SERVICE),
            ServiceClient(inventory_url, settings=settings, name=INVENTORY_SERVICE),
        )

    @asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await self._products.aclose()
            await self._inventory.aclose()

    async def products(
        self, skus: Sequence[str], currency: str, token: str | None
    ) -> Mapping[str, ProductInfo]:
        """The products behind `skus` priced in `currency`; unknown SKUs are simply absent."""
        wanted = set(skus)
        found: dict[str, ProductInfo] = {}
        for chunk in _chunks(wanted):
            page = await _get_json(
                self._products,
                "/api/products/skus",
                {"skus": ",".join(chunk), "currency": currency},
                token,
                _ProductPage,
            )
            found.update((item.sku, item) for item in page.items if item.sku in wanted)
        return found

    async def availability(self, skus: Sequence[str], token: str | None) -> Mapping[str, int]:
        """How many of each SKU can be sold now; a SKU inventory does not know has none."""
        wanted = set(skus)
        found: dict[str, int] = {}
        for chunk in _chunks(wanted):
            page = await _get_json(
                self._inventory, "/api/inventory", {"skus": ",".join(chunk)}, token, _StockPage
            )
            found.update((item.sku, item.available) for item in page.items if item.sku in wanted)
        return found

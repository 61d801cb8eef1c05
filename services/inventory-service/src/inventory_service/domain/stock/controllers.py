"""HTTP for stock: anyone reads the totals and streams the availability of SKUs on sale; admins
(and services) read every SKU's, and set and adjust them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage
from shopkit.auth import ROLE_ADMIN, ROLE_SERVICE, optional_principal, requires_admin
from shopkit.db import LimitOffset, Page
from shopkit.errors import InvalidInputError

from inventory_service.config import InventorySettings
from inventory_service.domain.stock._live import StockFeed, Subscription
from inventory_service.domain.stock.schemas import (
    MAX_LOOKUP_SKUS,
    Availability,
    Movement,
    StockAdjustment,
    StockDetail,
    StockLevel,
    StockLevels,
    StockSet,
)
from inventory_service.domain.stock.services import StockService, check_sku

_encoder = msgspec.json.Encoder()


def on_sale_only(request: Request[Any, Any, Any]) -> bool:
    """Anonymous callers and customers see only SKUs of products on sale; admins and services
    (order-service checking an order placed before a product was archived) see every SKU."""
    principal = optional_principal(request)
    return principal is None or not principal.has_role(ROLE_ADMIN, ROLE_SERVICE)


def parse_skus(raw: str, limit: int) -> list[str]:
    """`a,b,c` → unique SKUs in the order given (422 naming `skus` when empty, bad or too many)."""
    skus = list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    if not skus:
        raise InvalidInputError("skus", "name at least one SKU")
    if len(skus) > limit:
        raise InvalidInputError("skus", f"at most {limit} SKUs at a time")
    for sku in skus:
        check_sku(sku, "skus")
    return skus


async def availability_events(
    feed: StockFeed,
    subscription: Subscription,
    current: dict[str, int],
    heartbeat: float,
    max_seconds: float,
) -> AsyncIterator[ServerSentEventMessage]:
    """The current values first, then each change; a comment line when nothing happened; the
    end after `max_seconds` (the client reconnects)."""
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + max_seconds
    try:
        sent: dict[str, int] = {}
        for sku, available in current.items():
            sent[sku] = available
            yield ServerSentEventMessage(
                data=_encoder.encode(Availability(sku, available)).decode()
            )
        while (left := ends_at - loop.time()) > 0:
            try:
                update = await asyncio.wait_for(subscription.queue.get(), min(heartbeat, left))
            except TimeoutError:
                yield ServerSentEventMessage(data=None, comment="keep-alive")
                continue
            if update is None:  # this replica is shutting down; the browser reconnects
                return
            if sent.get(update.sku) == update.available:
                continue
            sent[update.sku] = update.available
            yield ServerSentEventMessage(data=_encoder.encode(update).decode())
    finally:
        feed.unsubscribe(subscription)


class StockController(Controller):
    path = "/api/inventory"
    tags = ["stock"]

    @get("/", operation_id="listStock", security=[{}])
    async def list_stock(
        self,
        request: Request[Any, Any, Any],
        stock: NamedDependency[StockService],
        skus: Annotated[
            str | None,
            QueryParameter(description=f"Comma-separated SKUs (1 to {MAX_LOOKUP_SKUS})."),
        ] = None,
    ) -> StockLevels:
        """Totals of several SKUs at once, in the order asked; unknown SKUs are left out, and
        for anyone but admins and services so are SKUs of products not on sale."""
        return await stock.levels(
            parse_skus(skus or "", MAX_LOOKUP_SKUS), on_sale_only=on_sale_only(request)
        )

    @get("/stream", operation_id="streamAvailability", security=[{}])
    async def stream_availability(
        self,
        request: Request[Any, Any, Any],
        stock: NamedDependency[StockService],
        feed: NamedDependency[StockFeed],
        inventory_settings: NamedDependency[InventorySettings],
        skus: Annotated[str, QueryParameter(description="Comma-separated SKUs (at most 50).")],
    ) -> ServerSentEvent:
        """Server-Sent Events: `{sku, available}` now and whenever it changes, on any replica.
        SKUs of products not on sale are left out, as unknown ones are (except for admins)."""
        wanted = parse_skus(skus, inventory_settings.stream_max_skus)
        if on_sale_only(request):
            public = await stock.availability(wanted, on_sale_only=True)
            wanted = [sku for sku in wanted if sku in public]
        # Subscribe before reading, so a change committed in between is not missed.
        subscription = feed.subscribe(wanted)
        try:
            known = await stock.availability(wanted)
        except BaseException:
            feed.unsubscribe(subscription)
            raise
        current = {sku: known[sku] for sku in wanted if sku in known}
        return ServerSentEvent(
            availability_events(
                feed,
                subscription,
                current,
                inventory_settings.stream_heartbeat_seconds,
                inventory_settings.stream_max_seconds,
            ),
            retry_duration=3000,
        )

    @get("/{sku:str}", operation_id="getStock", security=[{}])
    async def get_stock(
        self,
        request: Request[Any, Any, Any],
        stock: NamedDependency[StockService],
        sku: FromPath[str],
    ) -> StockLevel:
        """Totals over every warehouse. 404 for a SKU of a product not on sale (draft, archived
        or deleted), unless the caller is an admin or a service."""
        return await stock.level(sku, on_sale_only=on_sale_only(request))

    @put("/{sku:str}", operation_id="setStock", guards=[requires_admin])
    async def set_stock(
        self, stock: NamedDependency[StockService], sku: FromPath[str], data: JSONBody[StockSet]
    ) -> StockDetail:
        """Set the count on hand in one warehouse (and optionally the low-stock threshold)."""
        return await stock.set_stock(sku, data)

    @post("/{sku:str}/adjustments", operation_id="adjustStock", guards=[requires_admin])
    async def adjust_stock(
        self,
        stock: NamedDependency[StockService],
        sku: FromPath[str],
        data: JSONBody[StockAdjustment],
    ) -> StockDetail:
        """Change the count on hand by `delta` (received, damaged, recounted...)."""
        return await stock.adjust(sku, data)

    @get("/{sku:str}/movements", operation_id="listStockMovements", guards=[requires_admin])
    async def list_movements(
        self,
        stock: NamedDependency[StockService],
        sku: FromPath[str],
        page: NamedDependency[LimitOffset],
    ) -> Page[Movement]:
        """The ledger of a SKU, newest first."""
        rows, total = await stock.movements_page(sku, page.limit, page.offset)
        items = [msgspec.convert(row, Movement, from_attributes=True) for row in rows]
        return Page(items=items, total=total, limit=page.limit, offset=page.offset)

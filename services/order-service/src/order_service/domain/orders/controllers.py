"""HTTP for orders: customers place, read and cancel their own; admins read all and ship."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from litestar import Controller, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_304_NOT_MODIFIED
from shopkit.auth import (
    ROLE_CUSTOMER,
    CurrentPrincipal,
    requires_admin,
    requires_role,
)
from shopkit.conditional import etag_matches
from shopkit.db import Page
from shopkit.openapi_problems import problem_responses

from order_service.config import OrderSettings
from order_service.domain.orders._checkout import Checkout, check_key
from order_service.domain.orders._states import OrderStatus
from order_service.domain.orders._watch import OrderWatch
from order_service.domain.orders.schemas import Order, OrderCreate, OrderSummary
from order_service.domain.orders.services import (
    IDEMPOTENCY_HEADER,
    OrderService,
    etag_of,
    to_schema,
    to_schemas,
)

requires_customer = requires_role(ROLE_CUSTOMER)
StatusFilter = Annotated[
    OrderStatus | None, QueryParameter(name="status", description="only orders in this status")
]


def requested_wait(prefer: str | None, most: float) -> float:
    """The seconds of `Prefer: wait=N` (RFC 7240), at most `most`; 0 when absent or unreadable
    (a preference the server cannot honour is ignored, not refused)."""
    for preference in (prefer or "").split(","):
        name, _, value = preference.split(";", 1)[0].strip().partition("=")
        if name.strip().lower() == "wait":
            try:
                seconds = float(value.strip().strip('"'))
            except ValueError:
                return 0.0
            return min(max(seconds, 0.0), most) if seconds == seconds else 0.0  # NaN: none
    return 0.0


def _not_modified(headers: dict[str, str]) -> Response[Any]:
    return Response(None, status_code=HTTP_304_NOT_MODIFIED, headers=headers)


class OrderController(Controller):
    path = "/api/orders"
    tags = ["orders"]

    @post(
        "/",
        operation_id="placeOrder",
        guards=[requires_customer],
        status_code=HTTP_201_CREATED,
        responses=problem_responses(409, 429),
    )
    async def place_order(
        self,
        principal: CurrentPrincipal,
        orders: NamedDependency[OrderService],
        checkout: NamedDependency[Checkout],
        data: JSONBody[OrderCreate],
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(
                name=IDEMPOTENCY_HEADER,
                description="required; the same key and body give back the same order",
            ),
        ] = None,
    ) -> Response[Order]:
        """Price the cart anew, lock the exchange rate, create the payment and store the order
        `pending`: 201 with `payment_id`, or 200 with the same order for a key seen before.

        When payment-service cannot be reached the order is stored all the same with
        `payment_id` null, and its payment is created as soon as payment-service answers again
        (the history then notes `payment_prepared` and the ETag changes): follow the order
        (`If-None-Match` with this answer's ETag, `Prefer: wait=N`) until it has a
        `payment_id`, then pay. An order never paid is cancelled when its checkout time ends.

        In a rush for scarce stock: 409 `sold-out` when inventory has less than the cart asks
        for, 429 `checkout-busy` with `Retry-After` when every unit left is in other shoppers'
        checkouts still waiting for their reservation (nothing stored, nothing charged)."""
        key = check_key(idempotency_key)
        order, created = await checkout.place_order(principal, key, data, orders)
        return Response(
            to_schema(order, principal),
            status_code=HTTP_201_CREATED if created else HTTP_200_OK,
            headers={"ETag": etag_of(order)},
        )

    @get(
        "/summary",
        operation_id="getOrderSummary",
        guards=[requires_admin],
        responses=problem_responses(422),
    )
    async def summary(
        self,
        orders: NamedDependency[OrderService],
        since: Annotated[
            datetime,
            QueryParameter(description="orders placed at or after this instant (with its zone)"),
        ],
    ) -> OrderSummary:
        """Orders placed since `since`, per currency: how many, how many were paid, and the
        revenue (paid totals less refunds). Admins only (the dashboard's today)."""
        return await orders.summary(since)

    @get("/", operation_id="listOrders")
    async def list_orders(
        self,
        principal: CurrentPrincipal,
        orders: NamedDependency[OrderService],
        page: NamedDependency[LimitOffset],
        status: StatusFilter = None,
    ) -> Page[Order]:
        """A customer's own orders, newest first; an admin sees everyone's."""
        items, total = await orders.list_for(
            principal,
            status=str(status) if status else None,
            limit=page.limit,
            offset=page.offset,
        )
        return Page(
            items=to_schemas(items, principal), total=total, limit=page.limit, offset=page.offset
        )

    @get(
        "/{order_id:uuid}",
        operation_id="getOrder",
        response_headers=[
            ResponseHeader(
                name="ETag",
                description="the order's version, for `If-None-Match`",
                documentation_only=True,
            )
        ],
        responses={
            HTTP_304_NOT_MODIFIED: ResponseSpec(
                data_container=None,
                description="The order is still as the `If-None-Match` ETag says "
                "(after waiting, with `Prefer: wait`, for it to change)",
            )
        },
    )
    async def get_order(
        self,
        principal: CurrentPrincipal,
        orders: NamedDependency[OrderService],
        watch: NamedDependency[OrderWatch],
        order_settings: NamedDependency[OrderSettings],
        order_id: FromPath[UUID],
        if_none_match: Annotated[
            str | None,
            HeaderParameter(
                name="If-None-Match",
                description="the `ETag` of the order as last seen: 304 while it is unchanged",
            ),
        ] = None,
        prefer: Annotated[
            str | None,
            HeaderParameter(
                name="Prefer",
                description="`wait=N` with `If-None-Match`: hold the answer up to N seconds "
                "(at most ORDER_WAIT_MAX_SECONDS, 20 by default) until the order changes",
            ),
        ] = None,
    ) -> Response[Order]:
        """One order with its lines and status history (own, or any for an admin), with its
        `ETag`. An order page waiting for the next status sends that ETag in `If-None-Match`
        with `Prefer: wait=20`: the answer comes the moment the order changes (200), or 304
        when it has not changed within the wait; the page asks again."""
        wait = requested_wait(prefer, order_settings.wait_max_seconds) if if_none_match else 0.0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        with watch.watching(order_id) as changed:
            while True:
                changed.clear()
                order = await orders.get_for(principal, order_id)
                etag = etag_of(order)
                if not etag_matches(if_none_match, etag):
                    return Response(to_schema(order, principal), headers={"ETag": etag})
                remaining = deadline - loop.time()
                if remaining <= 0:
                    headers = {"ETag": etag}
                    if wait:
                        headers["Preference-Applied"] = f"wait={wait:g}"
                    return _not_modified(headers)
                await orders.end_read()  # no connection held while waiting
                await watch.wait(changed, remaining)

    @post(
        "/{order_id:uuid}/cancel",
        operation_id="cancelOrder",
        status_code=HTTP_200_OK,
        responses=problem_responses(409),
    )
    async def cancel_order(
        self,
        principal: CurrentPrincipal,
        orders: NamedDependency[OrderService],
        order_id: FromPath[UUID],
    ) -> Order:
        """Cancel before shipping (409 after): inventory releases the stock, and
        payment-service cancels the open payment or refunds the captured one in full
        (`order.cancelled.v1`)."""
        return to_schema(await orders.cancel_for(principal, order_id), principal)

    @post(
        "/{order_id:uuid}/ship",
        operation_id="shipOrder",
        guards=[requires_admin],
        status_code=HTTP_200_OK,
        responses=problem_responses(409),
    )
    async def ship_order(
        self,
        principal: CurrentPrincipal,
        orders: NamedDependency[OrderService],
        order_id: FromPath[UUID],
    ) -> Order:
        """Mark a confirmed order shipped (`order.shipped.v1`)."""
        return to_schema(await orders.ship(order_id), principal)

"""HTTP for orders: customers place, read and cancel their own; admins read all and ship."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from shopkit.auth import (
    ROLE_CUSTOMER,
    CurrentPrincipal,
    provide_principal,
    requires_admin,
    requires_role,
)
from shopkit.db import Page
from shopkit.openapi_problems import problem_responses
from sqlalchemy.ext.asyncio import AsyncSession

from order_service.domain.orders._checkout import Checkout, check_key
from order_service.domain.orders._states import OrderStatus
from order_service.domain.orders._upstream import caller_token
from order_service.domain.orders.schemas import Order, OrderCreate
from order_service.domain.orders.services import (
    IDEMPOTENCY_HEADER,
    OrderService,
    to_schema,
    to_schemas,
)

requires_customer = requires_role(ROLE_CUSTOMER)
StatusFilter = Annotated[
    OrderStatus | None, QueryParameter(name="status", description="only orders in this status")
]


async def provide_orders(db_session: NamedDependency[AsyncSession], state: State) -> OrderService:
    orders: OrderService = state["order_service"](db_session)
    return orders


async def provide_checkout(state: State) -> Checkout:
    checkout: Checkout = state["checkout"]
    return checkout


def _bearer(request: Request[Any, Any, Any]) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class OrderController(Controller):
    path = "/api/orders"
    tags = ["orders"]
    dependencies = {
        "orders": Provide(provide_orders),
        "checkout": Provide(provide_checkout),
        "principal": Provide(provide_principal),
    }

    @post(
        "/",
        operation_id="placeOrder",
        guards=[requires_customer],
        status_code=HTTP_201_CREATED,
        responses=problem_responses(409, 429),
    )
    async def place_order(
        self,
        request: Request[Any, Any, Any],
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

        In a rush for scarce stock: 409 `sold-out` when inventory has less than the cart asks
        for, 429 `checkout-busy` with `Retry-After` when every unit left is in other shoppers'
        checkouts still waiting for their reservation (nothing stored, nothing charged)."""
        key = check_key(idempotency_key)
        token = caller_token.set(_bearer(request))
        try:
            order, created = await checkout.place_order(principal, key, data, orders)
        finally:
            caller_token.reset(token)
        return Response(to_schema(order), status_code=HTTP_201_CREATED if created else HTTP_200_OK)

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
        return Page(items=to_schemas(items), total=total, limit=page.limit, offset=page.offset)

    @get("/{order_id:uuid}", operation_id="getOrder")
    async def get_order(
        self,
        principal: CurrentPrincipal,
        orders: NamedDependency[OrderService],
        order_id: FromPath[UUID],
    ) -> Order:
        """One order with its lines and status history (own, or any for an admin)."""
        return to_schema(await orders.get_for(principal, order_id))

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
        return to_schema(await orders.cancel_for(principal, order_id))

    @post(
        "/{order_id:uuid}/ship",
        operation_id="shipOrder",
        guards=[requires_admin],
        status_code=HTTP_200_OK,
        responses=problem_responses(409),
    )
    async def ship_order(
        self, orders: NamedDependency[OrderService], order_id: FromPath[UUID]
    ) -> Order:
        """Mark a confirmed order shipped (`order.shipped.v1`)."""
        return to_schema(await orders.ship(order_id))

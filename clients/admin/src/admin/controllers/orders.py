"""Orders: the list by status, one order with its saga history, ship, cancel and refund."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from admin.deps import provide_api
from admin.gateway import Api, ApiError
from admin.money import AmountError, parse_amount
from admin.pages import done, page, refused

PAGE_SIZE = 50
STATUSES = (
    "pending",
    "awaiting_payment",
    "confirmed",
    "shipped",
    "delivered",
    "cancelled",
    "refunded",
)


def _order_api(order_id: str) -> str:
    return f"/api/orders/{quote(order_id, safe='')}"


def _order_page(order_id: str) -> str:
    return f"/admin/orders/{quote(order_id, safe='')}"


def refundable(order: dict[str, Any], payment: dict[str, Any] | None) -> int:
    """Minor units that can still be refunded: only a captured payment, less earlier refunds."""
    if not payment or payment.get("status") != "succeeded":
        return 0
    paid = int(payment.get("amount", {}).get("amount", 0))
    refunded = int(payment.get("refunded", {}).get("amount", 0))
    return max(paid - refunded, 0)


class OrderController(Controller):
    path = "/admin/orders"
    dependencies = {"api": Provide(provide_api)}

    @get("/", name="orders")
    async def list_orders(
        self,
        request: Request[Any, Any, Any],
        api: NamedDependency[Api],
        status: FromQuery[str] = "",
        offset: FromQuery[int] = 0,
    ) -> Template:
        wanted = status if status in STATUSES else None
        offset = max(offset, 0)
        listing = await api.get("/api/orders", limit=PAGE_SIZE, offset=offset, status=wanted)
        return page(
            request,
            "orders/list.html",
            section="orders",
            orders=listing.get("items", []),
            total=int(listing.get("total", 0)),
            offset=offset,
            page_size=PAGE_SIZE,
            status=wanted or "",
            statuses=STATUSES,
            base_query=urlencode({"status": wanted}) if wanted else "",
        )

    @get("/{order_id:str}", name="orders.detail")
    async def order_detail(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api], order_id: FromPath[str]
    ) -> Template:
        order = await api.get(_order_api(order_id))
        payment: dict[str, Any] | None = None
        payment_error: str | None = None
        if order.get("payment_id"):
            try:
                payment = await api.get(f"/api/payments/{quote(order['payment_id'], safe='')}")
            except ApiError as exc:
                payment_error = exc.message
        left = refundable(order, payment)
        return page(
            request,
            "orders/detail.html",
            section="orders",
            order=order,
            payment=payment,
            payment_error=payment_error,
            # order-service says what an admin may ask of the order now.
            can_ship="ship" in order.get("actions", []),
            can_cancel="cancel" in order.get("actions", []),
            refundable={"amount": left, "currency": order.get("currency")} if left else None,
        )

    @post("/{order_id:str}/ship", name="orders.ship")
    async def ship(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api], order_id: FromPath[str]
    ) -> Redirect:
        return await _transition(request, api, order_id, "ship", "Order marked shipped")

    @post("/{order_id:str}/cancel", name="orders.cancel")
    async def cancel(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api], order_id: FromPath[str]
    ) -> Redirect:
        return await _transition(request, api, order_id, "cancel", "Order cancelled")

    @post("/{order_id:str}/refund", name="orders.refund")
    async def refund(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api], order_id: FromPath[str]
    ) -> Redirect:
        here = _order_page(order_id)
        form = await request.form()
        order = await api.get(_order_api(order_id))
        if not order.get("payment_id"):
            return refused(request, here, "This order has no payment to refund.")
        typed = str(form.get("amount", "")).strip()
        body: dict[str, Any] = {}
        if typed:
            try:
                body["amount"] = parse_amount(typed, str(order["currency"]))
            except AmountError as exc:
                return refused(request, here, f"Not refunded. Refund amount: {exc}")
            if body["amount"] == 0:
                return refused(request, here, "Not refunded. Refund amount must be more than 0.")
        try:
            await api.post(f"/api/payments/{quote(order['payment_id'], safe='')}/refunds", body)
        except ApiError as exc:
            return refused(request, here, f"Not refunded. {exc.message}")
        # The payment is refunded now; the order follows through `payment.refunded`.
        return done(request, here, "Refund made")


REFUSED = {"ship": "Not shipped.", "cancel": "Not cancelled."}


async def _transition(
    request: Request[Any, Any, Any], api: Api, order_id: str, action: str, message: str
) -> Redirect:
    """Ask order-service to ship or cancel; either way, back to the order with what happened."""
    try:
        await api.post(f"{_order_api(order_id)}/{action}")
    except ApiError as exc:
        return refused(request, _order_page(order_id), f"{REFUSED[action]} {exc.message}")
    return done(request, _order_page(order_id), message)

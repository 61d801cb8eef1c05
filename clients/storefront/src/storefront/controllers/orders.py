"""Order history, order detail (its status updated live) and the small status endpoint the
detail page asks, which waits for the order's next change (the API's `Prefer: wait`)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template

from storefront.api import NotLoggedIn
from storefront.gateway import ApiError, ServiceUnavailable
from storefront.pages import Shop
from storefront.paying import CANCELLABLE, awaits_confirmation, order_and_etag, pay_order
from storefront.payments import DEFAULT_METHOD, TEST_METHODS, TOKENS
from storefront.templating import status_label, when

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PAGE_SIZE = 10
# The states after which the page stops polling: nothing changes them without staff.
SETTLED = frozenset({"confirmed", "cancelled", "shipped", "delivered", "refunded"})


DECLINED = (
    "Your card was declined. Nothing was charged: the order is cancelled and its items are "
    "back in stock."
)


def decline_message(order: dict[str, Any], just_declined: bool = False) -> str | None:
    """The decline, from the order once the saga has cancelled it, or from the checkout that
    just saw the payment fail (the cancellation follows within a moment)."""
    if order.get("status") == "cancelled" and order.get("cancel_reason") == "payment_failed":
        return DECLINED
    if just_declined and order.get("status") not in SETTLED:
        return DECLINED
    return None


def status_view(order: dict[str, Any], just_declined: bool = False) -> dict[str, Any]:
    """What the page shows of an order's progress, and what the poll endpoint answers."""
    return {
        "status": order["status"],
        "label": status_label(order["status"]),
        "settled": order["status"] in SETTLED,
        "cancellable": order["status"] in CANCELLABLE,
        "message": decline_message(order, just_declined),
        "history": [
            {
                "to": change["to"],
                "label": status_label(change["to"]),
                "reason": (change.get("reason") or "").replace("_", " "),
                "at": when(change.get("at")),
            }
            for change in order.get("history", [])
        ],
    }


class OrdersController(Controller):
    path = "/orders"

    @get("/", operation_id="orders")
    async def orders(
        self, shop: NamedDependency[Shop], page: Annotated[int, QueryParameter(ge=1, le=1000)] = 1
    ) -> Template:
        answer = await shop.api.get(
            "/api/orders", {"limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}, auth=True
        )
        total = int(answer.get("total", 0))
        return await shop.render(
            "orders.html",
            {
                "orders": answer.get("items", []),
                "page": page,
                "pages": max(1, -(-total // PAGE_SIZE)),
                "total": total,
            },
        )

    @get("/{order_id:str}", operation_id="order")
    async def order(self, shop: NamedDependency[Shop], order_id: FromPath[str]) -> Template:
        order, etag = await order_and_etag(shop, order_id)
        return await shop.render(
            "order.html",
            {
                "order": order,
                "etag": etag,
                "progress": status_view(order, shop.session.pop_declined(str(order["id"]))),
                "payable": await awaits_confirmation(shop, order),
                "methods": TEST_METHODS,
                "default_method": DEFAULT_METHOD,
            },
        )

    @post("/{order_id:str}/pay", operation_id="payOrder", status_code=303)
    async def pay(
        self, shop: NamedDependency[Shop], order_id: FromPath[str], data: Form
    ) -> Redirect:
        """Pay an order whose payment was not confirmed at checkout (payment-service was away,
        or the order's payment came later): the same confirmation as the checkout's."""
        page = f"/orders/{quote(order_id, safe='')}"
        method = str(data.get("payment_method", "")).strip()
        if method not in TOKENS:
            shop.session.flash("Choose a test payment method.", error=True)
            return shop.redirect(page)
        order, _ = await order_and_etag(shop, order_id)
        if not await awaits_confirmation(shop, order):
            shop.session.flash("This order is not waiting for a payment.", error=True)
            return shop.redirect(page)
        await pay_order(shop, order, method)
        return shop.redirect(page)

    @get("/{order_id:str}/status", operation_id="orderStatus")
    async def status(
        self, request: Request[Any, Any, Any], shop: NamedDependency[Shop], order_id: FromPath[str]
    ) -> Response[dict[str, Any] | None]:
        """JSON for the order page; errors as JSON too (the page retries). With the ETag of
        what the page shows in `If-None-Match`, the answer waits up to WAIT_SECONDS for the
        order to change: the new status the moment it does, else 304."""
        seen = request.headers.get("if-none-match")
        try:
            order, etag = await order_and_etag(shop, order_id, seen=seen)
        except NotLoggedIn:
            return Response({"error": "not logged in"}, status_code=401)
        except ApiError as exc:
            return Response({"error": exc.detail}, status_code=exc.status_code)
        except ServiceUnavailable as exc:
            return Response({"error": exc.reason}, status_code=exc.status_code)
        headers = {"Cache-Control": "no-store", **({"ETag": etag} if etag else {})}
        if order is None:
            return Response(None, status_code=304, headers=headers)
        return Response(status_view(order), headers=headers)

    @post("/{order_id:str}/cancel", operation_id="cancelOrder", status_code=303)
    async def cancel(self, shop: NamedDependency[Shop], order_id: FromPath[str]) -> Redirect:
        try:
            await shop.api.post(f"/api/orders/{quote(order_id, safe='')}/cancel", auth=True)
            shop.session.flash("Your order is cancelled.")
        except ApiError as exc:
            shop.session.flash(" ".join(exc.messages()), error=True)
        return shop.redirect(f"/orders/{quote(order_id, safe='')}")

"""Following an order and paying it, for the checkout and the order page: the order and its
ETag (waiting for its next change), its payment id (an order placed while payment-service was
away gets it a moment later), and the confirmation of its payment."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import quote

from litestar.di import NamedDependency

from storefront.api import result
from storefront.gateway import ApiError, ServiceUnavailable
from storefront.pages import Shop

PAYMENT_PATIENCE = 15  # seconds the checkout waits for a payment order-service still prepares
UNREACHABLE = (
    "Your order is placed, but we could not reach the payment service. "
    "Nothing has been charged; the order is cancelled if it is not paid."
)
# Before any money is taken: the order may still be cancelled, or paid from its page.
CANCELLABLE = frozenset({"pending", "awaiting_payment"})
# How long the status endpoint holds its answer for the order's next change (the API's own
# limit, ORDER_WAIT_MAX_SECONDS, is 20 s); the page then asks again.
WAIT_SECONDS = 20


async def payment_of(shop: NamedDependency[Shop], order: dict[str, Any]) -> str | None:
    """The order's payment id; an order placed while payment-service was away gets it a moment
    later (order-service creates it once payment-service answers): followed for up to
    PAYMENT_PATIENCE seconds, else None."""
    deadline = time.monotonic() + PAYMENT_PATIENCE
    seen: str | None = None
    while order.get("payment_id") is None:
        left = int(deadline - time.monotonic())
        if left < 1:
            return None
        try:
            now, seen = await order_and_etag(shop, str(order["id"]), seen=seen, wait_seconds=left)
        except (ApiError, ServiceUnavailable):
            await asyncio.sleep(1)
            continue
        order = now or order
    return str(order["payment_id"])


async def pay_order(shop: NamedDependency[Shop], order: dict[str, Any], method: str) -> None:
    """Confirm the payment; a decline is told on the order page (the saga cancels the order).
    An order whose payment could not be confirmed here can be paid from its page (Pay now)."""
    payment_id = await payment_of(shop, order)
    if not payment_id:
        shop.session.flash(UNREACHABLE, error=True)
        return
    try:
        payment = await shop.api.post(
            f"/api/payments/{quote(str(payment_id), safe='')}/confirm",
            {"payment_method": method},
            auth=True,
        )
    except (ApiError, ServiceUnavailable):
        shop.session.flash(UNREACHABLE, error=True)
        return
    if payment.get("status") == "failed":
        shop.session.note_declined(str(order["id"]))  # told once, on the order page
    else:
        shop.session.flash("Thank you! Your order is placed.")


async def awaits_confirmation(shop: NamedDependency[Shop], order: dict[str, Any]) -> bool:
    """The order is still in checkout and its payment waits for the customer to confirm it
    (nothing was charged yet): its page offers Pay now. False when that cannot be read."""
    if order.get("status") not in CANCELLABLE or not order.get("payment_id"):
        return False
    try:
        payment = await shop.api.get(
            f"/api/payments/{quote(str(order['payment_id']), safe='')}", auth=True
        )
    except (ApiError, ServiceUnavailable):
        return False
    return bool(payment.get("status") == "requires_confirmation")


async def order_and_etag(
    shop: NamedDependency[Shop],
    order_id: str,
    *,
    seen: str | None = None,
    wait_seconds: int = WAIT_SECONDS,
) -> tuple[Any, str | None]:
    """The order and its ETag; with `seen` (an ETag), None and that ETag when the order is
    still so after waiting up to `wait_seconds` for it to change."""
    wait = {"If-None-Match": seen, "Prefer": f"wait={wait_seconds}"} if seen else None
    answer = await shop.api.respond(
        "GET",
        f"/api/orders/{quote(order_id, safe='')}",
        auth=True,
        headers=wait,
        read_timeout=wait_seconds + 10 if seen else None,
    )
    etag = answer.headers.get("etag")
    if answer.status_code == 304:
        return None, etag or seen
    try:
        return result(answer), etag
    except ApiError as exc:
        if exc.status_code in (400, 422):  # not an order id at all
            raise ApiError(404, exc.problem) from None
        raise

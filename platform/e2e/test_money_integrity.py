"""Issue 9's proof, through the gateway on the real shop: a customer cannot pay an order with an
amount of their choosing, money taken for an order that ends cancelled goes back in full and
once (with its stock), and a cancelled order's payment can no longer be paid."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from conftest import Gateway, eventually

# The shop's checkout helpers and the `sku` fixture (5 units free, restored afterwards).
from test_checkout import _available, _order, _pay, _shopper, _status, _told, sku

pytestmark = pytest.mark.e2e

__all__ = ["sku"]


def _payment(shop: Gateway, token: str, payment_id: str) -> dict[str, Any]:
    reply = shop.call("GET", f"/api/payments/{payment_id}", token=token)
    assert reply.status == 200, reply.body
    return dict(reply.json())


def test_a_customer_cannot_create_a_payment_of_their_choosing(shop: Gateway, sku: str) -> None:
    token = _shopper(shop)
    order = _order(shop, token, sku)
    eventually(lambda: _status(shop, token, order["id"]) == "awaiting_payment", seconds=10)

    one_cent = shop.call(
        "POST", "/api/payments",
        {"order_id": order["id"], "amount": {"amount": 1, "currency": "USD"}},
        token=token, headers={"Idempotency-Key": uuid.uuid4().hex},
    )  # fmt: skip
    assert one_cent.status == 403, one_cent.body
    assert one_cent.headers["Content-Type"].startswith("application/problem+json")
    assert _status(shop, token, order["id"]) == "awaiting_payment"

    stranger = _shopper(shop)
    hidden = shop.call("GET", f"/api/payments/{order['payment_id']}", token=stranger)
    assert hidden.status == 404
    stolen = shop.call(
        "POST", f"/api/payments/{order['payment_id']}/confirm",
        {"payment_method": "pm_card_chargeDeclined"}, token=stranger,
    )  # fmt: skip
    assert stolen.status == 404
    assert _status(shop, token, order["id"]) == "awaiting_payment"

    payment = _payment(shop, token, order["payment_id"])
    assert payment["amount"] == order["total"]
    assert payment["customer_id"] == order["customer_id"]


def test_cancelling_a_confirmed_order_refunds_it_once_and_puts_the_stock_back(
    shop: Gateway, sku: str
) -> None:
    token = _shopper(shop)
    order = _order(shop, token, sku, quantity=2)
    eventually(lambda: _status(shop, token, order["id"]) == "awaiting_payment", seconds=10)
    _pay(shop, token, order, "pm_card_visa")
    eventually(lambda: _status(shop, token, order["id"]) == "confirmed", seconds=5)
    assert _available(shop, sku) == 3

    cancelled = shop.call("POST", f"/api/orders/{order['id']}/cancel", token=token)
    assert cancelled.status == 200, cancelled.body
    eventually(lambda: _status(shop, token, order["id"]) == "refunded", seconds=10)
    payment = _payment(shop, token, order["payment_id"])
    assert payment["status"] == "refunded"
    assert payment["refunded"] == order["total"]
    assert [refund["amount"] for refund in payment["refunds"]] == [order["total"]]
    eventually(lambda: _available(shop, sku) == 5, seconds=10)
    seen = shop.call("GET", f"/api/orders/{order['id']}", token=token).json()
    assert seen["refunded"] == order["total"]
    eventually(lambda: _told(shop, token, "refund"), seconds=10)  # the customer is told


def test_a_cancelled_orders_payment_can_no_longer_be_paid(shop: Gateway, sku: str) -> None:
    token = _shopper(shop)
    order = _order(shop, token, sku)
    eventually(lambda: _status(shop, token, order["id"]) == "awaiting_payment", seconds=10)
    cancelled = shop.call("POST", f"/api/orders/{order['id']}/cancel", token=token)
    assert cancelled.status == 200, cancelled.body
    eventually(
        lambda: _payment(shop, token, order["payment_id"])["status"] == "canceled", seconds=10
    )

    late = shop.call(
        "POST", f"/api/payments/{order['payment_id']}/confirm",
        {"payment_method": "pm_card_visa"}, token=token,
    )  # fmt: skip
    assert late.status == 409, late.body
    assert _payment(shop, token, order["payment_id"])["status"] == "canceled"
    assert _status(shop, token, order["id"]) == "cancelled"
    eventually(lambda: _available(shop, sku) == 5, seconds=10)

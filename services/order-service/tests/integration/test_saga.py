"""The checkout saga driven by real upstream events: envelopes built with the SDK, published on
the session's exchange, handled by the app's real consumers; the order's state and the events it
publishes are what a customer, inventory and notification-service would see."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from conftest import app_for, new_key, order_body
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.auth import ServiceTokenProvider
from shopkit.messaging import Event, payload_as
from shopkit.money import Money
from shopkit.testing import CollectorFactory, EventCollector, client_for
from upstream_pacts import CART_ID, PAYMENT_ID

from order_service.config import OrderSettings, Settings
from order_service.events.events import (
    OrderCancelled,
    OrderConfirmed,
    OrderRefunded,
    OrderShipped,
)

pytestmark = pytest.mark.integration

PREFIX = "/api/orders"


# --- the upstream events, as minimal payloads of our own -------------------------------------


class Line(msgspec.Struct, frozen=True):
    sku: str
    quantity: int


class StockReserved(Event, frozen=True):
    event_type = "inventory.reserved.v1"
    reservation_id: str
    order_id: str
    lines: list[Line]
    expires_at: str = "2099-01-01T00:00:00Z"


class StockReservationFailed(Event, frozen=True):
    event_type = "inventory.reservation_failed.v1"
    order_id: str
    reason: str = "out_of_stock"


class PaymentSucceeded(Event, frozen=True):
    event_type = "payment.succeeded.v1"
    payment_id: str
    order_id: str
    amount: Money
    provider: str = "sandbox"
    provider_reference: str = "pi_test"


class PaymentFailed(Event, frozen=True):
    event_type = "payment.failed.v1"
    payment_id: str
    order_id: str
    amount: Money
    reason: str = "card_declined"
    decline_code: str = "generic_decline"


class PaymentRefunded(Event, frozen=True):
    event_type = "payment.refunded.v1"
    payment_id: str
    order_id: str
    refund_id: str
    amount: Money
    refunded_total: Money
    customer_id: str = ""


def reserved(order: dict[str, Any]) -> StockReserved:
    lines = [Line(sku=line["sku"], quantity=line["quantity"]) for line in order["lines"]]
    return StockReserved(reservation_id=f"res-{uuid.uuid4()}", order_id=order["id"], lines=lines)


def total(order: dict[str, Any]) -> Money:
    return Money(order["total"]["amount"], order["total"]["currency"])


def paid(order: dict[str, Any]) -> PaymentSucceeded:
    return PaymentSucceeded(payment_id=PAYMENT_ID, order_id=order["id"], amount=total(order))


def declined(order: dict[str, Any]) -> PaymentFailed:
    return PaymentFailed(payment_id=PAYMENT_ID, order_id=order["id"], amount=total(order))


def refunded(order: dict[str, Any], amount: int, refunded_total: int) -> PaymentRefunded:
    currency = order["currency"]
    return PaymentRefunded(
        payment_id=PAYMENT_ID,
        order_id=order["id"],
        refund_id=f"re-{uuid.uuid4()}",
        amount=Money(amount, currency),
        refunded_total=Money(refunded_total, currency),
    )


# --- helpers --------------------------------------------------------------------------------


async def place(client: AsyncTestClient[Litestar], headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post(
        PREFIX, json=order_body(CART_ID), headers={**headers, "Idempotency-Key": new_key()}
    )
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


async def wait_for(
    client: AsyncTestClient[Litestar],
    headers: dict[str, str],
    order_id: str,
    check: Callable[[dict[str, Any]], bool],
    within: float = 10.0,
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        order: dict[str, Any] = (await client.get(f"{PREFIX}/{order_id}", headers=headers)).json()
        if check(order):
            return order
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"order {order_id} never got there; it is {order}")
        await asyncio.sleep(0.05)


def status_is(status: str) -> Callable[[dict[str, Any]], bool]:
    return lambda order: order["status"] == status


async def event_for(collector: EventCollector, order_id: str, event_type: type[Any]) -> Any:
    """The next event about `order_id` on the collector (others' events are skipped)."""
    for _ in range(100):
        received = await collector.next(timeout=10)
        event = payload_as(received.envelope, event_type)
        if event.order_id == order_id:
            return event
    pytest.fail(f"no {event_type.event_type} for {order_id}")


async def nothing_for(collector: EventCollector, order_id: str, within: float = 1.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while (remaining := deadline - asyncio.get_running_loop().time()) > 0:
        try:
            received = await asyncio.wait_for(collector._inbox.get(), remaining)
        except TimeoutError:
            return
        body = msgspec.json.decode(received.envelope.payload)
        assert body.get("order_id") != order_id, f"unexpected {received.envelope.type}"


def reasons(order: dict[str, Any]) -> list[tuple[str | None, str, str]]:
    return [(h["from"], h["to"], h["reason"]) for h in order["history"]]


Publish = Callable[..., Any]


# --- the saga -------------------------------------------------------------------------------


async def test_reserved_then_paid_confirms_and_announces_the_order(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    publish: Publish,
    event_collector: CollectorFactory,
) -> None:
    confirmations = await event_collector(OrderConfirmed.event_type)
    order = await place(client, customer_headers)

    reservation = reserved(order)
    await publish(reservation)
    waiting = await wait_for(client, customer_headers, order["id"], status_is("awaiting_payment"))
    assert waiting["reservation_id"] == reservation.reservation_id

    await publish(paid(order))
    confirmed = await wait_for(client, customer_headers, order["id"], status_is("confirmed"))
    assert reasons(confirmed) == [
        (None, "pending", "placed"),
        ("pending", "awaiting_payment", "stock_reserved"),
        ("awaiting_payment", "confirmed", "payment_succeeded"),
    ]

    event = await event_for(confirmations, order["id"], OrderConfirmed)
    assert event.status == "confirmed"
    assert event.customer_email == "ada@example.com"
    assert event.customer_name == "Ada Lovelace"
    assert event.reservation_id == reservation.reservation_id
    assert event.total == total(order)
    assert [(line.sku, line.quantity) for line in event.lines] == [
        (line["sku"], line["quantity"]) for line in order["lines"]
    ]
    assert event.shipping_address.country == "GB"


async def test_a_declined_payment_cancels_the_order_and_releases_stock(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    publish: Publish,
    event_collector: CollectorFactory,
) -> None:
    cancellations = await event_collector(OrderCancelled.event_type)
    order = await place(client, customer_headers)
    reservation = reserved(order)
    await publish(reservation)
    await wait_for(client, customer_headers, order["id"], status_is("awaiting_payment"))

    await publish(declined(order))
    cancelled = await wait_for(client, customer_headers, order["id"], status_is("cancelled"))
    assert cancelled["cancel_reason"] == "payment_failed"
    event = await event_for(cancellations, order["id"], OrderCancelled)
    assert event.reason == "payment_failed"
    assert event.reservation_id == reservation.reservation_id


async def test_a_failed_reservation_cancels_the_order_as_out_of_stock(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    publish: Publish,
    event_collector: CollectorFactory,
) -> None:
    cancellations = await event_collector(OrderCancelled.event_type)
    order = await place(client, customer_headers)
    await publish(StockReservationFailed(order_id=order["id"]))
    cancelled = await wait_for(client, customer_headers, order["id"], status_is("cancelled"))
    assert cancelled["cancel_reason"] == "out_of_stock"
    assert (await event_for(cancellations, order["id"], OrderCancelled)).reason == "out_of_stock"

    # a payment arriving after that cannot revive it
    await publish(paid(order))
    await asyncio.sleep(0.5)
    still = (await client.get(f"{PREFIX}/{order['id']}", headers=customer_headers)).json()
    assert still["status"] == "cancelled"


async def test_duplicate_and_repeated_events_change_nothing(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    publish: Publish,
    event_collector: CollectorFactory,
) -> None:
    confirmations = await event_collector(OrderConfirmed.event_type)
    order = await place(client, customer_headers)
    first = await publish(reserved(order))
    await wait_for(client, customer_headers, order["id"], status_is("awaiting_payment"))
    await publish(first)  # the very same envelope, redelivered
    await publish(reserved(order))  # another reservation for the same order
    payment = await publish(paid(order))
    confirmed = await wait_for(client, customer_headers, order["id"], status_is("confirmed"))
    await event_for(confirmations, order["id"], OrderConfirmed)

    await publish(payment)
    await publish(paid(order))
    await publish(declined(order))
    await nothing_for(confirmations, order["id"])
    after = (await client.get(f"{PREFIX}/{order['id']}", headers=customer_headers)).json()
    assert after["status"] == "confirmed"
    assert after["history"] == confirmed["history"]
    assert after["reservation_id"] == confirmed["reservation_id"]


async def test_a_payment_before_the_reservation_confirms_when_stock_is_held(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    publish: Publish,
) -> None:
    order = await place(client, customer_headers)
    await publish(paid(order))
    noted = await wait_for(
        client,
        customer_headers,
        order["id"],
        lambda o: o["history"][-1]["reason"] == "payment_received_awaiting_stock",
    )
    assert noted["status"] == "pending"

    await publish(reserved(order))
    confirmed = await wait_for(client, customer_headers, order["id"], status_is("confirmed"))
    assert reasons(confirmed)[-1] == ("pending", "confirmed", "stock_reserved")


async def test_the_sweeper_cancels_a_checkout_that_ran_out_of_time(
    settings: Settings,
    service_tokens: ServiceTokenProvider,
    customer_headers: dict[str, str],
    event_collector: CollectorFactory,
) -> None:
    cancellations = await event_collector(OrderCancelled.event_type)
    hurried = msgspec.structs.replace(
        settings, order=OrderSettings(payment_timeout_seconds=1, sweep_interval_seconds=0.2)
    )
    async with client_for(app_for(hurried, service_tokens)) as client:
        order = await place(client, customer_headers)
        assert order["status"] == "pending"
        cancelled = await wait_for(client, customer_headers, order["id"], status_is("cancelled"))
    assert cancelled["cancel_reason"] == "timeout"
    assert (await event_for(cancellations, order["id"], OrderCancelled)).reason == "timeout"


async def test_a_restarted_service_resumes_the_saga_where_it_stopped(
    settings: Settings,
    service_tokens: ServiceTokenProvider,
    customer_headers: dict[str, str],
    publish: Publish,
) -> None:
    async with client_for(app_for(settings, service_tokens)) as first:
        order = await place(first, customer_headers)
    # nobody is running: the reservation waits in the queue
    await publish(reserved(order))

    async with client_for(app_for(settings, service_tokens)) as second:
        await wait_for(second, customer_headers, order["id"], status_is("awaiting_payment"))
    await publish(paid(order))

    async with client_for(app_for(settings, service_tokens)) as third:
        confirmed = await wait_for(third, customer_headers, order["id"], status_is("confirmed"))
    assert [h["to"] for h in confirmed["history"]] == ["pending", "awaiting_payment", "confirmed"]


async def confirmed_order(
    client: AsyncTestClient[Litestar], headers: dict[str, str], publish: Publish
) -> dict[str, Any]:
    order = await place(client, headers)
    await publish(reserved(order))
    await publish(paid(order))
    return await wait_for(client, headers, order["id"], status_is("confirmed"))


async def test_partial_refunds_are_noted_and_a_full_one_refunds_with_restock(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    publish: Publish,
    event_collector: CollectorFactory,
) -> None:
    refunds = await event_collector(OrderRefunded.event_type)
    order = await confirmed_order(client, customer_headers, publish)
    amount = order["total"]["amount"]

    await publish(refunded(order, 1000, 1000))
    partial = await wait_for(
        client, customer_headers, order["id"], lambda o: o["refunded"]["amount"] == 1000
    )
    assert partial["status"] == "confirmed"
    assert partial["history"][-1]["reason"].startswith("partial_refund")

    await publish(refunded(order, amount - 1000, amount))
    done = await wait_for(client, customer_headers, order["id"], status_is("refunded"))
    assert done["refunded"] == order["total"]
    event = await event_for(refunds, order["id"], OrderRefunded)
    assert event.restock is True
    assert event.refund == total(order)
    assert event.reservation_id == order["reservation_id"]


# --- what people do -------------------------------------------------------------------------


async def test_admins_ship_confirmed_orders_and_nothing_else(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    admin_headers: dict[str, str],
    publish: Publish,
    event_collector: CollectorFactory,
) -> None:
    shipments = await event_collector(OrderShipped.event_type)
    pending = await place(client, customer_headers)
    too_early = await client.post(f"{PREFIX}/{pending['id']}/ship", headers=admin_headers)
    assert too_early.status_code == 409
    assert too_early.json()["invalid_params"][0]["name"] == "status"

    order = await confirmed_order(client, customer_headers, publish)
    # What each may ask of it now: the admin's Ship button and the customer's Cancel come
    # from here, not from copies of the state machine.
    as_admin = await client.get(f"{PREFIX}/{order['id']}", headers=admin_headers)
    assert as_admin.json()["actions"] == ["cancel", "ship"]
    as_customer = await client.get(f"{PREFIX}/{order['id']}", headers=customer_headers)
    assert as_customer.json()["actions"] == ["cancel"]
    by_customer = await client.post(f"{PREFIX}/{order['id']}/ship", headers=customer_headers)
    assert by_customer.status_code == 403

    shipped = await client.post(f"{PREFIX}/{order['id']}/ship", headers=admin_headers)
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "shipped"
    assert shipped.json()["actions"] == []
    event = await event_for(shipments, order["id"], OrderShipped)
    assert event.shipped_at is not None
    assert event.status == "shipped"

    late_cancel = await client.post(f"{PREFIX}/{order['id']}/cancel", headers=customer_headers)
    assert late_cancel.status_code == 409
    assert late_cancel.json()["invalid_params"][0]["name"] == "status"


async def test_customers_cancel_their_own_orders_before_shipping(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    other_customer_headers: dict[str, str],
    event_collector: CollectorFactory,
) -> None:
    cancellations = await event_collector(OrderCancelled.event_type)
    order = await place(client, customer_headers)

    stranger = await client.post(f"{PREFIX}/{order['id']}/cancel", headers=other_customer_headers)
    assert stranger.status_code == 404

    cancelled = await client.post(f"{PREFIX}/{order['id']}/cancel", headers=customer_headers)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    event = await event_for(cancellations, order["id"], OrderCancelled)
    assert event.reason == "cancelled_by_customer"

    again = await client.post(f"{PREFIX}/{order['id']}/cancel", headers=customer_headers)
    assert again.status_code == 409


async def test_customers_see_their_own_orders_and_admins_see_all(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    other_customer_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    order = await place(client, customer_headers)
    await client.post(f"{PREFIX}/{order['id']}/cancel", headers=customer_headers)

    mine = (await client.get(PREFIX, headers=customer_headers, params={"limit": 100})).json()
    assert set(mine) == {"items", "total", "limit", "offset"}
    assert order["id"] in [o["id"] for o in mine["items"]]

    theirs = (await client.get(PREFIX, headers=other_customer_headers)).json()
    assert theirs["items"] == []
    assert theirs["total"] == 0
    hidden = await client.get(f"{PREFIX}/{order['id']}", headers=other_customer_headers)
    assert hidden.status_code == 404

    cancelled = (
        await client.get(
            PREFIX, headers=admin_headers, params={"status": "cancelled", "limit": 100}
        )
    ).json()
    assert order["id"] in [o["id"] for o in cancelled["items"]]
    assert {o["status"] for o in cancelled["items"]} == {"cancelled"}
    pending = (await client.get(PREFIX, headers=admin_headers, params={"status": "pending"})).json()
    assert order["id"] not in [o["id"] for o in pending["items"]]
    seen_by_admin = await client.get(f"{PREFIX}/{order['id']}", headers=admin_headers)
    assert seen_by_admin.status_code == 200

    unknown_status = await client.get(PREFIX, headers=admin_headers, params={"status": "lost"})
    assert unknown_status.status_code == 422
    assert unknown_status.json()["invalid_params"][0]["name"] == "status"
    assert (await client.get(PREFIX)).status_code == 401


# --- payment integrity: only the order's own full payment confirms it (issue 9) ---------------


class OrderPaymentRejected(msgspec.Struct):
    order_id: str
    payment_id: str
    reason: str
    amount: Money


async def awaiting_payment(
    client: AsyncTestClient[Litestar], headers: dict[str, str], publish: Publish
) -> dict[str, Any]:
    order = await place(client, headers)
    await publish(reserved(order))
    return await wait_for(client, headers, order["id"], status_is("awaiting_payment"))


async def rejection_for(collector: EventCollector, order_id: str) -> OrderPaymentRejected:
    event: OrderPaymentRejected = await event_for(collector, order_id, OrderPaymentRejected)
    return event


@pytest.mark.parametrize(
    "case",
    ["one cent", "the total in another currency", "more than the total"],
)
async def test_the_orders_own_payment_for_another_amount_never_confirms_it(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    publish: Publish,
    event_collector: CollectorFactory,
    case: str,
) -> None:
    rejections = await event_collector("order.payment_rejected.v1")
    confirmations = await event_collector(OrderConfirmed.event_type)
    order = await awaiting_payment(client, customer_headers, publish)
    amount = total(order)
    wrong = {
        "one cent": Money(1, amount.currency),
        "the total in another currency": Money(amount.amount, "EUR"),
        "more than the total": Money(amount.amount + 1, amount.currency),
    }[case]
    await publish(PaymentSucceeded(payment_id=PAYMENT_ID, order_id=order["id"], amount=wrong))

    rejected = await rejection_for(rejections, order["id"])
    assert (rejected.payment_id, rejected.reason, rejected.amount) == (
        PAYMENT_ID,
        "amount_mismatch",
        wrong,
    )
    after = (await client.get(f"{PREFIX}/{order['id']}", headers=customer_headers)).json()
    assert after["status"] == "awaiting_payment"
    assert after["history"][-1]["reason"] == f"payment_rejected amount_mismatch {PAYMENT_ID}"
    await nothing_for(confirmations, order["id"], within=0.3)


@pytest.mark.parametrize("amount_paid", ["the full total", "one cent"])
async def test_another_payment_never_confirms_the_order_and_its_refund_is_only_noted(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    publish: Publish,
    event_collector: CollectorFactory,
    amount_paid: str,
) -> None:
    """A second payment, or someone else's, for this order id: rejected (payment-service
    refunds it); the order still waits for, and is confirmed by, its own payment."""
    rejections = await event_collector("order.payment_rejected.v1")
    confirmations = await event_collector(OrderConfirmed.event_type)
    order = await awaiting_payment(client, customer_headers, publish)
    amount = total(order)
    paid_amount = amount if amount_paid == "the full total" else Money(1, amount.currency)
    foreign = str(uuid.uuid4())
    await publish(PaymentSucceeded(payment_id=foreign, order_id=order["id"], amount=paid_amount))

    rejected = await rejection_for(rejections, order["id"])
    assert (rejected.payment_id, rejected.reason) == (foreign, "foreign_payment")
    after = (await client.get(f"{PREFIX}/{order['id']}", headers=customer_headers)).json()
    assert (after["status"], after["payment_id"]) == ("awaiting_payment", PAYMENT_ID)
    assert after["history"][-1]["reason"] == f"payment_rejected foreign_payment {foreign}"
    await nothing_for(confirmations, order["id"], within=0.3)

    await publish(
        PaymentRefunded(
            payment_id=foreign,
            order_id=order["id"],
            refund_id=f"re-{uuid.uuid4()}",
            amount=paid_amount,
            refunded_total=paid_amount,
        )
    )
    noted = await wait_for(
        client,
        customer_headers,
        order["id"],
        lambda o: o["history"][-1]["reason"].startswith("refund_of_rejected_payment"),
    )
    assert (noted["status"], noted["refunded"]["amount"]) == ("awaiting_payment", 0)
    await publish(paid(order))
    confirmed = await wait_for(client, customer_headers, order["id"], status_is("confirmed"))
    assert confirmed["refunded"]["amount"] == 0


async def test_a_payment_after_the_order_timed_out_is_rejected_and_its_refund_ends_it_refunded(
    settings: Settings,
    service_tokens: ServiceTokenProvider,
    customer_headers: dict[str, str],
    publish: Publish,
    event_collector: CollectorFactory,
) -> None:
    rejections = await event_collector("order.payment_rejected.v1")
    refunds = await event_collector(OrderRefunded.event_type)
    hurried = msgspec.structs.replace(
        settings, order=OrderSettings(payment_timeout_seconds=1, sweep_interval_seconds=0.2)
    )
    async with client_for(app_for(hurried, service_tokens)) as client:
        order = await place(client, customer_headers)
        await publish(reserved(order))
        await wait_for(client, customer_headers, order["id"], status_is("cancelled"))
        await publish(paid(order))
        rejected = await rejection_for(rejections, order["id"])
        assert (rejected.payment_id, rejected.reason) == (PAYMENT_ID, "order_cancelled")

        amount = order["total"]["amount"]
        await publish(refunded(order, amount, amount))
        done = await wait_for(client, customer_headers, order["id"], status_is("refunded"))
    assert done["refunded"] == order["total"]
    assert reasons(done)[-1] == ("cancelled", "refunded", "refunded")
    event = await event_for(refunds, order["id"], OrderRefunded)
    assert event.restock is False  # the stock was released, never committed


async def test_a_confirmed_order_cancelled_by_its_customer_is_refunded_with_its_stock_back(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    publish: Publish,
    event_collector: CollectorFactory,
) -> None:
    cancellations = await event_collector(OrderCancelled.event_type)
    refunds = await event_collector(OrderRefunded.event_type)
    order = await confirmed_order(client, customer_headers, publish)
    cancelled = await client.post(f"{PREFIX}/{order['id']}/cancel", headers=customer_headers)
    assert cancelled.status_code == 200, cancelled.text
    assert (await event_for(cancellations, order["id"], OrderCancelled)).reason == (
        "cancelled_by_customer"
    )

    amount = order["total"]["amount"]
    refund = await publish(refunded(order, amount, amount))
    done = await wait_for(client, customer_headers, order["id"], status_is("refunded"))
    assert done["refunded"] == order["total"]
    event = await event_for(refunds, order["id"], OrderRefunded)
    assert event.restock is True  # it was confirmed: inventory had committed the stock
    assert event.refund == total(order)
    assert event.reservation_id == order["reservation_id"]

    await publish(refund)
    await publish(refunded(order, amount, amount))
    await nothing_for(refunds, order["id"], within=0.5)


async def test_a_paid_order_cancelled_out_of_stock_ends_refunded_without_restock(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    publish: Publish,
    event_collector: CollectorFactory,
) -> None:
    refunds = await event_collector(OrderRefunded.event_type)
    order = await place(client, customer_headers)
    await publish(paid(order))
    await wait_for(
        client,
        customer_headers,
        order["id"],
        lambda o: o["history"][-1]["reason"] == "payment_received_awaiting_stock",
    )
    await publish(StockReservationFailed(order_id=order["id"]))
    await wait_for(client, customer_headers, order["id"], status_is("cancelled"))

    amount = order["total"]["amount"]
    await publish(refunded(order, amount, amount))
    done = await wait_for(client, customer_headers, order["id"], status_is("refunded"))
    assert done["cancel_reason"] == "out_of_stock"
    assert (await event_for(refunds, order["id"], OrderRefunded)).restock is False

"""Money always goes back (issue 9): order-service's events, delivered on the real broker and
handled by the app's real consumers, close the payments of a cancelled order and refund the
payments it rejected; a customer can never pay a canceled payment."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from conftest import Publish
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.messaging import payload_as
from shopkit.testing import CollectorFactory, EventCollector
from support import Customer, OrderCancelled, OrderPaymentRejected

from payment_service.events.events import PaymentRefunded

pytestmark = pytest.mark.integration

PREFIX = "/api/payments"


async def create(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    amount: int = 4200,
    order_id: str | None = None,
) -> dict[str, Any]:
    response = await client.post(
        PREFIX,
        json={
            "order_id": order_id or str(uuid.uuid4()),
            "customer_id": customer.id,
            "amount": {"amount": amount, "currency": "EUR"},
        },
        headers={**service_headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def confirm(
    client: AsyncTestClient[Litestar], customer: Customer, payment_id: str, method: str
) -> Any:
    return await client.post(
        f"{PREFIX}/{payment_id}/confirm", json={"payment_method": method}, headers=customer.headers
    )


async def wait_for(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    payment_id: str,
    check: Callable[[dict[str, Any]], bool],
    within: float = 10.0,
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        payment: dict[str, Any] = (
            await client.get(f"{PREFIX}/{payment_id}", headers=customer.headers)
        ).json()
        if check(payment):
            return payment
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"payment {payment_id} never got there; it is {payment}")
        await asyncio.sleep(0.05)


async def refunds_of(collector: EventCollector, payment_id: str) -> list[PaymentRefunded]:
    """Every payment.refunded of `payment_id` published within a second."""
    seen: list[PaymentRefunded] = []
    deadline = asyncio.get_running_loop().time() + 1.5
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        try:
            received = await asyncio.wait_for(collector._inbox.get(), left)
        except TimeoutError:
            break
        event = payload_as(received.envelope, PaymentRefunded)
        if event.payment_id == payment_id:
            seen.append(event)
    return seen


async def test_a_cancelled_orders_open_payment_is_canceled_and_cannot_be_paid(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    publish: Publish,
) -> None:
    payment = await create(client, customer, service_headers)
    await publish(OrderCancelled(order_id=payment["order_id"], reason="timeout"))
    canceled = await wait_for(client, customer, payment["id"], lambda p: p["status"] == "canceled")
    assert canceled["refunded"] == {"amount": 0, "currency": "EUR"}

    late = await confirm(client, customer, payment["id"], "pm_card_visa")
    assert late.status_code == 409, late.text
    assert late.headers["content-type"] == "application/problem+json"
    assert late.json()["code"] == "payment-canceled"
    still = (await client.get(f"{PREFIX}/{payment['id']}", headers=customer.headers)).json()
    assert still["status"] == "canceled"


async def test_a_payment_waiting_for_an_action_is_canceled_too(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    publish: Publish,
) -> None:
    payment = await create(client, customer, service_headers)
    waiting = await confirm(client, customer, payment["id"], "pm_card_authenticationRequired")
    assert waiting.json()["status"] == "requires_action"
    await publish(OrderCancelled(order_id=payment["order_id"], reason="cancelled_by_customer"))
    await wait_for(client, customer, payment["id"], lambda p: p["status"] == "canceled")


async def test_a_cancelled_orders_captured_payment_is_refunded_in_full_exactly_once(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    publish: Publish,
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector(PaymentRefunded.event_type)
    payment = await create(client, customer, service_headers, amount=54900)
    paid = await confirm(client, customer, payment["id"], "pm_card_visa")
    assert paid.json()["status"] == "succeeded"

    cancelled = OrderCancelled(order_id=payment["order_id"], reason="cancelled_by_customer")
    envelope = await publish(cancelled)
    await publish(envelope)  # the very same delivery again
    await publish(OrderCancelled(order_id=payment["order_id"], reason="cancelled_by_customer"))

    refunded = await wait_for(client, customer, payment["id"], lambda p: p["status"] == "refunded")
    await asyncio.sleep(0.5)  # let the other deliveries be handled too
    after = (await client.get(f"{PREFIX}/{payment['id']}", headers=customer.headers)).json()
    assert after["refunded"] == {"amount": 54900, "currency": "EUR"}
    assert [r["amount"]["amount"] for r in after["refunds"]] == [54900]
    assert after["refunds"] == refunded["refunds"]

    events = await refunds_of(collector, payment["id"])
    assert len(events) == 1
    assert (events[0].amount.amount, events[0].refunded_total.amount) == (54900, 54900)
    assert events[0].customer_id == customer.id
    assert events[0].order_id == payment["order_id"]


async def test_the_rest_of_a_partly_refunded_payment_goes_back_and_a_failed_one_stays(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    admin_headers: dict[str, str],
    publish: Publish,
) -> None:
    order_id = str(uuid.uuid4())
    payment = await create(client, customer, service_headers, amount=5000, order_id=order_id)
    await confirm(client, customer, payment["id"], "pm_card_visa")
    partial = await client.post(
        f"{PREFIX}/{payment['id']}/refunds", json={"amount": 1500}, headers=admin_headers
    )
    assert partial.status_code == 201
    await publish(OrderCancelled(order_id=order_id, reason="cancelled_by_customer"))
    done = await wait_for(client, customer, payment["id"], lambda p: p["status"] == "refunded")
    assert [r["amount"]["amount"] for r in done["refunds"]] == [1500, 3500]

    declined = await create(client, customer, service_headers)
    await confirm(client, customer, declined["id"], "pm_card_chargeDeclined")
    await publish(OrderCancelled(order_id=declined["order_id"], reason="payment_failed"))
    await asyncio.sleep(0.5)
    after = (await client.get(f"{PREFIX}/{declined['id']}", headers=customer.headers)).json()
    assert (after["status"], after["refunds"]) == ("failed", [])


async def test_a_payment_order_service_rejected_is_refunded_in_full_once(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    publish: Publish,
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector(PaymentRefunded.event_type)
    payment = await create(client, customer, service_headers, amount=1)
    await confirm(client, customer, payment["id"], "pm_card_visa")

    rejected = OrderPaymentRejected(
        order_id=payment["order_id"], payment_id=payment["id"], reason="amount_mismatch"
    )
    envelope = await publish(rejected)
    await publish(envelope)
    refunded = await wait_for(client, customer, payment["id"], lambda p: p["status"] == "refunded")
    assert refunded["refunded"] == {"amount": 1, "currency": "EUR"}
    # the same payment's order cancelled afterwards: nothing more to give back
    await publish(OrderCancelled(order_id=payment["order_id"], reason="timeout"))
    events = await refunds_of(collector, payment["id"])
    assert [event.amount.amount for event in events] == [1]


async def test_a_rejection_naming_another_order_refunds_nothing(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    publish: Publish,
) -> None:
    payment = await create(client, customer, service_headers)
    await confirm(client, customer, payment["id"], "pm_card_visa")
    await publish(
        OrderPaymentRejected(
            order_id=str(uuid.uuid4()), payment_id=payment["id"], reason="foreign_payment"
        )
    )
    await asyncio.sleep(0.7)
    after = (await client.get(f"{PREFIX}/{payment['id']}", headers=customer.headers)).json()
    assert (after["status"], after["refunds"]) == ("succeeded", [])


async def test_a_confirmation_racing_the_orders_cancellation_never_keeps_the_money(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    publish: Publish,
) -> None:
    """Both lock the payment row: either the cancellation comes first (the confirmation is a
    409, nothing is taken) or the confirmation does (the charge is refunded in full, once)."""
    for _ in range(6):
        payment = await create(client, customer, service_headers, amount=999)
        confirmation, _ = await asyncio.gather(
            confirm(client, customer, payment["id"], "pm_card_visa"),
            publish(OrderCancelled(order_id=payment["order_id"], reason="timeout")),
        )
        final = await wait_for(
            client, customer, payment["id"], lambda p: p["status"] in ("canceled", "refunded")
        )
        if confirmation.status_code == 409:
            assert (final["status"], final["refunds"]) == ("canceled", [])
        else:
            assert confirmation.status_code == 200, confirmation.text
            assert confirmation.json()["status"] == "succeeded"
            assert final["status"] == "refunded"
            assert [r["amount"]["amount"] for r in final["refunds"]] == [999]

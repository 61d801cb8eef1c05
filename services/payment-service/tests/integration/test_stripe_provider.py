"""The Stripe provider: the real `stripe` client against the local Stripe stand-in
(tests/stripe_standin.py), and Stripe's signed webhooks through the real app."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import stripe
from conftest import Publish
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.messaging import payload_as
from shopkit.testing import CollectorFactory
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from stripe_standin import StripeServer
from support import WEBHOOK_SECRET, Customer, OrderCancelled

from payment_service.config import Settings
from payment_service.db.models import Payment
from payment_service.domain.payments._provider_check import ProviderCheck
from payment_service.domain.payments.providers import StripeProvider
from payment_service.domain.payments.services import PaymentService
from payment_service.events.events import PaymentRefunded, PaymentSucceeded

pytestmark = pytest.mark.integration

PREFIX = "/api/payments"
WEBHOOK = f"{PREFIX}/webhooks/stripe"


async def create(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    amount: int = 1999,
    currency: str = "EUR",
) -> dict[str, Any]:
    """A payment for `customer`'s order, created as order-service creates it."""
    response = await client.post(
        PREFIX,
        json={
            "order_id": f"order-{uuid.uuid4().hex[:8]}",
            "customer_id": customer.id,
            "amount": {"amount": amount, "currency": currency},
        },
        headers={**service_headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text
    return response.json()


def intent_of(server: StripeServer, payment_id: str) -> dict[str, Any]:
    (intent,) = [
        i for i in server.state.intents.values() if i["metadata"].get("payment_id") == payment_id
    ]
    return intent


def signed(event: dict[str, Any], secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict[str, str]]:
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret)
    return payload.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}


def stripe_event(event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "api_version": "2025-01-27.acacia",
        "data": {"object": obj},
    }


async def test_an_intent_is_created_in_minor_units_with_an_idempotency_key(
    stripe_client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    stripe_server: StripeServer,
) -> None:
    payment = await create(stripe_client, customer, service_headers, amount=2500, currency="JPY")
    assert payment["provider"] == "stripe"
    intent = intent_of(stripe_server, payment["id"])
    assert (intent["amount"], intent["currency"]) == (2500, "jpy")
    (request,) = [
        r
        for r in stripe_server.state.requests
        if r.params.get("metadata[payment_id]") == payment["id"]
    ]
    assert request.idempotency_key
    assert request.idempotency_key.startswith("shopkit-")


async def test_visa_succeeds_and_declined_fails_with_the_decline_code(
    stripe_client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    stripe_server: StripeServer,
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector(PaymentSucceeded.event_type)
    paid = await create(stripe_client, customer, service_headers)
    declined = await create(stripe_client, customer, service_headers)

    ok = await stripe_client.post(
        f"{PREFIX}/{paid['id']}/confirm",
        json={"payment_method": "pm_card_visa"},
        headers=customer.headers,
    )
    no = await stripe_client.post(
        f"{PREFIX}/{declined['id']}/confirm",
        json={"payment_method": "pm_card_chargeDeclined"},
        headers=customer.headers,
    )
    assert ok.json()["status"] == "succeeded"
    assert (no.json()["status"], no.json()["decline_code"]) == ("failed", "generic_decline")
    assert intent_of(stripe_server, paid["id"])["status"] == "succeeded"
    confirms = [r for r in stripe_server.state.requests if r.path.endswith("/confirm")]
    assert all(r.idempotency_key for r in confirms)

    for _ in range(30):
        event = payload_as((await collector.next(timeout=5)).envelope, PaymentSucceeded)
        if event.payment_id == paid["id"]:
            break
    assert event.provider == "stripe"
    assert event.provider_reference == intent_of(stripe_server, paid["id"])["id"]


async def test_a_refund_goes_to_stripe_and_never_exceeds_the_charge(
    stripe_client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    admin_headers: dict[str, str],
    stripe_server: StripeServer,
) -> None:
    payment = await create(stripe_client, customer, service_headers, amount=3000, currency="USD")
    await stripe_client.post(
        f"{PREFIX}/{payment['id']}/confirm",
        json={"payment_method": "pm_card_visa"},
        headers=customer.headers,
    )
    url = f"{PREFIX}/{payment['id']}/refunds"
    refund = await stripe_client.post(url, json={"amount": 1000}, headers=admin_headers)
    assert refund.status_code == 201, refund.text
    reference = refund.json()["provider_reference"]
    assert stripe_server.state.refunds[reference]["amount"] == 1000
    assert [r for r in stripe_server.state.requests if r.path == "/v1/refunds"][-1].idempotency_key

    too_much = await stripe_client.post(url, json={"amount": 2001}, headers=admin_headers)
    assert too_much.status_code == 409
    assert (
        len(
            [
                r
                for r in stripe_server.state.refunds.values()
                if r["payment_intent"] == intent_of(stripe_server, payment["id"])["id"]
            ]
        )
        == 1
    )


async def test_a_signed_webhook_settles_once_and_a_duplicate_changes_nothing(
    stripe_client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    stripe_server: StripeServer,
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector(PaymentSucceeded.event_type)
    payment = await create(stripe_client, customer, service_headers)
    intent = {**intent_of(stripe_server, payment["id"]), "status": "succeeded"}
    payload, headers = signed(stripe_event("payment_intent.succeeded", intent))

    first = await stripe_client.post(WEBHOOK, content=payload, headers=headers)
    second = await stripe_client.post(WEBHOOK, content=payload, headers=headers)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.json()["duplicate"], second.json()["duplicate"]) == (False, True)
    status = await stripe_client.get(f"{PREFIX}/{payment['id']}", headers=customer.headers)
    assert status.json()["status"] == "succeeded"

    ours = []
    for _ in range(30):
        event = payload_as((await collector.next(timeout=5)).envelope, PaymentSucceeded)
        if event.payment_id == payment["id"]:
            ours.append(event)
            break
    await collector.assert_nothing(within=0.7)  # the duplicate published nothing
    assert len(ours) == 1


async def test_a_dashboard_refund_arrives_as_charge_refunded(
    stripe_client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    stripe_server: StripeServer,
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector(PaymentRefunded.event_type)
    payment = await create(stripe_client, customer, service_headers, amount=4000)
    await stripe_client.post(
        f"{PREFIX}/{payment['id']}/confirm",
        json={"payment_method": "pm_card_visa"},
        headers=customer.headers,
    )
    intent = intent_of(stripe_server, payment["id"])
    charge = {
        "id": intent["latest_charge"],
        "object": "charge",
        "amount": 4000,
        "amount_refunded": 4000,
        "payment_intent": intent["id"],
        "refunded": True,
        "refunds": {"object": "list", "data": [{"id": "re_dashboard_1", "amount": 4000}]},
    }
    payload, headers = signed(stripe_event("charge.refunded", charge))
    assert (await stripe_client.post(WEBHOOK, content=payload, headers=headers)).status_code == 200
    after = (await stripe_client.get(f"{PREFIX}/{payment['id']}", headers=customer.headers)).json()
    assert after["status"] == "refunded"
    assert after["refunds"][0]["provider_reference"] == "re_dashboard_1"
    for _ in range(30):
        event = payload_as((await collector.next(timeout=5)).envelope, PaymentRefunded)
        if event.payment_id == payment["id"]:
            break
    assert (event.amount.amount, event.refunded_total.amount) == (4000, 4000)


async def test_a_tampered_or_unsigned_webhook_is_400_and_changes_nothing(
    stripe_client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    stripe_server: StripeServer,
) -> None:
    payment = await create(stripe_client, customer, service_headers)
    intent = {**intent_of(stripe_server, payment["id"]), "status": "succeeded"}
    payload, headers = signed(stripe_event("payment_intent.succeeded", intent))

    tampered = payload.replace(b'"livemode": false', b'"livemode": true')
    wrong_secret = signed(stripe_event("payment_intent.succeeded", intent), "whsec_other")
    for body, sent_headers in ((tampered, headers), wrong_secret, (payload, {})):
        response = await stripe_client.post(WEBHOOK, content=body, headers=sent_headers)
        assert response.status_code == 400
        assert response.json()["code"] == "invalid-webhook-signature"
    status = await stripe_client.get(f"{PREFIX}/{payment['id']}", headers=customer.headers)
    assert status.json()["status"] == "requires_confirmation"


async def wait_for_status(
    client: AsyncTestClient[Litestar], customer: Customer, payment_id: str, status: str
) -> dict[str, Any]:
    for _ in range(200):
        payment: dict[str, Any] = (
            await client.get(f"{PREFIX}/{payment_id}", headers=customer.headers)
        ).json()
        if payment["status"] == status:
            return payment
        await asyncio.sleep(0.05)
    pytest.fail(f"payment {payment_id} never became {status}: {payment}")


async def test_a_cancelled_orders_open_intent_is_canceled_at_stripe(
    stripe_client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    stripe_server: StripeServer,
    publish: Publish,
) -> None:
    payment = await create(stripe_client, customer, service_headers)
    await publish(OrderCancelled(order_id=payment["order_id"], reason="timeout"))
    await wait_for_status(stripe_client, customer, payment["id"], "canceled")
    intent = intent_of(stripe_server, payment["id"])
    assert intent["status"] == "canceled"
    (cancel,) = [
        r
        for r in stripe_server.state.requests
        if r.path.endswith("/cancel") and intent["id"] in r.path
    ]
    assert cancel.idempotency_key

    late = await stripe_client.post(
        f"{PREFIX}/{payment['id']}/confirm",
        json={"payment_method": "pm_card_visa"},
        headers=customer.headers,
    )
    assert late.status_code == 409
    assert intent_of(stripe_server, payment["id"])["status"] == "canceled"


async def test_a_cancelled_orders_charge_is_refunded_once_at_stripe_even_after_a_crash(
    stripe_client: AsyncTestClient[Litestar],
    stripe_settings: Settings,
    customer: Customer,
    service_headers: dict[str, str],
    stripe_server: StripeServer,
    publish: Publish,
) -> None:
    payment = await create(stripe_client, customer, service_headers, amount=2500)
    await stripe_client.post(
        f"{PREFIX}/{payment['id']}/confirm",
        json={"payment_method": "pm_card_visa"},
        headers=customer.headers,
    )
    intent_id = intent_of(stripe_server, payment["id"])["id"]

    # A worker refunds at Stripe and dies before it commits: nothing of it is kept here.
    engine = create_async_engine(stripe_settings.database.url)
    provider = StripeProvider(stripe_settings.stripe)
    try:
        async with AsyncSession(engine) as session:
            payments = PaymentService(session, provider)
            locked = await payments.payments.lock(uuid.UUID(payment["id"]))
            assert locked is not None
            await payments.refund_in_full(locked)
            await session.rollback()
    finally:
        await provider.aclose()
        await engine.dispose()
    assert (await stripe_client.get(f"{PREFIX}/{payment['id']}", headers=customer.headers)).json()[
        "status"
    ] == "succeeded"

    # The redelivered event, twice: Stripe replays the first refund; no second one is made.
    envelope = await publish(OrderCancelled(order_id=payment["order_id"], reason="timeout"))
    await publish(envelope)
    await publish(OrderCancelled(order_id=payment["order_id"], reason="timeout"))
    refunded = await wait_for_status(stripe_client, customer, payment["id"], "refunded")
    await asyncio.sleep(0.5)
    at_stripe = [
        r for r in stripe_server.state.refunds.values() if r["payment_intent"] == intent_id
    ]
    assert [r["amount"] for r in at_stripe] == [2500]
    assert [r["provider_reference"] for r in refunded["refunds"]] == [at_stripe[0]["id"]]
    assert stripe_server.state.refunded[intent_id] == 2500


async def test_a_payment_stripe_settled_without_its_webhook_is_settled_by_the_provider_check(
    stripe_client: AsyncTestClient[Litestar],
    stripe_settings: Settings,
    customer: Customer,
    service_headers: dict[str, str],
    admin_headers: dict[str, str],
    stripe_server: StripeServer,
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector(PaymentSucceeded.event_type)
    payment = await create(stripe_client, customer, service_headers)
    waiting = await stripe_client.post(
        f"{PREFIX}/{payment['id']}/confirm",
        json={"payment_method": "pm_card_authenticationRequired"},
        headers=customer.headers,
    )
    assert waiting.json()["status"] == "requires_action"
    # The customer authenticates at Stripe, which captures the money; its webhook is lost.
    intent = intent_of(stripe_server, payment["id"])
    intent.update(status="succeeded", amount_received=intent["amount"], next_action=None)
    engine = create_async_engine(stripe_settings.database.url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        six_minutes_ago = datetime.now(UTC) - timedelta(minutes=6)
        await session.execute(
            update(Payment)
            .where(Payment.id == uuid.UUID(payment["id"]))
            .values(updated_at=six_minutes_ago)
        )

    check = ProviderCheck(
        sessions,
        StripeProvider(stripe_settings.stripe),
        interval_seconds=60,
        stale_seconds=300,
        lookback_seconds=420,  # this test's payment, not the open ones earlier tests left
    )
    try:
        assert await check.check() == 1
        assert await check.check() == 0  # settled: no longer open, not asked again
    finally:
        await engine.dispose()

    settled = await stripe_client.get(f"{PREFIX}/{payment['id']}", headers=customer.headers)
    assert settled.json()["status"] == "succeeded"
    for _ in range(30):
        event = payload_as((await collector.next(timeout=5)).envelope, PaymentSucceeded)
        if event.payment_id == payment["id"]:
            break
    assert event.payment_id == payment["id"]

    report = await stripe_client.get(
        "/api/ops/payment-service/provider-check", headers=admin_headers
    )
    assert report.status_code == 200, report.text
    assert report.json()["provider"] == "stripe"
    (mine,) = [s for s in report.json()["settlements"] if s["payment_id"] == payment["id"]]
    assert (mine["event_type"], mine["outcome"]) == ("payment_intent.succeeded", "succeeded")
    assert mine["event_id"] == f"{intent['id']}:reconciled:succeeded"
    forbidden = await stripe_client.get(
        "/api/ops/payment-service/provider-check", headers=customer.headers
    )
    assert forbidden.status_code == 403

"""Payments through HTTP with the sandbox provider, against the real database and broker: who
may do what, what is stored, what is published, and that nothing happens twice."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.messaging import payload_as
from shopkit.testing import CollectorFactory, EventCollector
from support import Customer

from payment_service.events.events import PaymentFailed, PaymentRefunded, PaymentSucceeded

pytestmark = pytest.mark.integration

PREFIX = "/api/payments"


def body(
    customer: Customer,
    amount: int = 1999,
    currency: str = "EUR",
    order_id: str | None = None,
) -> dict[str, Any]:
    return {
        "order_id": order_id or f"order-{uuid.uuid4().hex[:8]}",
        "customer_id": customer.id,
        "amount": {"amount": amount, "currency": currency},
    }


async def create(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    **kwargs: Any,
) -> dict[str, Any]:
    """A payment for `customer`'s order, created as order-service creates it."""
    headers = {**service_headers, "Idempotency-Key": uuid.uuid4().hex}
    response = await client.post(PREFIX, json=body(customer, **kwargs), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def confirm(
    client: AsyncTestClient[Litestar], customer: Customer, payment_id: str, method: str
) -> dict[str, Any]:
    response = await client.post(
        f"{PREFIX}/{payment_id}/confirm", json={"payment_method": method}, headers=customer.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def next_about(collector: EventCollector, payment_id: str, payload_type: type) -> Any:
    """The event of `payment_id` (earlier tests' events may still be on their way)."""
    for _ in range(30):
        received = await collector.next(timeout=5)
        payload = payload_as(received.envelope, payload_type)
        if payload.payment_id == payment_id:
            assert received.envelope.producer == "payment-service"
            return payload
    pytest.fail(f"no {payload_type.__name__} for {payment_id}")


async def test_order_service_creates_a_customers_payment_in_minor_units_and_they_read_it(
    client: AsyncTestClient[Litestar], customer: Customer, service_headers: dict[str, str]
) -> None:
    payment = await create(
        client, customer, service_headers, amount=2500, currency="JPY", order_id="order-jpy-1"
    )
    assert payment["status"] == "requires_confirmation"
    assert payment["amount"] == {"amount": 2500, "currency": "JPY"}
    assert (payment["order_id"], payment["customer_id"]) == ("order-jpy-1", customer.id)
    assert payment["provider"] == "sandbox"

    fetched = await client.get(f"{PREFIX}/{payment['id']}", headers=customer.headers)
    assert fetched.status_code == 200
    assert fetched.json()["id"] == payment["id"]


async def test_only_a_service_with_the_payments_create_scope_creates_payments(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    admin_headers: dict[str, str],
    token_factory: Callable[..., str],
) -> None:
    """The one-cent attack: a customer paying their own (or anyone's) order with an amount of
    their choosing is refused, and so is a service without the scope; nothing is stored."""
    scopeless = token_factory(roles=("service",), subject="service:cart-service")
    other_scope = token_factory(
        roles=("service",), subject="service:cart-service", scope="payments:read"
    )
    scoped_customer = token_factory(
        roles=("customer",), subject=customer.id, scope="payments:create"
    )
    order_id = f"order-{uuid.uuid4().hex[:8]}"
    request = body(customer, amount=1, order_id=order_id)
    for headers in (
        customer.headers,
        admin_headers,
        {"Authorization": f"Bearer {scopeless}"},
        {"Authorization": f"Bearer {other_scope}"},
        {"Authorization": f"Bearer {scoped_customer}"},
    ):
        refused = await client.post(
            PREFIX, json=request, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
        )
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    anonymous = await client.post(PREFIX, json=request, headers={"Idempotency-Key": "k"})
    assert anonymous.status_code == 401
    listed = (await client.get(PREFIX, params={"limit": 100}, headers=admin_headers)).json()
    assert order_id not in [item["order_id"] for item in listed["items"]]


async def test_an_order_gets_one_payment_and_a_customer_id_is_required(
    client: AsyncTestClient[Litestar], customer: Customer, service_headers: dict[str, str]
) -> None:
    first = await create(client, customer, service_headers)
    second = await client.post(
        PREFIX,
        json=body(customer, amount=1, order_id=first["order_id"]),
        headers={**service_headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert second.status_code == 409, second.text
    assert second.json()["invalid_params"][0]["name"] == "order_id"

    request = body(customer)
    del request["customer_id"]
    missing = await client.post(
        PREFIX, json=request, headers={**service_headers, "Idempotency-Key": uuid.uuid4().hex}
    )
    assert missing.status_code in (400, 422)
    assert "customer_id" in missing.text


async def test_the_same_key_returns_the_same_payment_and_another_body_is_422(
    client: AsyncTestClient[Litestar], customer: Customer, service_headers: dict[str, str]
) -> None:
    headers = {**service_headers, "Idempotency-Key": f"order-{uuid.uuid4()}"}
    request = body(customer)
    first = await client.post(PREFIX, json=request, headers=headers)
    again = await client.post(PREFIX, json=request, headers=headers)
    other = await client.post(PREFIX, json={**request, "order_id": "other"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert other.status_code == 422
    assert other.json()["invalid_params"][0]["name"] == "Idempotency-Key"


async def test_a_missing_key_bad_currency_or_amount_is_422_and_nothing_is_written(
    client: AsyncTestClient[Litestar], customer: Customer, service_headers: dict[str, str]
) -> None:
    no_key = await client.post(PREFIX, json=body(customer), headers=service_headers)
    assert no_key.status_code == 422
    assert no_key.json()["invalid_params"][0]["name"] == "Idempotency-Key"

    cases = [
        (body(customer, currency="CHF"), "amount.currency"),
        (body(customer, amount=0), "amount.amount"),
        (body(customer, amount=-5), "amount.amount"),
        ({**body(customer), "amount": {"amount": 19.99, "currency": "EUR"}}, "amount.amount"),
    ]
    for request, field in cases:
        key = uuid.uuid4().hex
        response = await client.post(
            PREFIX, json=request, headers={**service_headers, "Idempotency-Key": key}
        )
        assert response.status_code == 422, request
        assert response.json()["invalid_params"][0]["name"] == field
        # Nothing was stored under the key: a valid body with it now creates a payment.
        retry = await client.post(
            PREFIX, json=body(customer), headers={**service_headers, "Idempotency-Key": key}
        )
        assert retry.status_code == 201


async def test_anonymous_is_401_and_someone_elses_payment_is_404(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    other_customer: Customer,
    admin_headers: dict[str, str],
) -> None:
    payment = await create(client, customer, service_headers)
    url = f"{PREFIX}/{payment['id']}"
    assert (await client.get(url, headers=other_customer.headers)).status_code == 404
    stolen = await client.post(
        f"{url}/confirm", json={"payment_method": "pm_card_visa"}, headers=other_customer.headers
    )
    assert stolen.status_code == 404
    assert (await client.get(url, headers=customer.headers)).json()["status"] == (
        "requires_confirmation"
    )
    assert (await client.get(url, headers=admin_headers)).status_code == 200


async def test_visa_succeeds_once_and_publishes_payment_succeeded(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector(PaymentSucceeded.event_type)
    payment = await create(client, customer, service_headers, amount=1080, currency="USD")
    paid = await confirm(client, customer, payment["id"], "pm_card_visa")
    assert paid["status"] == "succeeded"

    event = await next_about(collector, payment["id"], PaymentSucceeded)
    assert event.order_id == payment["order_id"]
    assert (event.amount.amount, event.amount.currency) == (1080, "USD")
    assert event.provider == "sandbox"
    assert event.provider_reference.startswith("pi_")

    # Confirming again (even with a declining method) changes nothing and publishes nothing.
    again = await confirm(client, customer, payment["id"], "pm_card_chargeDeclined")
    assert again["status"] == "succeeded"
    await collector.assert_nothing(within=0.5)


async def test_a_declined_card_fails_with_its_decline_code(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector(PaymentFailed.event_type)
    payment = await create(client, customer, service_headers)
    failed = await confirm(client, customer, payment["id"], "pm_card_chargeDeclined")
    assert failed["status"] == "failed"
    assert failed["decline_code"] == "generic_decline"
    assert failed["failure_reason"] == "Your card was declined."

    event = await next_about(collector, payment["id"], PaymentFailed)
    assert (event.decline_code, event.reason) == ("generic_decline", "Your card was declined.")


async def test_admins_list_payments_newest_first_and_filter_the_failed_ones(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    declined = await create(client, customer, service_headers, amount=1234, currency="USD")
    await confirm(client, customer, declined["id"], "pm_card_chargeDeclined")
    paid = await create(client, customer, service_headers)
    await confirm(client, customer, paid["id"], "pm_card_visa")

    failed = await client.get(
        PREFIX, params={"status": "failed", "limit": 5}, headers=admin_headers
    )
    assert failed.status_code == 200, failed.text
    page = failed.json()
    assert (page["limit"], page["offset"]) == (5, 0)
    assert page["total"] >= 1
    assert {item["status"] for item in page["items"]} == {"failed"}
    newest = page["items"][0]
    assert newest["id"] == declined["id"]
    assert newest["amount"] == {"amount": 1234, "currency": "USD"}
    assert (newest["decline_code"], newest["refunds"]) == ("generic_decline", [])

    everything = (await client.get(PREFIX, params={"limit": 2}, headers=admin_headers)).json()
    assert [item["id"] for item in everything["items"]] == [paid["id"], declined["id"]]
    assert everything["total"] >= page["total"] + 1


async def test_only_admins_list_payments_and_an_unknown_status_is_422(
    client: AsyncTestClient[Litestar], customer: Customer, admin_headers: dict[str, str]
) -> None:
    assert (await client.get(PREFIX)).status_code == 401
    assert (await client.get(PREFIX, headers=customer.headers)).status_code == 403
    unknown = await client.get(PREFIX, params={"status": "lost"}, headers=admin_headers)
    assert unknown.status_code == 422
    assert unknown.json()["invalid_params"][0]["name"] == "status"
    too_many = await client.get(PREFIX, params={"limit": 101}, headers=admin_headers)
    assert too_many.status_code in (400, 422)


async def test_authentication_required_waits_for_an_action(
    client: AsyncTestClient[Litestar], customer: Customer, service_headers: dict[str, str]
) -> None:
    payment = await create(client, customer, service_headers)
    pending = await confirm(client, customer, payment["id"], "pm_card_authenticationRequired")
    assert pending["status"] == "requires_action"


async def test_card_data_and_unknown_methods_are_refused_and_never_echoed(
    client: AsyncTestClient[Litestar], customer: Customer, service_headers: dict[str, str]
) -> None:
    payment = await create(client, customer, service_headers)
    url = f"{PREFIX}/{payment['id']}/confirm"
    for method in ("4242424242424242", "4242 4242 4242 4242", "pm_4000-0000-0000-0002", "tok_x"):
        response = await client.post(url, json={"payment_method": method}, headers=customer.headers)
        assert response.status_code == 422, method
        assert response.json()["invalid_params"][0]["name"] == "payment_method"
        assert "4242" not in response.text
        assert "0002" not in response.text
    card = await client.post(
        url,
        json={"payment_method": {"number": "4242424242424242", "cvc": "123"}},
        headers=customer.headers,
    )
    assert card.status_code == 422
    assert "4242" not in card.text
    unknown = await client.post(
        url, json={"payment_method": "pm_card_nonsense"}, headers=customer.headers
    )
    assert unknown.status_code == 422
    status = (await client.get(f"{PREFIX}/{payment['id']}", headers=customer.headers)).json()
    assert status["status"] == "requires_confirmation"


async def test_refunds_partial_then_the_rest_never_more_than_captured(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    admin_headers: dict[str, str],
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector(PaymentRefunded.event_type)
    payment = await create(client, customer, service_headers, amount=5000, currency="GBP")
    url = f"{PREFIX}/{payment['id']}/refunds"

    not_yet = await client.post(url, json={}, headers=admin_headers)
    assert not_yet.status_code == 409  # only succeeded payments are refunded
    await confirm(client, customer, payment["id"], "pm_card_visa")

    by_customer = await client.post(url, json={}, headers=customer.headers)
    assert by_customer.status_code == 403
    partial = await client.post(url, json={"amount": 1500}, headers=admin_headers)
    assert partial.status_code == 201, partial.text
    assert partial.json()["amount"] == {"amount": 1500, "currency": "GBP"}

    too_much = await client.post(url, json={"amount": 3501}, headers=admin_headers)
    assert too_much.status_code == 409
    assert too_much.json()["invalid_params"][0]["name"] == "amount"
    zero = await client.post(url, json={"amount": 0}, headers=admin_headers)
    assert zero.status_code == 422
    assert zero.json()["invalid_params"][0]["name"] == "amount"

    rest = await client.post(url, json={}, headers=admin_headers)
    assert rest.status_code == 201
    assert rest.json()["amount"]["amount"] == 3500
    after = (await client.get(f"{PREFIX}/{payment['id']}", headers=customer.headers)).json()
    assert after["status"] == "refunded"
    assert after["refunded"] == {"amount": 5000, "currency": "GBP"}
    assert [r["amount"]["amount"] for r in after["refunds"]] == [1500, 3500]
    assert (await client.post(url, json={}, headers=admin_headers)).status_code == 409

    first = await next_about(collector, payment["id"], PaymentRefunded)
    second = await next_about(collector, payment["id"], PaymentRefunded)
    assert (first.amount.amount, first.refunded_total.amount) == (1500, 1500)
    assert (second.amount.amount, second.refunded_total.amount) == (3500, 5000)
    assert second.customer_id == customer.id
    assert second.refund_id == rest.json()["id"]


async def test_stripe_webhooks_are_not_accepted_without_stripe(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.post(f"{PREFIX}/webhooks/stripe", content=b"{}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_ready_checks_database_and_broker(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200, response.text
    assert set(response.json()["checks"]) >= {"database", "broker"}


async def test_an_amount_above_int32_minor_units_is_paid_and_refunded_exactly(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    """An order may total more than an int32 of minor units (product prices are bigint)."""
    large = 4_500_000_003
    payment = await create(client, customer, service_headers, amount=large, currency="EUR")
    assert payment["amount"] == {"amount": large, "currency": "EUR"}
    assert (await confirm(client, customer, payment["id"], "pm_card_visa"))["status"] == (
        "succeeded"
    )

    refund = await client.post(
        f"{PREFIX}/{payment['id']}/refunds", json={"amount": large - 1}, headers=admin_headers
    )

    assert refund.status_code == 201, refund.text
    after = (await client.get(f"{PREFIX}/{payment['id']}", headers=customer.headers)).json()
    assert after["refunded"] == {"amount": large - 1, "currency": "EUR"}


async def test_the_reconciliation_reads_the_payments_that_succeeded_within_a_window(
    client: AsyncTestClient[Litestar],
    customer: Customer,
    service_headers: dict[str, str],
    token_factory: Callable[..., str],
) -> None:
    token = token_factory(roles=("service",), subject="order-service", scope="payments:read")
    reader = {"Authorization": f"Bearer {token}"}
    paid = await create(client, customer, service_headers)
    settled = await confirm(client, customer, paid["id"], "pm_card_visa")
    declined = await create(client, customer, service_headers)
    await confirm(client, customer, declined["id"], "pm_card_chargeDeclined")
    changed = settled["updated_at"]

    window = {"status": "succeeded", "limit": 100}
    inside = await client.get(PREFIX, params={**window, "changed_before": changed}, headers=reader)
    assert inside.status_code == 200, inside.text
    assert paid["id"] in [item["id"] for item in inside.json()["items"]]
    assert {item["status"] for item in inside.json()["items"]} == {"succeeded"}
    later = await client.get(PREFIX, params={**window, "changed_after": changed}, headers=reader)
    assert paid["id"] not in [item["id"] for item in later.json()["items"]]
    of_orders = await client.get(
        PREFIX, params={"order_id": [paid["order_id"], declined["order_id"]]}, headers=reader
    )
    assert {item["id"]: item["status"] for item in of_orders.json()["items"]} == {
        paid["id"]: "succeeded",
        declined["id"]: "failed",
    }

    # Only that scope: order-service's token for creating payments does not read them all.
    assert (await client.get(PREFIX, headers=service_headers)).status_code == 403
    naive = await client.get(
        PREFIX, params={"changed_after": "2026-12-07T10:00:00"}, headers=reader
    )
    assert naive.status_code == 422
    assert naive.json()["invalid_params"][0]["name"] == "changed_after"
    backwards = await client.get(
        PREFIX,
        params={"changed_after": changed, "changed_before": "2000-01-01T00:00:00Z"},
        headers=reader,
    )
    assert backwards.status_code == 422

"""Admission to checkout in a rush (domain/orders/_admission.py), against the real Redis: sold
out is said at once, units claimed by checkouts in flight are not handed out twice, and a claim
ends when inventory-service answers the reservation, when checkout fails, or when it lapses."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from conftest import new_key, order_body
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from shopkit.cache import redis_client
from shopkit.config import RedisSettings
from test_saga import StockReservationFailed, place, reserved
from upstream_pacts import AVAILABLE, CART_ID, QUANTITY, SKU

from order_service.config import Settings
from order_service.domain.orders import Admission
from order_service.domain.orders._admission import CheckoutBusyError, Claim, SoldOutError

pytestmark = pytest.mark.integration

PREFIX = "/api/orders"


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = redis_client(RedisSettings(url=redis_url))
    yield client
    await client.aclose()


@pytest.fixture
def admission(redis: Redis) -> Admission:
    return Admission(redis, prefix=f"test:{uuid.uuid4().hex}", hold_seconds=30)


def order() -> str:
    return str(uuid.uuid4())


async def test_a_sku_with_nothing_available_is_sold_out_at_once(admission: Admission) -> None:
    with pytest.raises(SoldOutError) as refused:
        await admission.admit(order(), [Claim("TEE-1", 1, 0)])
    assert refused.value.status_code == 409
    assert "TEE-1 is sold out" in str(refused.value.detail)

    with pytest.raises(SoldOutError) as short:
        await admission.admit(order(), [Claim("TEE-1", 3, 2)])
    assert "Only 2 of TEE-1 left" in str(short.value.detail)


async def test_units_claimed_by_a_checkout_in_flight_are_not_handed_out_twice(
    admission: Admission,
) -> None:
    first, second = order(), order()
    await admission.admit(first, [Claim("TEE-1", 2, 3)])

    with pytest.raises(CheckoutBusyError) as busy:
        await admission.admit(second, [Claim("TEE-1", 2, 3)])
    assert busy.value.status_code == 429
    assert busy.value.headers == {"Retry-After": "3"}
    assert "1 free, 2 asked for" in str(busy.value.detail)

    await admission.admit(first, [Claim("TEE-1", 2, 3)])  # the same checkout again: still in

    await admission.release(first, [("TEE-1", 2)])
    await admission.admit(second, [Claim("TEE-1", 2, 3)])


async def test_a_claim_outlives_its_reservations_answer_by_the_settle_time(
    redis: Redis,
) -> None:
    """A cart's availability may be a second old: the units a reservation took are still free
    in it, so the claim holding them must not end at once."""
    admission = Admission(redis, prefix=f"test:{uuid.uuid4().hex}", settle_seconds=0.3)
    first = order()
    await admission.admit(first, [Claim("TEE-1", 2, 3)])
    await admission.settle(first, [("TEE-1", 2)])
    with pytest.raises(CheckoutBusyError):  # a cart that still shows 3 free
        await admission.admit(order(), [Claim("TEE-1", 2, 3)])
    await asyncio.sleep(0.4)
    await admission.admit(order(), [Claim("TEE-1", 1, 1)])  # a fresh cart: 1 free


async def test_a_rush_gets_exactly_as_many_checkouts_in_as_there_are_units(
    admission: Admission,
) -> None:
    async def one() -> str:
        try:
            await admission.admit(order(), [Claim("FLASH-1", 1, 10)])
        except CheckoutBusyError:
            return "busy"
        return "in"

    answers = await asyncio.gather(*(one() for _ in range(60)))
    assert answers.count("in") == 10
    assert answers.count("busy") == 50


async def test_a_refusal_on_one_sku_claims_nothing_on_the_others(admission: Admission) -> None:
    with pytest.raises(SoldOutError):
        await admission.admit(order(), [Claim("MUG-1", 1, 1), Claim("TEE-1", 1, 0)])
    # MUG-1's single unit was not claimed by the refused checkout
    await admission.admit(order(), [Claim("MUG-1", 1, 1)])


async def test_a_claim_nobody_ends_lapses(redis: Redis) -> None:
    admission = Admission(redis, prefix=f"test:{uuid.uuid4().hex}", hold_seconds=0.3)
    await admission.admit(order(), [Claim("TEE-1", 1, 1)])
    with pytest.raises(CheckoutBusyError):
        await admission.admit(order(), [Claim("TEE-1", 1, 1)])
    await asyncio.sleep(0.4)
    await admission.admit(order(), [Claim("TEE-1", 1, 1)])


async def test_without_redis_checkout_goes_on_unadmitted() -> None:
    unreachable = redis_client(RedisSettings(url="redis://127.0.0.1:1/0", pool_timeout_seconds=0.5))
    admission = Admission(unreachable, prefix="test:none")
    try:
        await admission.admit(order(), [Claim("TEE-1", 1, 1)])
        await admission.release(order(), [("TEE-1", 1)])
    finally:
        await unreachable.aclose()


# --- through the app: POST /api/orders and the reservation's answer -------------------------


@pytest.fixture
def apps_admission(redis: Redis, settings: Settings) -> Admission:
    """Admission over the same Redis keys as the app's (the app's own client lives on the
    test client's event loop)."""
    return Admission(redis, prefix=settings.admission.prefix)


async def claim_lapses_in(admission: Admission, order_id: str) -> float | None:
    """Seconds until the order's claim lapses (Redis's clock), None if there is none."""
    score = await admission.redis.zscore(f"{admission.prefix}:{SKU}", f"{order_id}|{QUANTITY}")
    seconds, micros = await admission.redis.time()
    return None if score is None else (score - (seconds * 1000 + micros // 1000)) / 1000


async def claimed(admission: Admission, order_id: str) -> bool:
    score = await admission.redis.zscore(f"{admission.prefix}:{SKU}", f"{order_id}|{QUANTITY}")
    return score is not None


async def test_a_checkout_finding_every_unit_claimed_is_asked_to_come_back_and_stores_nothing(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    apps_admission: Admission,
) -> None:
    rush = order()
    await apps_admission.admit(rush, [Claim(SKU, AVAILABLE, AVAILABLE)])
    key = new_key()
    try:
        busy = await client.post(
            PREFIX, json=order_body(CART_ID), headers={**customer_headers, "Idempotency-Key": key}
        )
        assert busy.status_code == 429, busy.text
        assert busy.headers["content-type"].startswith("application/problem+json")
        assert busy.headers["retry-after"] == "3"
        assert busy.json()["code"] == "checkout-busy"
    finally:
        await apps_admission.release(rush, [(SKU, AVAILABLE)])

    placed = await client.post(
        PREFIX, json=order_body(CART_ID), headers={**customer_headers, "Idempotency-Key": key}
    )
    assert placed.status_code == 201, placed.text  # nothing of the refused try was kept
    assert await claimed(apps_admission, placed.json()["id"])


@pytest.mark.parametrize("answer", ["reserved", "failed"])
async def test_a_claim_ends_when_inventory_answers_the_reservation(
    client: AsyncTestClient[Litestar],
    customer_headers: dict[str, str],
    publish: Any,
    apps_admission: Admission,
    answer: str,
) -> None:
    placed = await place(client, customer_headers)
    assert await claimed(apps_admission, placed["id"])

    event = (
        reserved(placed) if answer == "reserved" else StockReservationFailed(order_id=placed["id"])
    )
    await publish(event)
    # The claim now lapses ADMISSION_SETTLE_SECONDS (2) after the answer, no longer 30 s after
    # the checkout.
    for _ in range(100):
        lapses = await claim_lapses_in(apps_admission, placed["id"])
        if lapses is None or lapses <= 2.5:
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the claim outlived the reservation's answer")

"""Reservations through HTTP: all lines or none, one per order, commit and release idempotent,
expiry released by the background sweeper, and what each step publishes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from conftest import SQL, new_sku
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.messaging import payload_as
from shopkit.testing import CollectorFactory, EventCollector

from inventory_service.events.events import Released, ReservationFailed, Reserved

pytestmark = pytest.mark.integration

PREFIX = "/api/inventory"
Client = AsyncTestClient[Litestar]


async def stocked(client: Client, admin: dict[str, str], **quantities: int) -> list[str]:
    skus = []
    for hint, quantity in quantities.items():
        sku = new_sku(hint)
        response = await client.put(f"{PREFIX}/{sku}", json={"on_hand": quantity}, headers=admin)
        assert response.status_code == 200, response.text
        skus.append(sku)
    return skus


async def level(client: Client, sku: str) -> dict[str, Any]:
    return (await client.get(f"{PREFIX}/{sku}")).json()


async def event_about(collector: EventCollector, key: str, value: str) -> dict[str, Any]:
    for _ in range(200):
        payload = payload_as((await collector.next(timeout=5)).envelope, dict)
        if payload.get(key) == value:
            return payload
    pytest.fail(f"no event with {key}={value}")


async def test_all_lines_are_reserved_together_and_announced(
    client: Client,
    admin_headers: dict[str, str],
    service_headers: dict[str, str],
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector(Reserved.event_type)
    shirt, mug = await stocked(client, admin_headers, shirt=5, mug=2)
    response = await client.post(
        f"{PREFIX}/reservations",
        json={
            "order_id": "order-together",
            "lines": [{"sku": shirt, "quantity": 3}, {"sku": mug, "quantity": 2}],
            "ttl_seconds": 600,
        },
        headers=service_headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "active"
    assert body["order_id"] == "order-together"
    assert body["lines"] == [{"sku": shirt, "quantity": 3}, {"sku": mug, "quantity": 2}]
    assert await level(client, shirt) == {"sku": shirt, "on_hand": 5, "reserved": 3, "available": 2}
    assert (await level(client, mug))["available"] == 0

    event = await event_about(collector, "order_id", "order-together")
    assert event["reservation_id"] == body["reservation_id"]
    assert event["lines"] == body["lines"]


async def test_one_short_line_reserves_nothing_409_naming_the_sku(
    client: Client,
    admin_headers: dict[str, str],
    service_headers: dict[str, str],
    event_collector: CollectorFactory,
    sql: SQL,
) -> None:
    collector = await event_collector(ReservationFailed.event_type)
    plenty, scarce = await stocked(client, admin_headers, plenty=10, scarce=1)
    response = await client.post(
        f"{PREFIX}/reservations",
        json={
            "order_id": "order-short",
            "lines": [{"sku": plenty, "quantity": 4}, {"sku": scarce, "quantity": 2}],
        },
        headers=service_headers,
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "insufficient-stock"
    assert scarce in problem["detail"]
    assert plenty not in problem["detail"]
    assert problem["invalid_params"][0]["name"] == "lines[1].quantity"
    assert (await level(client, plenty))["reserved"] == 0
    assert (await level(client, scarce))["reserved"] == 0
    assert await sql("SELECT count(*) FROM reservation WHERE order_id = 'order-short'") == [(0,)]

    failed = await event_about(collector, "order_id", "order-short")
    assert failed == {
        "order_id": "order-short",
        "reason": "insufficient_stock",
        "lines": [{"sku": scarce, "requested": 2, "available": 1}],
    }


async def test_the_same_order_gets_the_same_reservation(
    client: Client, admin_headers: dict[str, str], service_headers: dict[str, str]
) -> None:
    (sku,) = await stocked(client, admin_headers, again=10)
    body = {"order_id": new_sku("order"), "lines": [{"sku": sku, "quantity": 4}]}
    first = await client.post(f"{PREFIX}/reservations", json=body, headers=service_headers)
    second = await client.post(f"{PREFIX}/reservations", json=body, headers=service_headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert (await level(client, sku))["reserved"] == 4

    other_lines = {**body, "lines": [{"sku": sku, "quantity": 5}]}
    clash = await client.post(f"{PREFIX}/reservations", json=other_lines, headers=service_headers)
    assert clash.status_code == 409
    assert clash.json()["code"] == "order-already-reserved"


async def test_commit_takes_units_out_of_stock_once(
    client: Client, admin_headers: dict[str, str], service_headers: dict[str, str]
) -> None:
    (sku,) = await stocked(client, admin_headers, sold=10)
    reservation = (
        await client.post(
            f"{PREFIX}/reservations",
            json={"order_id": new_sku("order"), "lines": [{"sku": sku, "quantity": 3}]},
            headers=service_headers,
        )
    ).json()
    url = f"{PREFIX}/reservations/{reservation['reservation_id']}"
    for _ in range(2):
        committed = await client.post(f"{url}/commit", headers=service_headers)
        assert committed.status_code == 200, committed.text
        assert committed.json()["status"] == "committed"
    assert await level(client, sku) == {"sku": sku, "on_hand": 7, "reserved": 0, "available": 7}

    release = await client.post(f"{url}/release", headers=service_headers)
    assert release.status_code == 409
    assert release.json()["code"] == "reservation-closed"


async def test_release_gives_units_back_once_and_announces_it(
    client: Client,
    admin_headers: dict[str, str],
    service_headers: dict[str, str],
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector(Released.event_type)
    (sku,) = await stocked(client, admin_headers, back=4)
    reservation = (
        await client.post(
            f"{PREFIX}/reservations",
            json={"order_id": new_sku("order"), "lines": [{"sku": sku, "quantity": 4}]},
            headers=admin_headers,
        )
    ).json()
    url = f"{PREFIX}/reservations/{reservation['reservation_id']}"
    for _ in range(2):
        released = await client.post(f"{url}/release", headers=service_headers)
        assert released.status_code == 200, released.text
        assert released.json()["status"] == "released"
    assert await level(client, sku) == {"sku": sku, "on_hand": 4, "reserved": 0, "available": 4}
    assert (await client.post(f"{url}/commit", headers=service_headers)).status_code == 409

    event = await event_about(collector, "reservation_id", reservation["reservation_id"])
    assert event["reason"] == "released"
    await collector.assert_nothing(within=0.3)  # the second release announced nothing


async def test_expired_reservations_are_released_by_the_sweeper(
    client: Client,
    admin_headers: dict[str, str],
    service_headers: dict[str, str],
    event_collector: CollectorFactory,
) -> None:
    collector = await event_collector(Released.event_type)
    (sku,) = await stocked(client, admin_headers, brief=3)
    reservation = (
        await client.post(
            f"{PREFIX}/reservations",
            json={
                "order_id": new_sku("order"),
                "lines": [{"sku": sku, "quantity": 2}],
                "ttl_seconds": 1,
            },
            headers=service_headers,
        )
    ).json()
    assert (await level(client, sku))["reserved"] == 2
    for _ in range(50):
        await asyncio.sleep(0.1)
        if (await level(client, sku))["reserved"] == 0:
            break
    else:
        pytest.fail("the expired reservation was never released")
    fetched = await client.get(
        f"{PREFIX}/reservations/{reservation['reservation_id']}", headers=service_headers
    )
    assert fetched.json()["status"] == "released"
    event = await event_about(collector, "reservation_id", reservation["reservation_id"])
    assert event["reason"] == "expired"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"order_id": "o", "lines": []}, "lines"),
        ({"order_id": "o", "lines": [{"sku": "A", "quantity": 0}]}, "lines[0].quantity"),
        ({"order_id": "o", "lines": [{"sku": "A", "quantity": 1.5}]}, "lines[0].quantity"),
        (
            {"order_id": "o", "lines": [{"sku": "A", "quantity": 1}, {"sku": "A", "quantity": 1}]},
            "lines[1].sku",
        ),
        (
            {"order_id": "o", "lines": [{"sku": "A", "quantity": 1}], "ttl_seconds": 10**7},
            "ttl_seconds",
        ),
    ],
)
async def test_bad_reservations_are_422_naming_the_field(
    client: Client, service_headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = await client.post(f"{PREFIX}/reservations", json=body, headers=service_headers)
    assert response.status_code == 422, response.text
    assert response.json()["invalid_params"][0]["name"] == field


async def test_only_services_and_admins_may_reserve(
    client: Client, customer_headers: dict[str, str]
) -> None:
    body = {"order_id": "o", "lines": [{"sku": "A", "quantity": 1}]}
    assert (await client.post(f"{PREFIX}/reservations", json=body)).status_code == 401
    forbidden = await client.post(f"{PREFIX}/reservations", json=body, headers=customer_headers)
    assert forbidden.status_code == 403


async def test_the_reconciliation_lists_old_active_reservations_and_those_of_given_orders(
    client: Client,
    admin_headers: dict[str, str],
    service_headers: dict[str, str],
    customer_headers: dict[str, str],
) -> None:
    (sku,) = await stocked(client, admin_headers, listed=10)
    held, sold = new_sku("order"), new_sku("order")
    made = {}
    for order_id in (held, sold):
        response = await client.post(
            f"{PREFIX}/reservations",
            json={"order_id": order_id, "lines": [{"sku": sku, "quantity": 1}]},
            headers=service_headers,
        )
        made[order_id] = response.json()
    await client.post(
        f"{PREFIX}/reservations/{made[sold]['reservation_id']}/commit", headers=service_headers
    )

    listed = await client.get(
        f"{PREFIX}/reservations",
        params={"order_id": [held, sold], "limit": 10},
        headers=service_headers,
    )
    assert listed.status_code == 200, listed.text
    statuses = {item["order_id"]: item["status"] for item in listed.json()["items"]}
    assert statuses == {held: "active", sold: "committed"}
    assert listed.json()["total"] == 2

    created = listed.json()["items"][0]["created_at"]
    active = await client.get(
        f"{PREFIX}/reservations",
        params={"status": "active", "created_before": created, "limit": 100},
        headers=service_headers,
    )
    assert held in [item["order_id"] for item in active.json()["items"]]
    assert {item["status"] for item in active.json()["items"]} == {"active"}
    earlier = await client.get(
        f"{PREFIX}/reservations",
        params={"status": "active", "created_before": "2000-01-01T00:00:00Z"},
        headers=service_headers,
    )
    assert earlier.json()["items"] == []

    unknown = await client.get(
        f"{PREFIX}/reservations", params={"status": "lost"}, headers=service_headers
    )
    assert unknown.status_code == 422
    assert unknown.json()["invalid_params"][0]["name"] == "status"
    too_many = await client.get(
        f"{PREFIX}/reservations",
        params={"order_id": [f"o-{n}" for n in range(101)]},
        headers=service_headers,
    )
    assert too_many.status_code == 422
    customer = await client.get(f"{PREFIX}/reservations", headers=customer_headers)
    assert customer.status_code == 403

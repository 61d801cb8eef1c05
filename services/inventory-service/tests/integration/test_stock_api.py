"""Stock through HTTP against the real database and broker: who may do what, what is stored,
what the ledger says and what is published."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import SQL, new_sku
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.messaging import payload_as
from shopkit.testing import CollectorFactory, EventCollector

from inventory_service.events.events import LowStock, StockChanged

pytestmark = pytest.mark.integration

PREFIX = "/api/inventory"
Client = AsyncTestClient[Litestar]


async def set_stock(client: Client, headers: dict[str, str], sku: str, **body: Any) -> Any:
    response = await client.put(f"{PREFIX}/{sku}", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def reserve(client: Client, headers: dict[str, str], sku: str, quantity: int) -> Any:
    response = await client.post(
        f"{PREFIX}/reservations",
        json={"order_id": new_sku("order"), "lines": [{"sku": sku, "quantity": quantity}]},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def events_for(collector: EventCollector, sku: str, count: int) -> list[Any]:
    """The next `count` events about `sku` (earlier tests' events may still be arriving)."""
    found: list[Any] = []
    for _ in range(200):
        received = await collector.next(timeout=5)
        payload = payload_as(received.envelope, dict)
        if payload.get("sku") == sku:
            found.append(payload)
            if len(found) == count:
                return found
    pytest.fail(f"only {len(found)} of {count} events for {sku} arrived")


async def test_an_admin_sets_stock_that_anyone_reads_as_totals(
    client: Client, admin_headers: dict[str, str]
) -> None:
    sku = new_sku()
    await set_stock(client, admin_headers, sku, on_hand=12)
    await set_stock(client, admin_headers, sku, on_hand=3, warehouse="north")

    level = await client.get(f"{PREFIX}/{sku}")
    assert level.status_code == 200
    assert level.json() == {"sku": sku, "on_hand": 15, "reserved": 0, "available": 15}


async def test_an_unknown_sku_is_404_problem(client: Client) -> None:
    response = await client.get(f"{PREFIX}/{new_sku('NOPE')}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "sku-not-found"


async def test_admin_routes_refuse_anonymous_401_and_customers_403_writing_nothing(
    client: Client, customer_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    sku = new_sku()
    await set_stock(client, admin_headers, sku, on_hand=5)
    attempts = [
        ("PUT", f"{PREFIX}/{sku}", {"on_hand": 99}),
        ("POST", f"{PREFIX}/{sku}/adjustments", {"delta": 10, "reason": "sneaky"}),
        ("GET", f"{PREFIX}/{sku}/movements", None),
    ]
    for method, url, body in attempts:
        anonymous = await client.request(method, url, json=body)
        customer = await client.request(method, url, json=body, headers=customer_headers)
        assert anonymous.status_code == 401, (method, url)
        assert customer.status_code == 403, (method, url)
        assert customer.headers["content-type"] == "application/problem+json"
    assert (await client.get(f"{PREFIX}/{sku}")).json()["on_hand"] == 5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"on_hand": -1}, "on_hand"),
        ({"on_hand": 2.5}, "on_hand"),
        ({"on_hand": 3, "low_stock_threshold": -2}, "low_stock_threshold"),
        ({"on_hand": 3, "warehouse": ""}, "warehouse"),
    ],
)
async def test_bad_quantities_are_422_naming_the_field_and_change_nothing(
    client: Client, admin_headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    sku = new_sku()
    await set_stock(client, admin_headers, sku, on_hand=4)
    response = await client.put(f"{PREFIX}/{sku}", json=body, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.json()["invalid_params"][0]["name"] == field
    assert (await client.get(f"{PREFIX}/{sku}")).json()["on_hand"] == 4


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"delta": 1.5, "reason": "x"}, "delta"),
        ({"delta": 0, "reason": "x"}, "delta"),
        ({"delta": 2}, "reason"),
    ],
)
async def test_bad_adjustments_are_422_naming_the_field(
    client: Client, admin_headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    sku = new_sku()
    await set_stock(client, admin_headers, sku, on_hand=4)
    response = await client.post(f"{PREFIX}/{sku}/adjustments", json=body, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.json()["invalid_params"][0]["name"] == field


async def test_stock_cannot_go_below_what_is_reserved_and_nothing_changes(
    client: Client,
    admin_headers: dict[str, str],
    service_headers: dict[str, str],
    sql: SQL,
) -> None:
    sku = new_sku()
    await set_stock(client, admin_headers, sku, on_hand=10)
    await reserve(client, service_headers, sku, 6)
    ledger_before = await sql("SELECT count(*) FROM stock_movement WHERE sku = :sku", sku=sku)

    too_low = await client.put(f"{PREFIX}/{sku}", json={"on_hand": 5}, headers=admin_headers)
    assert too_low.status_code == 409
    assert too_low.json()["code"] == "stock-below-reserved"
    assert too_low.json()["invalid_params"][0]["name"] == "on_hand"

    too_much = await client.post(
        f"{PREFIX}/{sku}/adjustments",
        json={"delta": -5, "reason": "damaged"},
        headers=admin_headers,
    )
    assert too_much.status_code == 409
    assert too_much.json()["invalid_params"][0]["name"] == "delta"

    assert (await client.get(f"{PREFIX}/{sku}")).json() == {
        "sku": sku,
        "on_hand": 10,
        "reserved": 6,
        "available": 4,
    }
    assert (
        await sql("SELECT count(*) FROM stock_movement WHERE sku = :sku", sku=sku) == ledger_before
    )

    ok = await client.post(
        f"{PREFIX}/{sku}/adjustments",
        json={"delta": -4, "reason": "damaged"},
        headers=admin_headers,
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["available"] == 0


async def test_adjusting_an_unknown_sku_is_404(
    client: Client, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        f"{PREFIX}/{new_sku()}/adjustments",
        json={"delta": 3, "reason": "found"},
        headers=admin_headers,
    )
    assert response.status_code == 404


async def test_the_ledger_records_every_movement_and_sums_to_the_stock(
    client: Client, admin_headers: dict[str, str], service_headers: dict[str, str]
) -> None:
    sku = new_sku()
    await set_stock(client, admin_headers, sku, on_hand=20)
    await client.post(
        f"{PREFIX}/{sku}/adjustments",
        json={"delta": -3, "reason": "damaged"},
        headers=admin_headers,
    )
    await set_stock(client, admin_headers, sku, on_hand=2, warehouse="north")
    reservation = await reserve(client, service_headers, sku, 5)
    await client.post(
        f"{PREFIX}/reservations/{reservation['reservation_id']}/commit", headers=service_headers
    )

    first = (
        await client.get(f"{PREFIX}/{sku}/movements", params={"limit": 3}, headers=admin_headers)
    ).json()
    rest = (
        await client.get(
            f"{PREFIX}/{sku}/movements", params={"limit": 3, "offset": 3}, headers=admin_headers
        )
    ).json()
    assert first["total"] == 5
    assert (first["limit"], first["offset"]) == (3, 0)
    movements = first["items"] + rest["items"]
    assert [m["reason"] for m in movements] == ["commit", "reserve", "set", "adjust", "set"]
    assert movements[3]["note"] == "damaged"
    assert movements[0]["reference"] == reservation["reservation_id"]

    level = (await client.get(f"{PREFIX}/{sku}")).json()
    assert sum(m["delta_on_hand"] for m in movements) == level["on_hand"] == 14
    assert sum(m["delta_reserved"] for m in movements) == level["reserved"] == 0


async def test_every_change_publishes_stock_changed_with_the_new_totals(
    client: Client, admin_headers: dict[str, str], event_collector: CollectorFactory
) -> None:
    collector = await event_collector(StockChanged.event_type)
    sku = new_sku()
    await set_stock(client, admin_headers, sku, on_hand=8)
    await client.post(
        f"{PREFIX}/{sku}/adjustments",
        json={"delta": 2, "reason": "delivery"},
        headers=admin_headers,
    )
    first, second = await events_for(collector, sku, 2)
    assert (first["on_hand"], first["available"], first["reason"]) == (8, 8, "set")
    assert (second["on_hand"], second["reserved"], second["available"], second["reason"]) == (
        10,
        0,
        10,
        "adjust",
    )
    StockChanged(**second)  # the payload is the producer's own Struct


async def test_low_stock_is_announced_once_per_crossing(
    client: Client, admin_headers: dict[str, str], event_collector: CollectorFactory
) -> None:
    collector = await event_collector(LowStock.event_type)
    sku = new_sku()
    await set_stock(client, admin_headers, sku, on_hand=10, low_stock_threshold=5)

    async def adjust(delta: int) -> None:
        response = await client.post(
            f"{PREFIX}/{sku}/adjustments",
            json={"delta": delta, "reason": "sale"},
            headers=admin_headers,
        )
        assert response.status_code == 201, response.text

    await adjust(-6)  # 4: below the threshold
    await adjust(-1)  # 3: still below, no second alert
    await adjust(+7)  # 10: recovered
    await adjust(-8)  # 2: a new crossing
    alerts = await events_for(collector, sku, 2)
    assert alerts == [
        {"sku": sku, "available": 4, "threshold": 5},
        {"sku": sku, "available": 2, "threshold": 5},
    ]
    await collector.assert_nothing(within=0.5)


async def test_an_offset_beyond_the_deepest_page_or_a_nul_in_a_sku_is_422_not_500(
    client: Client, admin_headers: dict[str, str]
) -> None:
    sku = new_sku()
    await set_stock(client, admin_headers, sku, on_hand=1)
    for url, name in (
        (f"{PREFIX}/{sku}/movements?offset=9223372036854775808", "offset"),
        (f"{PREFIX}/{sku}%00/movements", "sku"),
        (f"{PREFIX}?skus={sku}%00", "skus"),
    ):
        response = await client.get(url, headers=admin_headers)
        assert response.status_code == 422, (url, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert [p["name"] for p in response.json()["invalid_params"]] == [name]

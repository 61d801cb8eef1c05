"""The admin's pact with inventory-service (`contracts/pacts/admin-inventory-service.json`): the
Stock page (a SKU's levels, set on hand, adjust, the movement ledger, a SKU with no record) and
the levels of many SKUs at once that the low-stock list is made from.

SKUs are the admin's own input (a path segment), so they are pinned as sent; the levels are
integers whatever their values."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from admin_pacts import BEARER, admin_pact, timestamp, write
from pact import Pact, match

from admin.controllers.stock import MOVEMENTS_PAGE, _stock_api
from admin.gateway import Api, ApiError

pytestmark = pytest.mark.contract

PROVIDER = "inventory-service"
SKU = "ADM-TEE-M"
LOW = ("ADM-MUG-1", "ADM-MUG-2")
NO_STOCK = "ADM-NEVER-STOCKED"


def level(sku: str, available: int) -> dict[str, object]:
    return {
        "sku": sku,
        "on_hand": match.integer(available),
        "reserved": match.integer(0),
        "available": match.integer(available),
    }


def changed(on_hand: int) -> dict[str, object]:
    return {"sku": SKU, "on_hand": match.integer(on_hand), "available": match.integer(on_hand)}


@pytest.fixture(scope="module")
def pact() -> Iterator[Pact]:
    pact = admin_pact(PROVIDER)
    (
        pact.upon_receiving("a request for the stock levels of a SKU")
        .given("stock exists", skus=SKU, available=5)
        .with_request("GET", _stock_api(SKU))
        .will_respond_with(200)
        .with_body(level(SKU, 5), "application/json")
    )
    (
        pact.upon_receiving("a request for the stock levels of a SKU with no stock record")
        .with_request("GET", _stock_api(NO_STOCK))
        .will_respond_with(404)
    )
    (
        pact.upon_receiving("a request to set the stock on hand of a SKU and its threshold")
        .given("stock exists", skus=SKU, available=5)
        .with_request("PUT", _stock_api(SKU))
        .with_header("Authorization", BEARER)
        .with_body({"on_hand": 12, "low_stock_threshold": 3}, "application/json")
        .will_respond_with(200)
        .with_body(changed(12), "application/json")
    )
    (
        pact.upon_receiving("a request to adjust the stock on hand of a SKU")
        .given("stock exists", skus=SKU, available=5)
        .with_request("POST", f"{_stock_api(SKU)}/adjustments")
        .with_header("Authorization", BEARER)
        .with_body({"delta": -2, "reason": "damaged"}, "application/json")
        .will_respond_with(201)
        .with_body(changed(3), "application/json")
    )
    (
        pact.upon_receiving("a request for the newest stock movements of a SKU")
        .given("stock exists", skus=SKU, available=5)
        .with_request("GET", f"{_stock_api(SKU)}/movements")
        .with_query_parameter("limit", str(MOVEMENTS_PAGE))
        .with_query_parameter("offset", "0")
        .with_header("Authorization", BEARER)
        .will_respond_with(200)
        .with_body(
            {
                "items": match.each_like(
                    {
                        "at": timestamp(),
                        "reason": match.str("set"),
                        "delta_on_hand": match.integer(5),
                        "delta_reserved": match.integer(0),
                        "warehouse": match.str("main"),
                    },
                    min=1,
                ),
                "total": match.integer(1),
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a lookup of the stock levels of several SKUs")
        .given("stock exists", skus=",".join(LOW), available=2)
        .with_request("GET", "/api/inventory")
        .with_query_parameter("skus", ",".join(LOW))
        .will_respond_with(200)
        .with_body(
            {"items": match.array_containing([level(sku, 2) for sku in LOW])}, "application/json"
        )
    )
    yield pact
    write(pact)


async def test_the_stock_page_shows_on_hand_reserved_and_available(api: Api) -> None:
    stock = await api.get(_stock_api(SKU))
    assert (stock["on_hand"], stock["reserved"], stock["available"]) == (5, 0, 5)


async def test_a_sku_without_stock_is_a_404_the_page_explains(api: Api) -> None:
    with pytest.raises(ApiError) as missing:
        await api.get(_stock_api(NO_STOCK))
    assert missing.value.status == 404  # "There is no stock record for ... yet."


async def test_setting_stock_sends_on_hand_and_the_threshold(api: Api) -> None:
    stock = await api.put(_stock_api(SKU), {"on_hand": 12, "low_stock_threshold": 3})
    assert stock["on_hand"] == 12


async def test_adjusting_stock_sends_a_signed_delta_and_a_reason(api: Api) -> None:
    stock = await api.post(f"{_stock_api(SKU)}/adjustments", {"delta": -2, "reason": "damaged"})
    assert stock["on_hand"] == 3


async def test_the_movement_ledger_has_what_the_table_shows(api: Api) -> None:
    page = await api.get(f"{_stock_api(SKU)}/movements", limit=MOVEMENTS_PAGE, offset=0)
    (movement,) = page["items"]
    assert {"at", "reason", "delta_on_hand", "delta_reserved", "warehouse"} <= movement.keys()
    assert int(page["total"]) >= 1


async def test_low_stock_reads_the_levels_of_many_skus_in_one_call(api: Api) -> None:
    # As `admin.reports.low_stock` asks, with the SKUs it got from the catalog.
    levels = await api.get("/api/inventory", skus=",".join(LOW))
    assert sorted((item["sku"], item["available"]) for item in levels["items"]) == [
        (sku, 2) for sku in LOW
    ]

"""Issue 3's promise, checked through the gateway on the real shop: the demo catalog in four
currencies, typo-tolerant search, and admin changes to price and stock reaching search and the
live stock stream."""

from __future__ import annotations

import json
import queue
import threading
import urllib.request
import uuid
from typing import Any

import pytest
from conftest import GATEWAY, Gateway, eventually

pytestmark = pytest.mark.e2e


def test_the_demo_catalog_is_priced_in_four_currencies(shop: Gateway) -> None:
    rates = {c["code"]: c for c in shop.call("GET", "/api/currencies").json()["items"]}
    assert {"EUR", "USD", "GBP", "JPY"} <= set(rates)
    seen: dict[str, dict[str, int]] = {}
    for currency in ("EUR", "USD", "GBP", "JPY"):
        page = shop.call("GET", f"/api/products?limit=10&currency={currency}").json()
        assert page["total"] >= 100
        for item in page["items"]:
            for variant in item["variants"]:
                assert variant["price"]["currency"] == currency
                assert isinstance(variant["price"]["amount"], int)
                seen.setdefault(variant["sku"], {})[currency] = variant["price"]["amount"]
    prices = next(p for p in seen.values() if len(p) == 4)
    assert prices["JPY"] > prices["EUR"]  # 1 EUR is ~162 JPY, and JPY has no minor unit


def test_a_search_with_a_typo_finds_the_product(shop: Gateway) -> None:
    result = shop.call("GET", "/api/search?q=hedphones").json()
    assert result["total"] > 0
    assert any("headphones" in item["name"].lower() for item in result["items"])
    assert "category" in result["facets"]


def _leaf_category(shop: Gateway) -> str:
    categories = shop.call("GET", "/api/categories").json()["items"]
    parents = {c["parent_id"] for c in categories}
    return next(c["id"] for c in categories if c["id"] not in parents)


def _search_price(shop: Gateway, name: str) -> int | None:
    items = shop.call("GET", f"/api/search?q={urllib.request.quote(name)}").json()["items"]
    match = [item for item in items if item["name"] == name]
    return match[0]["price"]["amount"] if match else None


def test_an_admin_price_change_reaches_search(shop: Gateway, admin_token: str) -> None:
    tag = uuid.uuid4().hex[:8]
    name, sku = f"Studio Monitor {tag}", f"E2E-{tag}".upper()
    created = shop.call(
        "POST", "/api/products",
        {
            "name": name, "category_id": _leaf_category(shop), "status": "active",
            "brand": "Shopkit", "variants": [{"sku": sku, "base_price": {"amount": 10000}}],
        },
        token=admin_token,
    )  # fmt: skip
    assert created.status == 201, created.body
    product_path = f"/api/products/{created.json()['id']}"
    try:
        eventually(lambda: _search_price(shop, name) == 10000)
        changed = shop.call(
            "PATCH", product_path,
            {"variants": [{"sku": sku, "base_price": {"amount": 12345}}]},
            token=admin_token,
        )  # fmt: skip
        assert changed.status == 200, changed.body
        _, took = eventually(lambda: _search_price(shop, name) == 12345)
        print(f"price change visible in search after {took * 1000:.0f} ms")
    finally:  # the shop's demo catalog stays as the seed made it
        shop.call("DELETE", product_path, token=admin_token)


def _stream(skus: str, events: queue.Queue[dict[str, object]], ready: threading.Event) -> None:
    with urllib.request.urlopen(f"{GATEWAY}/api/inventory/stream?skus={skus}", timeout=30) as r:
        ready.set()
        for raw in r:
            line = raw.decode().strip()
            if line.startswith("data:"):
                events.put(json.loads(line.removeprefix("data:")))


def _in_stock_in_search(shop: Gateway, product: dict[str, Any]) -> bool | None:
    query = urllib.request.quote(product["name"])
    items = shop.call("GET", f"/api/search?q={query}").json()["items"]
    found = [item["in_stock"] for item in items if item["product_id"] == product["id"]]
    return found[0] if found else None


def test_an_admin_stock_change_reaches_the_live_stream_and_search(
    shop: Gateway, admin_token: str
) -> None:
    items = shop.call("GET", "/api/products?limit=100").json()["items"]
    product = next(item for item in items if len(item["variants"]) == 1)
    sku = product["variants"][0]["sku"]
    events: queue.Queue[dict[str, object]] = queue.Queue()
    ready = threading.Event()
    threading.Thread(target=_stream, args=(sku, events, ready), daemon=True).start()
    assert ready.wait(10)
    first = events.get(timeout=10)  # the current value comes first
    assert first["sku"] == sku

    before = shop.call("GET", f"/api/inventory/{sku}").json()
    reserved = before["reserved"]
    try:
        _change_stock_and_watch(shop, admin_token, product, first, events, reserved)
    finally:  # the shop's demo stock stays as the seed made it
        shop.call("PUT", f"/api/inventory/{sku}", {"on_hand": before["on_hand"]}, token=admin_token)


def _change_stock_and_watch(
    shop: Gateway,
    admin_token: str,
    product: dict[str, Any],
    first: dict[str, object],
    events: queue.Queue[dict[str, object]],
    reserved: int,
) -> None:
    sku = product["variants"][0]["sku"]
    target = int(str(first["available"])) + 11
    answer = shop.call(
        "PUT", f"/api/inventory/{sku}", {"on_hand": reserved + target}, token=admin_token
    )
    assert answer.status == 200, answer.body

    def pushed() -> bool:
        while True:
            try:
                event = events.get(timeout=0.05)
            except queue.Empty:
                return False
            if event["sku"] == sku and event["available"] == target:
                return True

    _, took = eventually(pushed)
    print(f"stock change pushed on the stream after {took * 1000:.0f} ms")
    eventually(lambda: _in_stock_in_search(shop, product) is True)

    emptied = shop.call("PUT", f"/api/inventory/{sku}", {"on_hand": reserved}, token=admin_token)
    assert emptied.status == 200, emptied.body
    eventually(lambda: _in_stock_in_search(shop, product) is False)

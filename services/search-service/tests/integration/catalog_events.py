"""Envelopes as product-service and inventory-service publish them (contracts/events/README.md),
built here as plain JSON so the tests exercise our tolerant decoding, not a shared class."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from shopkit.messaging import Envelope, new_event_id

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def envelope(event_type: str, payload: dict[str, Any], producer: str) -> Envelope:
    return Envelope(
        id=new_event_id(),
        type=event_type,
        version=1,
        occurred_at=datetime.now(UTC),
        producer=producer,
        payload=msgspec.Raw(msgspec.json.encode(payload)),
    )


def product(
    product_id: str,
    name: str,
    *,
    eur: int,
    jpy: int,
    brand: str = "Acme",
    category: tuple[str, str] = ("headphones", "Headphones"),
    path: tuple[str, ...] = ("electronics", "audio"),
    description: str = "",
    status: str = "active",
    updated: int = 0,
    skus: tuple[str, ...] | None = None,
    event: str = "product.created.v1",
) -> Envelope:
    """A product snapshot; every variant costs the same unless prices are changed later."""
    prices = {"EUR": eur, "USD": eur + eur // 10, "GBP": eur - eur // 10, "JPY": jpy}
    return envelope(
        event,
        {
            "product_id": product_id,
            "slug": name.lower().replace(" ", "-"),
            "name": name,
            "description": description,
            "brand": brand,
            "status": status,
            "category": {"id": f"cat-{category[0]}", "slug": category[0], "name": category[1]},
            "category_path": [*path, category[0]],
            "images": [f"https://img.shopkit.local/{product_id}.jpg"],
            "attributes": {"colour": "black"},
            "variants": [
                {
                    "sku": sku,
                    "options": {"size": "one"},
                    "base_price": {"amount": eur, "currency": "EUR"},
                    "prices": prices,
                }
                for sku in (skus or (f"{product_id}-SKU",))
            ],
            "base_currency": "EUR",
            "updated_at": at(updated).isoformat(),
        },
        "product-service",
    )


def deleted(product_id: str) -> Envelope:
    return envelope(
        "product.deleted.v1",
        {"product_id": product_id, "skus": [f"{product_id}-SKU"]},
        "product-service",
    )


def price_changed(product_id: str, sku: str, prices: dict[str, int]) -> Envelope:
    return envelope(
        "price.changed.v1",
        {
            "product_id": product_id,
            "sku": sku,
            "base_price": {"amount": prices["EUR"], "currency": "EUR"},
            "prices": prices,
            "changed_at": at(30).isoformat(),
        },
        "product-service",
    )


def stock_changed(sku: str, available: int, *, minute: int = 1) -> Envelope:
    return envelope(
        "inventory.stock_changed.v1",
        {
            "sku": sku,
            "on_hand": available + 1,
            "reserved": 1,
            "available": available,
            "reason": "adjustment",
            "changed_at": at(minute).isoformat(),
        },
        "inventory-service",
    )

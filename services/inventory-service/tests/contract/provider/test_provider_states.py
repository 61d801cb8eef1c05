"""The messages and states consumers' pacts ask for come out of the real code, even before a
consumer's pact names them (order- and notification-service are written alongside)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import msgspec
import pytest
from provider_states import MESSAGES, STATES
from shopkit.messaging import decode_envelope
from shopkit.testing import serve_app

from inventory_service.app import create_app
from inventory_service.config import Settings

pytestmark = pytest.mark.contract


@pytest.mark.parametrize(
    ("description", "event_type", "fields"),
    [
        ("an inventory.stock_changed event", "inventory.stock_changed.v1", {"sku", "available"}),
        ("an inventory.low_stock event", "inventory.low_stock.v1", {"sku", "threshold"}),
        (
            "an inventory.reserved event",
            "inventory.reserved.v1",
            {"reservation_id", "order_id", "lines", "expires_at"},
        ),
        (
            "an inventory.reservation_failed event",
            "inventory.reservation_failed.v1",
            {"order_id", "reason", "lines"},
        ),
    ],
)
def test_each_message_is_a_real_envelope_of_its_type(
    settings: Settings, description: str, event_type: str, fields: set[str]
) -> None:
    message = MESSAGES[description](settings)()
    envelope = decode_envelope(message["contents"])
    payload: dict[str, Any] = msgspec.json.decode(envelope.payload)
    assert envelope.type == message["metadata"]["routing_key"] == event_type
    assert envelope.producer == "inventory-service"
    assert fields <= payload.keys()
    if event_type == "inventory.low_stock.v1":
        assert payload["available"] < payload["threshold"]
    if event_type == "inventory.reservation_failed.v1":
        assert payload["reason"] == "insufficient_stock"
        assert payload["lines"][0]["requested"] > payload["lines"][0]["available"]


def test_stock_exists_with_exactly_the_asked_availability_and_nothing_reserved(
    settings: Settings, token_factory: Any
) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    skus = [f"PACT-{tag}-1", f"PACT-{tag}-2"]
    setup = STATES["stock exists"](settings)
    service = {"Authorization": f"Bearer {token_factory(roles=('service',))}"}

    with serve_app(create_app(settings)) as base_url, httpx.Client(base_url=base_url) as http:

        def levels() -> list[tuple[str, int, int, int]]:
            response = http.get("/api/inventory", params={"skus": ",".join(skus)})
            assert response.status_code == 200, response.text
            return [
                (i["sku"], i["on_hand"], i["reserved"], i["available"])
                for i in response.json()["items"]
            ]

        setup(parameters={"skus": ",".join(skus), "available": 5})
        assert levels() == [(sku, 5, 0, 5) for sku in skus]

        held = http.post(
            "/api/inventory/reservations",
            json={"order_id": f"pact-{tag}", "lines": [{"sku": skus[0], "quantity": 4}]},
            headers=service,
        )
        assert held.status_code == 201, held.text

        setup(parameters={"skus": ",".join(skus), "available": 3})
        setup(parameters={"skus": ",".join(skus), "available": 3})
        assert levels() == [(sku, 3, 0, 3) for sku in skus]

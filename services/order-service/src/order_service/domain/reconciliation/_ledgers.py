"""What the reconciliation reads of, and asks of, payment-service and inventory-service.

Both are called with order-service's own service token: payment-service's listing needs the
scope `payments:read`, inventory-service's reservations the role `service`. The token comes
from a provider of its own (not the one checkout creates payments with), so a deployment that
has not granted `payments:read` yet loses the reconciliation, never checkout. The Structs are
this service's tolerant readers: only the fields compared (the consumer pacts pin them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx
import msgspec
from shopkit.config import HttpSettings
from shopkit.http import ServiceClient, ServiceUnavailable
from shopkit.money import Money

PAYMENT, INVENTORY = "payment-service", "inventory-service"
PAGE = 100  # the most either service lists at once, and the most orders asked about at once
SUCCEEDED, ACTIVE = "succeeded", "active"


class PaymentFact(msgspec.Struct):
    id: str
    order_id: str
    status: str
    amount: Money


class PaymentPage(msgspec.Struct):
    items: list[PaymentFact]
    total: int


class ReservationFact(msgspec.Struct):
    reservation_id: str
    order_id: str
    status: str


class ReservationPage(msgspec.Struct):
    items: list[ReservationFact]
    total: int


class Ledgers:
    """One pooled client per service for the app's lifetime (`lifespan` closes them)."""

    def __init__(
        self,
        *,
        payment_url: str,
        inventory_url: str,
        settings: HttpSettings,
        service_token: Callable[[], Awaitable[str]],
    ) -> None:
        self.payment = ServiceClient(
            payment_url, settings=settings, name=PAYMENT, token_provider=service_token
        )
        self.inventory = ServiceClient(
            inventory_url, settings=settings, name=INVENTORY, token_provider=service_token
        )

    @asynccontextmanager
    async def lifespan(self, _app: Any = None) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await self.payment.aclose()
            await self.inventory.aclose()

    async def succeeded_payments(self, after: datetime, before: datetime) -> list[PaymentFact]:
        """Every payment that is `succeeded` (captured, not refunded in full) and last changed
        in (after, before]."""
        window = {"status": SUCCEEDED, "changed_after": _iso(after), "changed_before": _iso(before)}
        return await self._all(self.payment, "/api/payments", window, PaymentPage)

    async def payments_of(self, order_ids: Sequence[str]) -> list[PaymentFact]:
        found: list[PaymentFact] = []
        for batch in _batches(order_ids):
            params = {"order_id": batch}
            found += await self._all(self.payment, "/api/payments", params, PaymentPage)
        return found

    async def old_active_reservations(self, made_before: datetime) -> list[ReservationFact]:
        """Reservations still held that were made at or before `made_before`."""
        params = {"status": ACTIVE, "created_before": _iso(made_before)}
        path = "/api/inventory/reservations"
        return await self._all(self.inventory, path, params, ReservationPage)

    async def reservations_of(self, order_ids: Sequence[str]) -> list[ReservationFact]:
        found: list[ReservationFact] = []
        path = "/api/inventory/reservations"
        for batch in _batches(order_ids):
            params = {"order_id": batch}
            found += await self._all(self.inventory, path, params, ReservationPage)
        return found

    async def release(self, reservation_id: str) -> httpx.Response:
        return await self._act(f"/api/inventory/reservations/{reservation_id}/release")

    async def commit(self, reservation_id: str) -> httpx.Response:
        return await self._act(f"/api/inventory/reservations/{reservation_id}/commit")

    async def _act(self, path: str) -> httpx.Response:
        """The answer (a 409 says the reservation was closed otherwise meanwhile)."""
        response = await self.inventory.post(path)
        if response.status_code >= 500:
            raise ServiceUnavailable(INVENTORY, status=response.status_code)
        return response

    async def _all(
        self,
        client: ServiceClient,
        path: str,
        params: dict[str, Any],
        page_type: type[PaymentPage] | type[ReservationPage],
    ) -> list[Any]:
        """Every item of a listing, page after page (all read before anything is repaired)."""
        items: list[Any] = []
        while True:
            page = await client.get_json(
                path, page_type, params={**params, "limit": PAGE, "offset": len(items)}
            )
            items += page.items
            if not page.items or len(items) >= page.total:
                return items


def _iso(instant: datetime) -> str:
    return instant.isoformat()


def _batches(ids: Sequence[str]) -> list[list[str]]:
    unique = list(dict.fromkeys(ids))
    return [unique[start : start + PAGE] for start in range(0, len(unique), PAGE)]

"""Compares the payments still open here with what the payment provider says became of them,
and settles those the provider settled: what a lost webhook (or a process that died between
the provider's answer and our commit) leaves behind. Part of the reconciliation; order-service
compares orders with payments and reservations.

Once at a time: a check holds a PostgreSQL advisory lock (`shopkit.tasks.exclusive`), so the
replicas that all schedule it never ask the provider twice. A payment open for more than
`stale_seconds` (and changed within `lookback_seconds`) is asked about, oldest first, at most
`BATCH` per check. What the provider says is applied by `PaymentService.settle`, exactly as its
webhook would have been (an event id of its own, `<intent>:reconciled:<status>`, so it is
applied once), which publishes `payment.succeeded` / `payment.failed` for order-service. Each
settlement is kept in the provider event log; `GET /api/ops/payment-service/provider-check`
lists them for admins. The sandbox provider keeps no state of its own (it settles in the call),
so there it compares nothing."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from shopkit.errors import DomainError
from shopkit.http import ServiceUnavailable
from shopkit.tasks import exclusive, periodic
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from payment_service.domain.payments._repositories import PaymentRepository
from payment_service.domain.payments.providers import PaymentProvider, SandboxProvider
from payment_service.domain.payments.services import OPEN, PaymentService

_logger = structlog.get_logger("payment_service.provider_check")
LOCK = "payment-service.provider-check"
BATCH = 100


class ProviderCheck:
    def __init__(
        self,
        session_maker: async_sessionmaker[AsyncSession],
        provider: PaymentProvider,
        *,
        interval_seconds: float,
        stale_seconds: float,
        lookback_seconds: float,
    ) -> None:
        self._session_maker = session_maker
        self._provider = provider
        self._interval = interval_seconds
        self._stale = timedelta(seconds=stale_seconds)
        self._lookback = timedelta(seconds=lookback_seconds)

    def lifespan(self) -> Callable[[Any], AbstractAsyncContextManager[None]]:
        return periodic("payment-provider-check", self._interval, self.check)

    async def check(self) -> int | None:
        """Ask the provider about the stale open payments; how many it had settled (None when
        another replica is checking, or there is nothing to ask)."""
        if isinstance(self._provider, SandboxProvider):
            return None
        async with exclusive(self._session_maker, LOCK) as guard:
            if guard is None:
                return None
            now = datetime.now(UTC)
            stale = await PaymentRepository(session=guard).open_at_provider(
                self._provider.name, sorted(OPEN), now - self._lookback, now - self._stale, BATCH
            )
            settled = 0
            for payment in stale:
                assert payment.provider_reference is not None
                try:
                    event = await self._provider.retrieve(payment.provider_reference)
                except ServiceUnavailable:
                    _logger.warning("the provider did not answer; asked again next check")
                    break
                except DomainError as exc:  # it refused (an intent it does not know)
                    _logger.error(
                        "the provider refused to say what became of a payment",
                        payment_id=str(payment.id),
                        error=str(exc),
                    )
                    continue
                if event is None:
                    continue
                async with self._session_maker() as session, session.begin():
                    outcome = await PaymentService(session, self._provider).settle(event)
                settled += 1
                _logger.warning(
                    "a payment the provider had settled is settled here too",
                    payment_id=str(payment.id),
                    order_id=payment.order_id,
                    event_type=event.type,
                    outcome=outcome,
                )
            return settled

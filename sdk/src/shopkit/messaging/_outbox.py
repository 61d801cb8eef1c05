"""Transactional outbox: events are stored with the change they announce, then relayed.

`Outbox.add` puts the envelope in the caller's session, so it commits or rolls back with the
business change; nothing is published for a rolled-back transaction and nothing is lost when
the broker is down. `OutboxRelay` publishes committed rows in the background:

* rows are claimed with `SELECT ... FOR UPDATE SKIP LOCKED`, so any number of replicas can relay
  at once and each event goes out once (the consumer inbox absorbs the rare duplicate that a
  crash between publish and commit can cause: delivery is at-least-once);
* a row is marked published only after RabbitMQ confirmed it (publisher confirms);
* when the broker cannot be reached the row keeps `published_at` NULL and records `attempts`
  and `last_error`; the loop backs off and reconnects, and the rows go out once it is back;
* a commit that added outbox rows wakes the relays of the same process at once; other
  replicas pick rows up on their next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import weakref
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from faststream.rabbit import RabbitBroker, RabbitExchange
from sqlalchemy import Integer, bindparam, delete, event, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from shopkit.messaging._broker import publish_envelope
from shopkit.messaging._envelope import (
    Envelope,
    Event,
    decode_envelope,
    encode_envelope,
    envelope_for,
)
from shopkit.messaging._models import OutboxMessage
from shopkit.messaging._retry import describe_error

__all__ = ["Outbox", "OutboxRelay"]

_logger = structlog.get_logger("shopkit.messaging.outbox")
_PENDING_KEY = "shopkit_outbox_pending"
_relays: weakref.WeakSet[OutboxRelay] = weakref.WeakSet()


class Outbox:
    """Write events into the caller's transaction; `OutboxRelay` publishes them after commit."""

    @staticmethod
    def add(
        session: AsyncSession | Session,
        event_or_envelope: Event | Envelope,
        producer: str,
        *,
        correlation_id: str | None = None,
    ) -> Envelope:
        """Stage the event in `session` (no flush, no commit) and return its envelope.

        `producer` is the service slug; it is ignored when an `Envelope` is given as is.
        """
        envelope = (
            event_or_envelope
            if isinstance(event_or_envelope, Envelope)
            else envelope_for(event_or_envelope, producer, correlation_id)
        )
        session.add(
            OutboxMessage(
                id=UUID(envelope.id),
                event_type=envelope.type,
                payload=encode_envelope(envelope),
                created_at=envelope.occurred_at,
                attempts=0,
            )
        )
        session.info[_PENDING_KEY] = True
        return envelope


@event.listens_for(Session, "after_commit")
def _wake_relays(session: Session) -> None:
    if session.info.pop(_PENDING_KEY, False):
        for relay in list(_relays):
            relay.wake()


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


# Built once: a relay claims on every round, and building the statement and its cache key
# each time cost more CPU than PostgreSQL's work on a small batch.
_CLAIM = (
    update(OutboxMessage)
    .where(
        OutboxMessage.id.in_(
            select(OutboxMessage.id)
            .where(OutboxMessage.published_at.is_(None))
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(bindparam("batch_size", type_=Integer))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
    )
    .values(
        published_at=bindparam("now", type_=OutboxMessage.published_at.type),
        attempts=OutboxMessage.attempts + 1,
        last_error=None,
    )
    .returning(OutboxMessage.id, OutboxMessage.payload, OutboxMessage.created_at)
    .execution_options(synchronize_session=False)
)


class OutboxRelay:
    """Publishes committed outbox rows to the events exchange, in a background task."""

    def __init__(
        self,
        session_maker: async_sessionmaker[AsyncSession],
        broker: RabbitBroker,
        exchange: RabbitExchange,
        poll_interval: float = 0.5,
        *,
        idle_poll_interval: float | None = None,
        batch_size: int = 100,
        max_backoff: float = 2.0,
        retention: timedelta | None = timedelta(days=7),
        purge_every: float = 3600.0,
    ) -> None:
        self._session_maker = session_maker
        self._broker = broker
        self._exchange = exchange
        self._poll_interval = poll_interval
        self._idle_poll_interval = max(poll_interval, idle_poll_interval or poll_interval)
        self._batch_size = batch_size
        self._max_backoff = max_backoff
        self._retention = retention
        self._purge_every = purge_every
        self._task: asyncio.Task[None] | None = None
        self._wakeup: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Start relaying in the background; returns at once, even if the broker is down."""
        if self.running:
            return
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._stop_requested = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="shopkit-outbox-relay")
        _relays.add(self)

    async def stop(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - grace period
        """Stop after the round in progress (cancelled if it takes longer than `timeout`).

        Letting the round finish matters: a row published but not yet marked would go out a
        second time after the next start. Unpublished rows stay for the next start.
        """
        _relays.discard(self)
        task, self._task = self._task, None
        if task is None:
            return
        self._stop_requested.set()
        if self._wakeup is not None:
            self._wakeup.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def wake(self) -> None:
        """Relay now instead of at the next poll (safe to call from any thread)."""
        loop, wakeup = self._loop, self._wakeup
        if loop is None or wakeup is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            wakeup.set()
        else:
            loop.call_soon_threadsafe(wakeup.set)

    async def relay_once(self) -> int:
        """Publish one batch of unpublished rows; returns how many went out.

        One statement claims the batch and marks it published (`UPDATE ... WHERE id IN
        (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`), the rows stay locked while they are
        published, and the transaction commits once RabbitMQ confirmed them: a round costs
        three statements however many rows it carries. Stops at the first row that cannot be
        published (the broker is likely unreachable): that row records the error, it and the
        rows not tried yet are unmarked for the next round.
        """
        errors: dict[UUID, str] = {}
        untried: list[UUID] = []
        failure: str | None = None
        async with self._session_maker() as session, session.begin():
            rows = sorted(await self._claim(session), key=lambda row: (row[2], row[0]))
            if not rows:
                return 0
            for index, (row_id, payload, _created_at) in enumerate(rows):
                try:
                    envelope = decode_envelope(payload)
                except ValueError as exc:  # a corrupt row must not block the others
                    errors[row_id] = describe_error(exc)
                    _logger.error("outbox row cannot be decoded", event_id=str(row_id))
                    continue
                try:
                    await self._broker.connect()
                    await publish_envelope(self._broker, self._exchange, envelope)
                except Exception as exc:
                    errors[row_id] = failure = describe_error(exc)
                    untried = [row[0] for row in rows[index + 1 :]]
                    _logger.warning(
                        "outbox publish failed",
                        event_id=envelope.id,
                        event_type=envelope.type,
                        error=failure,
                    )
                    break
            await self._unmark(session, errors, untried)
        published = len(rows) - len(errors) - len(untried)
        if failure is not None and not published:
            raise _BrokerUnavailableError(failure)
        return published

    async def _claim(self, session: AsyncSession) -> list[Any]:
        """Lock up to a batch of unpublished rows, mark them published and tried once more,
        and return their (id, payload, created_at)."""
        result = await session.execute(
            _CLAIM, {"batch_size": self._batch_size, "now": datetime.now(UTC)}
        )
        return list(result.all())

    @staticmethod
    async def _unmark(session: AsyncSession, errors: dict[UUID, str], untried: list[UUID]) -> None:
        """Rows that failed keep their attempt and record why; rows not tried lose it."""
        for row_id, error in errors.items():
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .values(published_at=None, last_error=error)
                .execution_options(synchronize_session=False)
            )
        if untried:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(untried))
                .values(published_at=None, attempts=OutboxMessage.attempts - 1)
                .execution_options(synchronize_session=False)
            )

    async def purge_published(self, older_than: timedelta) -> int:
        """Delete rows published more than `older_than` ago; returns how many."""
        cutoff = datetime.now(UTC) - older_than
        async with self._session_maker() as session, session.begin():
            result: Any = await session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.published_at.is_not(None), OutboxMessage.published_at < cutoff
                )
            )
        return int(result.rowcount or 0)

    async def _run(self) -> None:
        """Relay round after round. A commit in this process wakes the relay at once; the
        polls only find rows no commit here announced (another process's, a retry's), so
        while rounds find nothing the wait between polls doubles, from `poll_interval` up to
        `idle_poll_interval`, and the first round that publishes sets it back."""
        assert self._wakeup is not None
        failures = 0
        loop = asyncio.get_running_loop()
        next_purge = loop.time()
        idle_delay = self._poll_interval
        while not self._stop_requested.is_set():
            delay = idle_delay
            try:
                published = await self.relay_once()
                failures = 0
                if published:
                    idle_delay = delay = self._poll_interval
                else:
                    idle_delay = min(self._idle_poll_interval, idle_delay * 2)
                if published >= self._batch_size:
                    delay = 0.0
                if self._retention is not None and loop.time() >= next_purge:
                    next_purge = loop.time() + self._purge_every
                    await self.purge_published(self._retention)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                delay = min(self._max_backoff, self._poll_interval * 2 ** min(failures, 16))
                delay *= 0.5 + random.random() / 2  # noqa: S311 - jitter, not security
                if not isinstance(exc, _BrokerUnavailableError):
                    _logger.exception("outbox relay round failed", retry_in=round(delay, 2))
            if not self._stop_requested.is_set():
                await self._sleep(delay, wakeable=failures == 0)

    async def _sleep(self, delay: float, *, wakeable: bool) -> None:
        """Wait for the next round; commits cut the wait short unless we are backing off."""
        assert self._wakeup is not None
        if delay <= 0:
            return
        signal = self._wakeup if wakeable else self._stop_requested
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(signal.wait(), timeout=delay)
        self._wakeup.clear()


class _BrokerUnavailableError(Exception):
    """Nothing could be published this round; the error is recorded on the row."""

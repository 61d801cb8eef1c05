"""Payment rules. Every outcome of a provider goes through `PaymentService.settle(event)`, which
logs the provider's event id first (a duplicate changes nothing), moves the payment along its
state machine and stages the matching event in the same transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final
from uuid import UUID

import msgspec
import structlog
from shopkit.auth import ROLE_ADMIN, Principal
from shopkit.errors import ConflictError, InvalidInputError, InvalidParam, NotFoundError
from shopkit.money import Money
from sqlalchemy.ext.asyncio import AsyncSession

from payment_service.config import SUPPORTED_CURRENCIES
from payment_service.db.models import Payment, ProviderEventLog, Refund
from payment_service.domain.payments import providers
from payment_service.domain.payments._cards import check_payment_method
from payment_service.domain.payments._repositories import (
    PaymentRepository,
    ProviderEventRepository,
    RefundRepository,
)
from payment_service.domain.payments.providers import PaymentProvider, ProviderEvent
from payment_service.domain.payments.schemas import PaymentCreate, RefundCreate
from payment_service.events.events import PaymentFailed, PaymentRefunded, PaymentSucceeded

_logger = structlog.get_logger("payment_service.payments")

REQUIRES_CONFIRMATION: Final = "requires_confirmation"
REQUIRES_ACTION: Final = "requires_action"
SUCCEEDED: Final = "succeeded"
FAILED: Final = "failed"
REFUNDED: Final = "refunded"
CANCELED: Final = "canceled"
"""Stripe's word: the order was cancelled before the payment was made; it can never be paid."""
OPEN: Final = frozenset({REQUIRES_CONFIRMATION, REQUIRES_ACTION})
"""States a provider outcome may still move; the others are settled."""
MAX_LISTED_ORDERS: Final = 100
STATUSES: Final = (REQUIRES_CONFIRMATION, REQUIRES_ACTION, SUCCEEDED, FAILED, REFUNDED, CANCELED)

IDEMPOTENCY_HEADER: Final = "Idempotency-Key"


class PaymentNotFoundError(NotFoundError):
    code = "payment-not-found"


class IdempotencyKeyReusedError(InvalidInputError):
    code = "idempotency-key-reused"

    def __init__(self) -> None:
        super().__init__(IDEMPOTENCY_HEADER, "already used with a different request body")


class NotRefundableError(ConflictError):
    code = "payment-not-refundable"


class PaymentCanceledError(ConflictError):
    code = "payment-canceled"

    def __init__(self) -> None:
        super().__init__(
            "This payment was canceled because its order was cancelled; it cannot be paid.",
            invalid_params=[InvalidParam(name="status", reason="the payment is canceled")],
        )


class OrderAlreadyHasPaymentError(ConflictError):
    code = "order-already-has-payment"

    def __init__(self) -> None:
        super().__init__(
            "This order already has a payment; an order is paid by exactly one.",
            invalid_params=[InvalidParam(name="order_id", reason="already has a payment")],
        )


class RefundTooLargeError(ConflictError):
    code = "refund-exceeds-captured"

    def __init__(self, requested: int, refundable: int) -> None:
        reason = f"at most {refundable} minor units are left to refund, {requested} asked"
        super().__init__(reason, invalid_params=[InvalidParam(name="amount", reason=reason)])


def next_status(current: str, event_type: str) -> str | None:
    """The state machine: the status an intent event moves a payment to, or None (no change).

    Settled payments stay settled: a late or repeated outcome never flips them.
    """
    if current not in OPEN:
        return None
    return {
        providers.SUCCEEDED: SUCCEEDED,
        providers.FAILED: FAILED,
        providers.REQUIRES_ACTION: REQUIRES_ACTION if current != REQUIRES_ACTION else None,
    }.get(event_type)


def refund_amount(requested: int | None, captured: int, refunded: int) -> int:
    """How much to refund: the rest by default; never more than captured minus refunds."""
    left = captured - refunded
    amount = left if requested is None else requested
    if amount <= 0 or amount > left:
        raise RefundTooLargeError(amount, left)
    return amount


def check_money(amount: Money) -> Money:
    if amount.currency not in SUPPORTED_CURRENCIES:
        raise InvalidInputError(
            "amount.currency", f"must be one of {', '.join(SUPPORTED_CURRENCIES)}"
        )
    if amount.amount <= 0:
        raise InvalidInputError("amount.amount", "must be more than 0 minor units")
    return amount


def fingerprint(data: PaymentCreate) -> str:
    return hashlib.sha256(msgspec.json.encode(data)).hexdigest()


class PaymentService:
    def __init__(self, session: AsyncSession, provider: PaymentProvider) -> None:
        self.payments = PaymentRepository(session=session)
        self.refunds = RefundRepository(session=session)
        self.events = ProviderEventRepository(session=session)
        self.provider = provider

    async def create_payment(
        self, data: PaymentCreate, idempotency_key: str | None
    ) -> tuple[Payment, bool]:
        """The payment for this key: created (True), or the one made earlier with it (False).

        Only order-service calls this (the route takes a service token), for its order's own
        total and customer; a second payment for one order is refused.
        """
        key = (idempotency_key or "").strip()
        if not key or len(key) > 255:
            raise InvalidInputError(IDEMPOTENCY_HEADER, "send a unique key (1-255 characters)")
        check_money(data.amount)
        print_ = fingerprint(data)
        existing = await self.payments.by_idempotency_key(data.customer_id, key)
        if existing is not None:
            if existing.request_fingerprint != print_:
                raise IdempotencyKeyReusedError
            return existing, False
        if await self.payments.exists(order_id=data.order_id):
            raise OrderAlreadyHasPaymentError
        payment = Payment(
            order_id=data.order_id,
            customer_id=data.customer_id,
            amount=data.amount.amount,
            currency=data.amount.currency,
            status=REQUIRES_CONFIRMATION,
            provider=self.provider.name,
            refunded_amount=0,
            confirm_attempts=0,
            idempotency_key=key,
            request_fingerprint=print_,
        )
        # Every column is set here or in Python by the model: no read-backs after writing.
        payment = await self.payments.add(payment, auto_refresh=False)
        # Keyed by the caller's key, so a retry after a crash gets the same provider intent.
        payment.provider_reference = await self.provider.create_intent(
            amount=payment.amount,
            currency=payment.currency,
            payment_id=str(payment.id),
            order_id=payment.order_id,
            idempotency_key=f"create:{data.customer_id}:{key}",
        )
        await self.payments.flush()  # the row is in this session: no read, no copy
        return payment, True

    async def refunds_of(self, payment: Payment) -> list[Refund]:
        return list(
            await self.refunds.get_many(
                payment_id=payment.id, order_by=[(Refund.created_at, False)]
            )
        )

    async def refunds_by_payment(self, payments: list[Payment]) -> dict[UUID, list[Refund]]:
        """The refunds of several payments at once (for a list), keyed by payment id."""
        grouped: dict[UUID, list[Refund]] = {payment.id: [] for payment in payments}
        for refund in await self.refunds.of_payments(list(grouped)):
            grouped[refund.payment_id].append(refund)
        return grouped

    async def list_payments(
        self,
        status: str | None,
        limit: int,
        offset: int,
        *,
        changed_after: datetime | None = None,
        changed_before: datetime | None = None,
        order_ids: Sequence[str] = (),
    ) -> tuple[list[Payment], int]:
        """Every customer's payments for an admin (or order-service's reconciliation), most
        recently changed first; optionally only those last changed within a window, or those
        of given orders."""
        if len(order_ids) > MAX_LISTED_ORDERS:
            raise InvalidInputError("order_id", f"at most {MAX_LISTED_ORDERS} at once")
        if status is not None and status not in STATUSES:
            raise InvalidInputError("status", f"one of {', '.join(STATUSES)}")
        if changed_after and changed_before and changed_before < changed_after:
            raise InvalidInputError("changed_before", "must not be before changed_after")
        return await self.payments.page(
            status,
            limit,
            offset,
            changed_after=changed_after,
            changed_before=changed_before,
            order_ids=order_ids,
        )

    async def provider_settlements(self, limit: int) -> list[ProviderEventLog]:
        """The latest payments settled from what the provider said (the provider check)."""
        return await self.events.latest_with(f":{providers.RECONCILED}:", limit)

    async def get_for(self, principal: Principal, payment_id: UUID) -> Payment:
        """Someone else's payment is reported missing, never shown (admins see all)."""
        payment = await self.payments.get_one_or_none(id=payment_id)
        if payment is None or not _may_see(principal, payment):
            raise PaymentNotFoundError("No such payment.")
        return payment

    async def confirm(self, principal: Principal, payment_id: UUID, payment_method: str) -> Payment:
        check_payment_method(payment_method)
        payment = await self.payments.lock(payment_id)
        if payment is None or payment.customer_id != principal.subject:
            raise PaymentNotFoundError("No such payment.")
        if payment.status == CANCELED:
            raise PaymentCanceledError
        if payment.status != REQUIRES_CONFIRMATION:
            return payment  # settled, or waiting for the customer's action: nothing to do
        assert payment.provider_reference is not None
        payment.confirm_attempts += 1
        payment.payment_method = payment_method
        event = await self.provider.confirm(
            payment.provider_reference,
            payment_method,
            attempt=payment.confirm_attempts,
            idempotency_key=f"confirm:{payment.id}:{payment.confirm_attempts}",
        )
        await self.settle(event, locked=payment)
        return payment  # the row `settle` changed

    async def refund(self, payment_id: UUID, data: RefundCreate) -> Refund:
        payment = await self.payments.lock(payment_id)
        if payment is None:
            raise PaymentNotFoundError("No such payment.")
        if payment.status != SUCCEEDED:
            raise NotRefundableError(
                f"Only succeeded payments can be refunded; this one is {payment.status}."
            )
        amount = refund_amount(data.amount, payment.amount, payment.refunded_amount)
        number = await self.refunds.count(payment_id=payment.id) + 1
        return await self._refund(payment, amount, f"refund:{payment.id}:{number}")

    async def order_cancelled(self, order_id: str, reason: str) -> None:
        """Money always goes back: every payment of a cancelled order is closed. An open one is
        canceled (at the provider too), so it can never be paid later; a captured one is
        refunded in full, once. Rows are locked, so a confirmation in flight goes first."""
        for payment in await self.payments.lock_of_order(order_id):
            if payment.status in OPEN:
                await self._cancel(payment, reason)
            elif payment.status == SUCCEEDED:
                _logger.info(
                    "refunding the payment of a cancelled order",
                    payment_id=str(payment.id),
                    order_id=order_id,
                    reason=reason,
                )
                await self.refund_in_full(payment)

    async def payment_rejected(self, payment_id: UUID, order_id: str, reason: str) -> None:
        """order-service refused this payment for its order (not the order's own, short, or
        the order was gone): whatever was captured goes back in full, once."""
        payment = await self.payments.lock(payment_id)
        if payment is None or payment.order_id != order_id:
            _logger.warning(
                "a rejected payment that is not this order's is ignored",
                payment_id=str(payment_id),
                order_id=order_id,
            )
            return
        _logger.warning(
            "order-service rejected a payment; refunding it",
            payment_id=str(payment.id),
            order_id=order_id,
            reason=reason,
        )
        if payment.status == SUCCEEDED:
            await self.refund_in_full(payment)
        elif payment.status in OPEN:
            await self._cancel(payment, reason)

    async def refund_in_full(self, payment: Payment) -> None:
        """Refund what is left of a locked, succeeded payment. The provider's idempotency key
        is derived from the payment alone, so a redelivered event, or a retry after a crash
        between the provider's answer and our commit, gets the same refund, never a second."""
        left = payment.amount - payment.refunded_amount
        if payment.status != SUCCEEDED or left <= 0:
            return
        await self._refund(payment, left, f"refund-in-full:{payment.id}")

    async def _cancel(self, payment: Payment, reason: str) -> None:
        assert payment.provider_reference is not None
        try:
            await self.provider.cancel(
                payment.provider_reference, idempotency_key=f"cancel:{payment.id}"
            )
        except providers.ProviderRefusedError:
            # The provider says the intent cannot be canceled (it was paid a moment ago): its
            # success will arrive as an event, and order-service rejects it, which refunds it.
            _logger.warning("the provider refused to cancel a payment", payment_id=str(payment.id))
            return
        payment.status = CANCELED
        payment.settled_at = datetime.now(UTC)
        payment.failure_reason = f"The order was cancelled ({reason})."
        await self.payments.update(payment)

    async def _refund(self, payment: Payment, amount: int, idempotency_key: str) -> Refund:
        assert payment.provider_reference is not None
        result = await self.provider.refund(
            payment.provider_reference, amount, idempotency_key=idempotency_key
        )
        event = ProviderEvent(
            id=f"{result.reference}:refunded",
            type=providers.REFUNDED,
            provider=self.provider.name,
            reference=payment.provider_reference,
            amount_refunded=payment.refunded_amount + result.amount,
            refund_reference=result.reference,
        )
        await self.settle(event, locked=payment)  # every caller holds the payment locked
        refund = await self.refunds.get_one_or_none(provider_reference=result.reference)
        assert refund is not None
        return refund

    async def settle(self, event: ProviderEvent, *, locked: Payment | None = None) -> str:
        """Apply one provider event, once. Returns what happened (also kept in the log).

        `locked` is the event's payment when the caller already holds its row locked in this
        transaction (a confirmation, a refund): it is not locked and read a second time.
        """
        log_id = await self.events.record_once(event.provider, event.id, event.type)
        if log_id is None:
            _logger.info("provider event already handled", event_id=event.id, type=event.type)
            return "duplicate"
        payment = (
            locked
            if locked is not None and locked.provider_reference == event.reference
            else await self.payments.lock_by_reference(event.reference)
        )
        if payment is None:
            _logger.warning("provider event for an unknown payment", event_id=event.id)
            await self.events.set_outcome(log_id, None, "unknown-payment")
            return "unknown-payment"
        if event.type == providers.REFUNDED:
            outcome = await self._apply_refund(payment, event)
        else:
            outcome = self._apply_intent(payment, event)
        await self.payments.flush()  # locked above: written as it is, not read again
        await self.events.set_outcome(log_id, payment.id, outcome)
        return outcome

    def _apply_intent(self, payment: Payment, event: ProviderEvent) -> str:
        status = next_status(payment.status, event.type)
        if status is None:
            if payment.status == FAILED and event.type == providers.SUCCEEDED:
                _logger.error(
                    "a failed payment succeeded at the provider", payment_id=str(payment.id)
                )
            return f"unchanged:{payment.status}"
        payment.status = status
        money = Money(payment.amount, payment.currency)
        if status == SUCCEEDED:
            payment.settled_at = datetime.now(UTC)
            self.payments.publish(
                PaymentSucceeded(
                    payment_id=str(payment.id),
                    order_id=payment.order_id,
                    amount=money,
                    provider=payment.provider,
                    provider_reference=event.reference,
                ),
            )
        elif status == FAILED:
            payment.settled_at = datetime.now(UTC)
            payment.failure_reason = event.failure_reason or "The payment failed."
            payment.decline_code = event.decline_code
            self.payments.publish(
                PaymentFailed(
                    payment_id=str(payment.id),
                    order_id=payment.order_id,
                    amount=money,
                    reason=payment.failure_reason,
                    decline_code=payment.decline_code,
                ),
            )
        return status

    async def _apply_refund(self, payment: Payment, event: ProviderEvent) -> str:
        """`charge.refunded` carries the charge's refunded total: what exceeds ours is new
        (a refund made here, or one made in the provider's dashboard)."""
        total = min(event.amount_refunded or 0, payment.amount)
        delta = total - payment.refunded_amount
        if delta <= 0 or payment.status not in (SUCCEEDED, REFUNDED):
            return "unchanged"
        reference = event.refund_reference
        if reference and await self.refunds.exists(provider_reference=reference):
            reference = None
        refund = await self.refunds.add(
            Refund(
                payment_id=payment.id,
                amount=delta,
                currency=payment.currency,
                status="succeeded",
                provider_reference=reference,
            )
        )
        payment.refunded_amount = total
        if total == payment.amount:
            payment.status = REFUNDED
        self.payments.publish(
            PaymentRefunded(
                payment_id=str(payment.id),
                order_id=payment.order_id,
                refund_id=str(refund.id),
                amount=Money(delta, payment.currency),
                refunded_total=Money(total, payment.currency),
                customer_id=payment.customer_id,
            ),
        )
        return "refunded"


def _may_see(principal: Principal, payment: Payment) -> bool:
    return payment.customer_id == principal.subject or principal.has_role(ROLE_ADMIN)

"""HTTP for payments: order-service creates them (a service token), customers confirm their
own, admins refund, Stripe calls the webhook. Request bodies are never logged (they are payment
data)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from shopkit.auth import (
    ROLE_ADMIN,
    CurrentPrincipal,
    current_principal,
    requires_admin,
    requires_authenticated,
    requires_scope,
)
from shopkit.db import LimitOffset, Page
from shopkit.errors import ForbiddenError, InvalidInputError
from shopkit.money import Money
from shopkit.openapi_problems import problem_responses

from payment_service.config import SLUG
from payment_service.db import models
from payment_service.domain.payments.schemas import (
    Payment,
    PaymentConfirm,
    PaymentCreate,
    ProviderCheckReport,
    ProviderSettlement,
    Refund,
    RefundCreate,
    WebhookReceipt,
)
from payment_service.domain.payments.services import IDEMPOTENCY_HEADER, PaymentService

CREATE_SCOPE = "payments:create"
READ_SCOPE = "payments:read"


async def requires_admin_or_reader(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: an admin, or a service holding `payments:read` (order-service's reconciliation)."""
    principal = current_principal(connection)
    if principal.is_service and not principal.has_scope(READ_SCOPE):
        raise ForbiddenError(f"Only a service holding the scope {READ_SCOPE} may list payments.")
    if not principal.is_service and not principal.has_role(ROLE_ADMIN):
        raise ForbiddenError("This endpoint requires the role: admin.")


def refund_schema(refund: models.Refund) -> Refund:
    return Refund(
        id=refund.id,
        payment_id=refund.payment_id,
        amount=Money(refund.amount, refund.currency),
        status=refund.status,
        provider_reference=refund.provider_reference,
        created_at=refund.created_at,
    )


async def payment_schema(payments: PaymentService, payment: models.Payment) -> Payment:
    return payment_out(payment, await payments.refunds_of(payment))


def payment_out(payment: models.Payment, refunds: list[models.Refund]) -> Payment:
    return Payment(
        id=payment.id,
        order_id=payment.order_id,
        customer_id=payment.customer_id,
        status=payment.status,
        amount=Money(payment.amount, payment.currency),
        refunded=Money(payment.refunded_amount, payment.currency),
        provider=payment.provider,
        failure_reason=payment.failure_reason,
        decline_code=payment.decline_code,
        refunds=[refund_schema(refund) for refund in refunds],
        created_at=payment.created_at,
        updated_at=payment.updated_at,
    )


def _aware(instant: datetime | None, name: str) -> datetime | None:
    if instant is not None and instant.tzinfo is None:
        raise InvalidInputError(name, "needs a time zone (for example 2026-12-07T10:00:00Z)")
    return instant


class PaymentController(Controller):
    path = "/api/payments"
    tags = ["payments"]

    @post(
        "/",
        operation_id="createPayment",
        guards=[requires_scope(CREATE_SCOPE)],
        responses=problem_responses(409),
    )
    async def create_payment(
        self,
        payments: NamedDependency[PaymentService],
        data: JSONBody[PaymentCreate],
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(
                name=IDEMPOTENCY_HEADER,
                description="Required: the same key with the same body returns the same payment.",
            ),
        ] = None,
    ) -> Response[Payment]:
        """The payment of an order, for its total, currency and customer (201; 200 for a
        replay). Only order-service calls it, with a service token holding `payments:create`;
        anyone else gets 403. A second payment for the same order is 409."""
        payment, created = await payments.create_payment(data, idempotency_key)
        return Response(
            await payment_schema(payments, payment), status_code=201 if created else 200
        )

    @get(
        "/",
        operation_id="listPayments",
        guards=[requires_admin_or_reader],
        responses=problem_responses(400, 422),
    )
    async def list_payments(
        self,
        payments: NamedDependency[PaymentService],
        page: NamedDependency[LimitOffset],
        status: Annotated[
            str | None,
            QueryParameter(
                description="only payments in this status (`failed` for the declined ones)"
            ),
        ] = None,
        changed_after: Annotated[
            datetime | None,
            QueryParameter(description="only payments last changed after this instant"),
        ] = None,
        changed_before: Annotated[
            datetime | None,
            QueryParameter(description="only payments last changed at or before this instant"),
        ] = None,
        order_id: Annotated[
            list[str] | None,
            QueryParameter(description="only the payments of these orders (at most 100)"),
        ] = None,
    ) -> Page[Payment]:
        """Every customer's payments, most recently changed first: for admins, and for a
        service holding `payments:read` (order-service's reconciliation reads the payments that
        succeeded within a window, and those of the orders it cancelled)."""
        rows, total = await payments.list_payments(
            status,
            page.limit,
            page.offset,
            changed_after=_aware(changed_after, "changed_after"),
            changed_before=_aware(changed_before, "changed_before"),
            order_ids=order_id or [],
        )
        refunds = await payments.refunds_by_payment(rows)
        items = [payment_out(row, refunds[row.id]) for row in rows]
        return Page(items=items, total=total, limit=page.limit, offset=page.offset)

    @get("/{payment_id:uuid}", operation_id="getPayment", guards=[requires_authenticated])
    async def get_payment(
        self,
        payments: NamedDependency[PaymentService],
        principal: CurrentPrincipal,
        payment_id: FromPath[UUID],
    ) -> Payment:
        """The caller's own payment (admins: any)."""
        return await payment_schema(payments, await payments.get_for(principal, payment_id))

    @post(
        "/{payment_id:uuid}/confirm",
        operation_id="confirmPayment",
        guards=[requires_authenticated],
        status_code=200,
        responses=problem_responses(409),
    )
    async def confirm_payment(
        self,
        payments: NamedDependency[PaymentService],
        principal: CurrentPrincipal,
        payment_id: FromPath[UUID],
        data: JSONBody[PaymentConfirm],
    ) -> Payment:
        """Pay with a payment-method token; a settled payment is returned unchanged, a canceled
        one (its order was cancelled) is 409."""
        payment = await payments.confirm(principal, payment_id, data.payment_method)
        return await payment_schema(payments, payment)

    @post(
        "/{payment_id:uuid}/refunds",
        operation_id="refundPayment",
        guards=[requires_admin],
        responses=problem_responses(409),
    )
    async def refund_payment(
        self,
        payments: NamedDependency[PaymentService],
        payment_id: FromPath[UUID],
        data: JSONBody[RefundCreate],
    ) -> Refund:
        """Full by default, partial with `amount`; never more than captured minus refunds."""
        return refund_schema(await payments.refund(payment_id, data))

    @post(
        "/webhooks/stripe",
        operation_id="receiveStripeWebhook",
        security=[{}],
        exclude_from_auth=True,
        status_code=200,
        responses={
            **problem_responses(400, description="The webhook signature does not verify"),
            **problem_responses(404, description="Stripe is not configured here"),
        },
    )
    async def stripe_webhook(
        self, payments: NamedDependency[PaymentService], request: Request[Any, Any, Any]
    ) -> WebhookReceipt:
        """Stripe's signed events; a bad signature is 400 and changes nothing."""
        event = payments.provider.parse_webhook(
            await request.body(), request.headers.get("Stripe-Signature")
        )
        if event is None:
            return WebhookReceipt(received=True, duplicate=False)
        outcome = await payments.settle(event)
        return WebhookReceipt(received=True, duplicate=outcome == "duplicate")


class ProviderCheckController(Controller):
    """`GET /api/ops/payment-service/provider-check` (admins): the payments the reconciliation
    settled from what the provider said (domain/payments/_provider_check.py), newest first."""

    path = f"/api/ops/{SLUG}/provider-check"
    tags = ["operations"]
    guards = [requires_admin]

    @get("/", operation_id="getProviderCheck")
    async def report(
        self,
        payments: NamedDependency[PaymentService],
        limit: Annotated[int, QueryParameter(ge=1, le=500, description="the latest so many")] = 50,
    ) -> ProviderCheckReport:
        rows = await payments.provider_settlements(limit)
        return ProviderCheckReport(
            provider=payments.provider.name,
            settlements=[
                ProviderSettlement(
                    event_id=row.event_id,
                    event_type=row.event_type,
                    payment_id=row.payment_id,
                    outcome=row.outcome,
                    at=row.created_at,
                )
                for row in rows
            ],
        )

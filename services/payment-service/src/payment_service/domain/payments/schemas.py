"""What callers send and get back. Money is integer minor units with its currency."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from shopkit.money import Money

OrderId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
CustomerId = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=128, description="The customer the payment belongs to."),
]
PaymentMethodToken = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=255,
        description="A payment-method token (`pm_...`); never a card number.",
    ),
]


class PaymentCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Sent by order-service (a service token with `payments:create`): the order's own total,
    currency and customer, never amounts a customer chose."""

    order_id: OrderId
    customer_id: CustomerId
    amount: Money


class PaymentConfirm(msgspec.Struct, forbid_unknown_fields=True):
    payment_method: PaymentMethodToken


class RefundCreate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    amount: (
        Annotated[int, msgspec.Meta(gt=0, description="Minor units; the rest by default.")] | None
    ) = None


class Refund(msgspec.Struct):
    id: UUID
    payment_id: UUID
    amount: Money
    status: str
    provider_reference: str | None
    created_at: datetime


class Payment(msgspec.Struct):
    id: UUID
    order_id: str
    customer_id: str
    status: str
    amount: Money
    refunded: Money
    provider: str
    failure_reason: str | None
    decline_code: str | None
    refunds: list[Refund]
    created_at: datetime
    updated_at: datetime


class WebhookReceipt(msgspec.Struct):
    received: bool
    duplicate: bool


class ProviderSettlement(msgspec.Struct, kw_only=True):
    """A payment left open here that the provider had settled (its webhook never came), and
    what applying it did (`outcome`: the payment's new status, or `unchanged:<status>`)."""

    event_id: str
    event_type: str
    payment_id: UUID | None
    outcome: str
    at: datetime


class ProviderCheckReport(msgspec.Struct, kw_only=True):
    provider: str
    settlements: list[ProviderSettlement]

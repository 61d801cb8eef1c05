"""Payments: intents, confirmations, refunds and provider webhooks; never card data."""

from payment_service.domain.payments.controllers import PaymentController, ProviderCheckController
from payment_service.domain.payments.services import PaymentService

__all__ = ["PaymentController", "PaymentService", "ProviderCheckController"]

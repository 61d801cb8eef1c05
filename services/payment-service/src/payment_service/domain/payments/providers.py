"""Payment providers: one interface, two implementations.

Whatever a provider does, its outcome reaches our data as a `ProviderEvent` (the shape of a
Stripe webhook event), and `PaymentService.settle(event)` is the one function that applies it:
Stripe's webhooks, Stripe's confirm responses and the sandbox all settle through it.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final, Protocol

import msgspec
import stripe
import structlog
from shopkit.errors import ConflictError, DomainError, InvalidInputError
from shopkit.http import ServiceUnavailable

from payment_service.config import StripeSettings

_logger = structlog.get_logger("payment_service.providers")

SUCCEEDED: Final = "payment_intent.succeeded"
FAILED: Final = "payment_intent.payment_failed"
REQUIRES_ACTION: Final = "payment_intent.requires_action"
REFUNDED: Final = "charge.refunded"
HANDLED_EVENTS: Final = frozenset({SUCCEEDED, FAILED, REQUIRES_ACTION, REFUNDED})
# In the id of an event read from the provider by the reconciliation (not a webhook's).
RECONCILED: Final = "reconciled"


class ProviderEvent(msgspec.Struct, frozen=True, kw_only=True):
    """What a provider tells us about one payment intent, keyed by the provider's event id."""

    id: str
    type: str
    provider: str
    reference: str
    """The provider's payment intent id (`pi_...`)."""
    failure_reason: str | None = None
    decline_code: str | None = None
    amount_refunded: int | None = None
    """`charge.refunded`: the total refunded on the charge so far, in minor units."""
    refund_reference: str | None = None


class RefundResult(msgspec.Struct, frozen=True, kw_only=True):
    reference: str
    amount: int
    status: str


class InvalidSignatureError(DomainError):
    """A webhook whose signature does not verify: refused, nothing changed."""

    status_code = 400
    title = "Invalid webhook signature"
    code = "invalid-webhook-signature"


class WebhooksNotConfiguredError(DomainError):
    status_code = 404
    title = "Not found"
    code = "stripe-webhooks-not-configured"


class UnknownPaymentMethodError(InvalidInputError):
    code = "unknown-payment-method"

    def __init__(self) -> None:
        super().__init__("payment_method", "no such payment method")


class ProviderRefusedError(ConflictError):
    code = "provider-refused"


class PaymentProvider(Protocol):
    """What a payment provider does for us. Amounts are minor units, currencies ISO 4217."""

    name: str

    async def create_intent(
        self, *, amount: int, currency: str, payment_id: str, order_id: str, idempotency_key: str
    ) -> str:
        """Create a payment intent; returns its reference (`pi_...`)."""
        ...

    async def confirm(
        self, reference: str, payment_method: str, *, attempt: int, idempotency_key: str
    ) -> ProviderEvent:
        """Confirm with a payment-method token; the outcome as an event for `settle`."""
        ...

    async def refund(self, reference: str, amount: int, *, idempotency_key: str) -> RefundResult:
        """Give back `amount` of a succeeded intent."""
        ...

    async def cancel(self, reference: str, *, idempotency_key: str) -> None:
        """Cancel an intent that was not paid, so it never can be; `ProviderRefusedError` when
        the provider finds it paid (or otherwise past canceling)."""
        ...

    async def retrieve(self, reference: str) -> ProviderEvent | None:
        """What the provider says became of the intent now, as an event, when it is settled
        (succeeded, or failed); None while it is still open, or when the provider keeps no
        state of its own. The reconciliation's read: a lost webhook leaves a payment open here
        that the provider settled."""
        ...

    def parse_webhook(self, payload: bytes, signature: str | None) -> ProviderEvent | None:
        """Verify and read a webhook; None for event types we do not act on."""
        ...

    async def aclose(self) -> None: ...


def outcome_event_id(reference: str, outcome: str, attempt: int) -> str:
    """A deterministic id for an outcome we learn from a response rather than a webhook, so
    replaying the same response is recognised as the same event."""
    return f"{reference}:{outcome}:{attempt}"


# The sandbox follows Stripe's test payment methods (https://docs.stripe.com/testing).
_DECLINED: Final[dict[str, tuple[str, str]]] = {
    "pm_card_chargeDeclined": ("generic_decline", "Your card was declined."),
    "pm_card_visa_chargeDeclined": ("generic_decline", "Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": (
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "pm_card_chargeDeclinedLostCard": ("lost_card", "Your card was declined."),
    "pm_card_chargeDeclinedStolenCard": ("stolen_card", "Your card was declined."),
    "pm_card_chargeDeclinedExpiredCard": ("expired_card", "Your card has expired."),
    "pm_card_chargeDeclinedIncorrectCvc": (
        "incorrect_cvc",
        "Your card's security code is incorrect.",
    ),
    "pm_card_chargeDeclinedProcessingError": (
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
    ),
}
_REQUIRES_ACTION: Final = frozenset(
    {"pm_card_authenticationRequired", "pm_card_threeDSecure2Required"}
)
_SUCCEEDS: Final = frozenset(
    {
        "pm_card_visa",
        "pm_card_visa_debit",
        "pm_card_mastercard",
        "pm_card_mastercard_debit",
        "pm_card_amex",
        "pm_card_discover",
        "pm_card_diners",
        "pm_card_jcb",
        "pm_card_unionpay",
    }
)


class SandboxProvider:
    """The built-in provider (no Stripe key): Stripe's states and test payment methods, no
    network. Its outcomes are events settled by the same code as Stripe's webhooks."""

    name = "sandbox"

    async def create_intent(
        self, *, amount: int, currency: str, payment_id: str, order_id: str, idempotency_key: str
    ) -> str:
        # Deterministic per idempotency key, as Stripe answers a replayed create.
        return "pi_sbx_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]

    async def confirm(
        self, reference: str, payment_method: str, *, attempt: int, idempotency_key: str
    ) -> ProviderEvent:
        event_id = "evt_sbx_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        if payment_method in _SUCCEEDS:
            return ProviderEvent(
                id=event_id, type=SUCCEEDED, provider=self.name, reference=reference
            )
        if payment_method in _REQUIRES_ACTION:
            return ProviderEvent(
                id=event_id, type=REQUIRES_ACTION, provider=self.name, reference=reference
            )
        if payment_method in _DECLINED:
            decline_code, message = _DECLINED[payment_method]
            return ProviderEvent(
                id=event_id,
                type=FAILED,
                provider=self.name,
                reference=reference,
                failure_reason=message,
                decline_code=decline_code,
            )
        raise UnknownPaymentMethodError

    async def refund(self, reference: str, amount: int, *, idempotency_key: str) -> RefundResult:
        ref = "re_sbx_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        return RefundResult(reference=ref, amount=amount, status="succeeded")

    async def cancel(self, reference: str, *, idempotency_key: str) -> None:
        """Nothing to tell: the sandbox keeps no state of its own; the payment row is it."""
        return None

    async def retrieve(self, reference: str) -> ProviderEvent | None:
        """Nothing to compare: the sandbox settles every confirmation in the call itself."""
        return None

    def parse_webhook(self, payload: bytes, signature: str | None) -> ProviderEvent | None:
        raise WebhooksNotConfiguredError("Stripe is not configured on this deployment.")

    async def aclose(self) -> None:
        return None


def _stripe_key(key: str) -> str:
    """Stripe idempotency keys are at most 255 characters; ours are hashed to a fixed length."""
    return "shopkit-" + hashlib.sha256(key.encode()).hexdigest()


class StripeProvider:
    """Stripe PaymentIntents through the official client (async over httpx)."""

    name = "stripe"

    def __init__(self, settings: StripeSettings) -> None:
        self._settings = settings
        self._http = stripe.HTTPXClient(timeout=settings.timeout_seconds)
        self._client = stripe.StripeClient(
            settings.api_key,
            base_addresses={"api": settings.api_base},
            http_client=self._http,
            max_network_retries=settings.max_network_retries,
        )

    async def create_intent(
        self, *, amount: int, currency: str, payment_id: str, order_id: str, idempotency_key: str
    ) -> str:
        try:
            intent = await self._client.v1.payment_intents.create_async(
                params={
                    "amount": amount,  # minor units; JPY is zero-decimal in Stripe too
                    "currency": currency.lower(),
                    "payment_method_types": ["card"],
                    "metadata": {"payment_id": payment_id, "order_id": order_id},
                },
                options={"idempotency_key": _stripe_key(idempotency_key)},
            )
        except stripe.StripeError as exc:
            raise _translate(exc) from None
        return str(intent.id)

    async def confirm(
        self, reference: str, payment_method: str, *, attempt: int, idempotency_key: str
    ) -> ProviderEvent:
        try:
            intent = await self._client.v1.payment_intents.confirm_async(
                reference,
                params={"payment_method": payment_method},
                options={"idempotency_key": _stripe_key(idempotency_key)},
            )
        except stripe.CardError as exc:
            error = exc.error
            return ProviderEvent(
                id=outcome_event_id(reference, "failed", attempt),
                type=FAILED,
                provider=self.name,
                reference=reference,
                failure_reason=(error.message if error else None) or "The payment was declined.",
                decline_code=(error.decline_code if error else None) or exc.code,
            )
        except stripe.InvalidRequestError as exc:
            if exc.param == "payment_method" or exc.code == "resource_missing":
                raise UnknownPaymentMethodError from None
            raise _translate(exc) from None
        except stripe.StripeError as exc:
            raise _translate(exc) from None
        return _intent_event(
            intent.to_dict(), outcome_event_id(reference, str(intent.status), attempt), self.name
        )

    async def refund(self, reference: str, amount: int, *, idempotency_key: str) -> RefundResult:
        try:
            refund = await self._client.v1.refunds.create_async(
                params={"payment_intent": reference, "amount": amount},
                options={"idempotency_key": _stripe_key(idempotency_key)},
            )
        except stripe.StripeError as exc:
            raise _translate(exc) from None
        return RefundResult(
            reference=str(refund.id), amount=int(refund.amount), status=str(refund.status)
        )

    async def cancel(self, reference: str, *, idempotency_key: str) -> None:
        try:
            await self._client.v1.payment_intents.cancel_async(
                reference,
                params={"cancellation_reason": "abandoned"},
                options={"idempotency_key": _stripe_key(idempotency_key)},
            )
        except stripe.StripeError as exc:
            raise _translate(exc) from None

    async def retrieve(self, reference: str) -> ProviderEvent | None:
        try:
            intent = await self._client.v1.payment_intents.retrieve_async(reference)
        except stripe.StripeError as exc:
            raise _translate(exc) from None
        status = str(intent.status)
        settled = status in ("succeeded", "canceled") or (
            status == "requires_payment_method" and intent.last_payment_error is not None
        )
        if not settled:
            return None
        return _intent_event(intent.to_dict(), f"{reference}:{RECONCILED}:{status}", self.name)

    def parse_webhook(self, payload: bytes, signature: str | None) -> ProviderEvent | None:
        if not self._settings.webhook_secret:
            raise WebhooksNotConfiguredError("No Stripe webhook signing secret is configured.")
        try:
            event = stripe.Webhook.construct_event(
                payload,
                signature or "",
                self._settings.webhook_secret,
                tolerance=self._settings.webhook_tolerance_seconds,
            )
        except (stripe.SignatureVerificationError, ValueError):
            _logger.warning("stripe webhook refused: bad signature")
            raise InvalidSignatureError("The webhook signature does not verify.") from None
        if event.type not in HANDLED_EVENTS:
            return None
        obj: dict[str, Any] = event.to_dict()["data"]["object"]
        if event.type == REFUNDED:
            refunds = (obj.get("refunds") or {}).get("data") or []
            return ProviderEvent(
                id=event.id,
                type=REFUNDED,
                provider=self.name,
                reference=str(obj.get("payment_intent") or ""),
                amount_refunded=int(obj.get("amount_refunded") or 0),
                refund_reference=refunds[0].get("id") if refunds else None,
            )
        return _intent_event(obj, event.id, self.name, event_type=event.type)

    async def aclose(self) -> None:
        await self._http.close_async()


def _intent_event(
    intent: dict[str, Any], event_id: str, provider: str, event_type: str | None = None
) -> ProviderEvent:
    status = intent.get("status")
    error = intent.get("last_payment_error") or {}
    if event_type is None:
        event_type = {
            "succeeded": SUCCEEDED,
            "requires_action": REQUIRES_ACTION,
            "requires_payment_method": FAILED,
            "canceled": FAILED,
        }.get(str(status), REQUIRES_ACTION if status == "processing" else FAILED)
    return ProviderEvent(
        id=event_id,
        type=event_type,
        provider=provider,
        reference=str(intent.get("id")),
        failure_reason=(error.get("message") or "The payment failed.")
        if event_type == FAILED
        else None,
        decline_code=(error.get("decline_code") or error.get("code"))
        if event_type == FAILED
        else None,
    )


def _translate(exc: stripe.StripeError) -> DomainError:
    """Stripe's errors as ours; the message of a refusal is safe to show (it names no secret)."""
    if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError):
        _logger.warning("stripe unavailable", error_type=type(exc).__name__)
        return ServiceUnavailable("stripe")
    if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
        _logger.error("stripe refused our credentials", error_type=type(exc).__name__)
        return ServiceUnavailable("stripe")
    _logger.warning("stripe refused a request", code=exc.code, status=exc.http_status)
    return ProviderRefusedError(exc.user_message or "The payment provider refused the request.")


def provider_from_settings(settings: StripeSettings) -> PaymentProvider:
    """Stripe when `STRIPE_API_KEY` is set, else the sandbox."""
    return StripeProvider(settings) if settings.enabled else SandboxProvider()

"""Payment rules decided without I/O: the state machine, refund arithmetic, card-data refusal,
accepted money and the sandbox's test payment methods."""

from __future__ import annotations

import pytest
from shopkit.errors import InvalidInputError
from shopkit.money import Money

from payment_service.domain.payments import providers
from payment_service.domain.payments._cards import CardDataRefusedError, check_payment_method
from payment_service.domain.payments.services import (
    CANCELED,
    RefundTooLargeError,
    check_money,
    next_status,
    refund_amount,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("current", "event", "expected"),
    [
        ("requires_confirmation", providers.SUCCEEDED, "succeeded"),
        ("requires_confirmation", providers.FAILED, "failed"),
        ("requires_confirmation", providers.REQUIRES_ACTION, "requires_action"),
        ("requires_action", providers.SUCCEEDED, "succeeded"),
        ("requires_action", providers.FAILED, "failed"),
        ("requires_action", providers.REQUIRES_ACTION, None),
        ("succeeded", providers.FAILED, None),
        ("succeeded", providers.SUCCEEDED, None),
        ("failed", providers.SUCCEEDED, None),
        ("refunded", providers.SUCCEEDED, None),
    ],
)
def test_settled_payments_stay_settled(current: str, event: str, expected: str | None) -> None:
    assert next_status(current, event) == expected


def test_a_refund_is_the_rest_by_default_and_never_more_than_is_left() -> None:
    assert refund_amount(None, 5000, 0) == 5000
    assert refund_amount(None, 5000, 1500) == 3500
    assert refund_amount(3500, 5000, 1500) == 3500
    with pytest.raises(RefundTooLargeError) as too_much:
        refund_amount(3501, 5000, 1500)
    assert too_much.value.invalid_params[0].name == "amount"
    with pytest.raises(RefundTooLargeError):
        refund_amount(None, 5000, 5000)


@pytest.mark.parametrize(
    "value",
    [
        "4242424242424242",
        "4242 4242 4242 4242",
        "4000-0566-5566-5556",
        "pm_4242424242424242",
        "378282246310005",
    ],
)
def test_anything_like_a_card_number_is_refused_without_echoing_it(value: str) -> None:
    with pytest.raises(CardDataRefusedError) as refused:
        check_payment_method(value)
    assert refused.value.invalid_params[0].name == "payment_method"
    assert value not in str(refused.value)
    assert "4242" not in str(refused.value)


@pytest.mark.parametrize("value", ["tok_visa", "card_123", "pm_", "pm_a b", ""])
def test_only_payment_method_tokens_are_accepted(value: str) -> None:
    with pytest.raises(InvalidInputError):
        check_payment_method(value)
    assert check_payment_method("pm_card_visa") == "pm_card_visa"


def test_only_the_four_currencies_and_positive_amounts_are_taken() -> None:
    for currency in ("EUR", "USD", "GBP", "JPY"):
        assert check_money(Money(1, currency)).currency == currency
    with pytest.raises(InvalidInputError, match="currency"):
        check_money(Money(100, "CHF"))
    with pytest.raises(InvalidInputError, match="amount"):
        check_money(Money(0, "EUR"))


@pytest.mark.parametrize(
    ("method", "event_type", "decline_code"),
    [
        ("pm_card_visa", providers.SUCCEEDED, None),
        ("pm_card_chargeDeclined", providers.FAILED, "generic_decline"),
        ("pm_card_authenticationRequired", providers.REQUIRES_ACTION, None),
    ],
)
async def test_the_sandbox_follows_stripes_test_methods(
    method: str, event_type: str, decline_code: str | None
) -> None:
    sandbox = providers.SandboxProvider()
    reference = await sandbox.create_intent(
        amount=100, currency="EUR", payment_id="p", order_id="o", idempotency_key="k"
    )
    event = await sandbox.confirm(reference, method, attempt=1, idempotency_key="c:1")
    assert (event.type, event.decline_code, event.reference) == (
        event_type,
        decline_code,
        reference,
    )
    assert reference == await sandbox.create_intent(
        amount=100, currency="EUR", payment_id="p", order_id="o", idempotency_key="k"
    )
    with pytest.raises(providers.UnknownPaymentMethodError):
        await sandbox.confirm(reference, "pm_card_unknown", attempt=1, idempotency_key="c:2")


def test_a_canceled_payment_is_settled_and_no_provider_outcome_moves_it() -> None:
    for event_type in (providers.SUCCEEDED, providers.FAILED, providers.REQUIRES_ACTION):
        assert next_status(CANCELED, event_type) is None

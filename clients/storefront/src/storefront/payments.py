"""The test payment methods offered at checkout: the payment sandbox follows Stripe's test
cards (https://docs.stripe.com/testing), so these tokens behave the same with real Stripe in
test mode. Methods needing 3-D Secure are left out: the sandbox cannot complete them."""

from __future__ import annotations

from typing import NamedTuple


class TestMethod(NamedTuple):
    token: str
    name: str
    explanation: str


TEST_METHODS = (
    TestMethod(
        "pm_card_visa",
        "Visa",
        "Stripe test card 4242 4242 4242 4242: the payment succeeds.",
    ),
    TestMethod(
        "pm_card_mastercard",
        "Mastercard",
        "Stripe test card 5555 5555 5555 4444: the payment succeeds.",
    ),
    TestMethod(
        "pm_card_amex",
        "American Express",
        "Stripe test card 3782 822463 10005: the payment succeeds.",
    ),
    TestMethod(
        "pm_card_chargeDeclined",
        "Declined card",
        "Stripe test card 4000 0000 0000 0002: declined; nothing is charged, the order cancelled.",
    ),
    TestMethod(
        "pm_card_chargeDeclinedInsufficientFunds",
        "Insufficient funds",
        "Stripe test card 4000 0000 0000 9995: declined (insufficient funds); nothing is charged.",
    ),
    TestMethod(
        "pm_card_chargeDeclinedExpiredCard",
        "Expired card",
        "Stripe test card 4000 0000 0000 0069: declined as expired; nothing is charged.",
    ),
)
TOKENS = frozenset(method.token for method in TEST_METHODS)
DEFAULT_METHOD = "pm_card_visa"

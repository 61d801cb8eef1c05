"""Card data must never reach us: a payment method is a provider token, nothing else."""

from __future__ import annotations

import re

from shopkit.errors import InvalidInputError

_TOKEN = re.compile(r"^pm_[A-Za-z0-9_]{1,250}$")
# 12-19 digits, possibly grouped by spaces or dashes: the shape of a primary account number.
_CARD_LIKE = re.compile(r"(?:\d[ -]?){11,18}\d")


class CardDataRefusedError(InvalidInputError):
    code = "card-data-refused"

    def __init__(self) -> None:
        # The value is never echoed: it may be a real card number.
        super().__init__(
            "payment_method",
            "looks like card data; send a payment-method token (pm_...) from the provider",
        )


class InvalidPaymentMethodError(InvalidInputError):
    code = "invalid-payment-method"

    def __init__(self) -> None:
        super().__init__("payment_method", "must be a payment-method token (pm_...)")


def check_payment_method(value: str) -> str:
    """The token, or a 422 naming `payment_method` (never repeating what was sent)."""
    if _CARD_LIKE.search(value):
        raise CardDataRefusedError
    if not _TOKEN.match(value):
        raise InvalidPaymentMethodError
    return value

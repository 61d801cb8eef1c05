"""Money typed by a person, in major units ("19.99", "1500" for JPY), to the API's minor units.

Parsing goes through `Decimal` and the currency's ISO 4217 exponent, never a float, and refuses
rather than rounds: "19.999" EUR is a typo, not 20.00. Display uses `shopkit.money.Money`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from shopkit.money import Currency, Money, UnknownCurrency

__all__ = ["AmountError", "format_money", "input_value", "parse_amount"]

# What the API accepts as an amount (product-service: 0 to 10^15 minor units).
MAX_MINOR_UNITS = 10**15
_AMOUNT = re.compile(r"^\d+(?:\.\d+)?$")


class AmountError(ValueError):
    """A typed amount that cannot be a price; the message is shown to the person as it is."""


def exponent_of(currency: str) -> int:
    try:
        return Currency.get(currency).exponent
    except UnknownCurrency:
        raise AmountError(f"{currency!r} is not a known currency.") from None


def parse_amount(text: str, currency: str) -> int:
    """Minor units of `text` in `currency`: "19.99" EUR is 1999, "1500" JPY is 1500."""
    raw = text.strip().replace("\u00a0", "").replace(" ", "")
    exponent = exponent_of(currency)
    example = "1500" if exponent == 0 else "19." + "9" * exponent
    if not raw:
        raise AmountError(f"Enter an amount in {currency}.")
    if not _AMOUNT.match(raw):
        raise AmountError(f"{text.strip()!r} is not an amount; write it like {example}.")
    try:
        value = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern already refused it
        raise AmountError(f"{text.strip()!r} is not an amount.") from None
    _, _, fraction = raw.partition(".")
    if len(fraction.rstrip("0")) > exponent:
        if exponent == 0:
            raise AmountError(f"{currency} has no decimals; write it like {example}.")
        raise AmountError(f"{currency} has {exponent} decimals at most; write it like {example}.")
    minor = int(value.scaleb(exponent))
    if minor > MAX_MINOR_UNITS:
        raise AmountError(f"{text.strip()} {currency} is more than the shop accepts.")
    return minor


def input_value(amount: int, currency: str) -> str:
    """What an input shows for an amount: "19.99", "1500" (no symbol, no grouping)."""
    return str(Money(amount, currency).to_decimal())


def format_money(value: Any) -> str:
    """The API's `{"amount", "currency"}` for reading: "€19.99", "¥1,500"; "" for nothing."""
    if not value:
        return ""
    try:
        return Money(int(value["amount"]), str(value["currency"])).format()
    except (KeyError, TypeError, ValueError, UnknownCurrency):
        return f"{value.get('amount')} {value.get('currency')}" if isinstance(value, dict) else ""

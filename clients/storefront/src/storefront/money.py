"""Prices for display: integer minor units and the currency's ISO 4217 exponent, never a float."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shopkit.money import Money, UnknownCurrency

SUPPORTED_CURRENCIES = ("EUR", "USD", "GBP", "JPY")


def format_minor(amount: int, currency: str) -> str:
    """`format_minor(1250, "EUR")` is "€12.50"; `format_minor(1200, "JPY")` is "¥1,200"."""
    return Money(amount, currency).format()


def format_money(value: Mapping[str, Any] | None) -> str:
    """An API money object (`{"amount": 1250, "currency": "EUR"}`) for display; "" for none."""
    if not value:
        return ""
    try:
        return format_minor(value["amount"], value["currency"])
    except (KeyError, TypeError, UnknownCurrency):
        return ""


def normalise_currency(code: object, default: str = "EUR") -> str:
    """A supported currency code, or `default` for anything else (a cookie can be edited)."""
    text = str(code or "").strip().upper()
    return text if text in SUPPORTED_CURRENCIES else default

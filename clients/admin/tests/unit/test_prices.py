from __future__ import annotations

from typing import Any

import pytest

from admin.money import AmountError
from admin.prices import (
    currency_codes,
    field_name,
    parse_rate,
    variant_rows,
    variants_from_form,
)

pytestmark = pytest.mark.unit

CURRENCIES = {
    "base_currency": "EUR",
    "items": [
        {"code": "EUR", "exponent": 2, "rate": "1", "base": True},
        {"code": "GBP", "exponent": 2, "rate": "0.85", "base": False},
        {"code": "JPY", "exponent": 0, "rate": "162", "base": False},
        {"code": "USD", "exponent": 2, "rate": "1.08", "base": False},
    ],
}
# 379.99 EUR: GBP follows the rate (322.9915 -> 322.99), JPY and USD are set by hand.
PRODUCT: dict[str, Any] = {
    "variants": [
        {
            "sku": "HP-1",
            "options": {"colour": "Black"},
            "base_price": {"amount": 37999, "currency": "EUR"},
            "prices": {"EUR": 37999, "GBP": 32299, "JPY": 61990, "USD": 40999},
            "explicit_prices": {"JPY": 61990, "USD": 40999},
        }
    ]
}
CODES = currency_codes(CURRENCIES)


def form(**typed: str) -> dict[str, str]:
    values = {"EUR": "379.99", "GBP": "322.99", "JPY": "61990", "USD": "409.99"}
    values.update(typed)
    return {field_name("HP-1", code): value for code, value in values.items()}


def test_rows_show_every_currency_and_which_prices_follow_the_rate() -> None:
    assert CODES == ["EUR", "GBP", "JPY", "USD"]
    (row,) = variant_rows(PRODUCT, CODES)
    assert [(c.currency, c.value, c.follows_rate) for c in row.cells] == [
        ("EUR", "379.99", False),
        ("GBP", "322.99", True),
        ("JPY", "61990", False),
        ("USD", "409.99", False),
    ]


def test_an_untouched_form_keeps_explicit_prices_and_the_converted_ones_converting() -> None:
    variants, errors = variants_from_form(PRODUCT, CODES, form())
    assert errors == []
    assert variants == [
        {
            "sku": "HP-1",
            "options": {"colour": "Black"},
            "base_price": {"amount": 37999, "currency": "EUR"},
            "prices": {"JPY": 61990, "USD": 40999},
        }
    ]


def test_a_typed_price_becomes_explicit_and_an_emptied_one_follows_the_rate() -> None:
    variants, errors = variants_from_form(PRODUCT, CODES, form(EUR="19.99", GBP="17.50", USD=""))
    assert errors == []
    assert variants[0]["base_price"] == {"amount": 1999, "currency": "EUR"}
    assert variants[0]["prices"] == {"GBP": 1750, "JPY": 61990}


def test_invalid_prices_are_named_and_nothing_is_sent_for_that_sku() -> None:
    variants, errors = variants_from_form(PRODUCT, CODES, form(EUR="19.999", JPY="1.5"))
    assert variants == []
    assert errors[0].startswith("Price EUR (HP-1): EUR has 2 decimals")
    assert errors[1].startswith("Price JPY (HP-1): JPY has no decimals")


def test_rates_are_positive_decimal_strings() -> None:
    assert parse_rate(" 1.0842 ") == "1.0842"
    for bad in ("0", "-1", "abc", "1e2", "inf", ""):
        with pytest.raises(AmountError):
            parse_rate(bad)


def test_an_explicit_price_that_equals_the_conversion_stays_explicit() -> None:
    """product-service says which prices are explicit: one typed to the converted amount is
    not mistaken for following the rate (and dropped when the form is saved untouched)."""
    product = {
        "variants": [
            {
                **PRODUCT["variants"][0],
                "explicit_prices": {"GBP": 32299, "JPY": 61990, "USD": 40999},
            }
        ]
    }
    (row,) = variant_rows(product, CODES)
    assert not any(cell.follows_rate for cell in row.cells)
    variants, _ = variants_from_form(product, CODES, form())
    assert variants[0]["prices"] == {"GBP": 32299, "JPY": 61990, "USD": 40999}

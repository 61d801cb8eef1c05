from __future__ import annotations

import pytest

from admin.money import AmountError, format_money, input_value, parse_amount

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("19.99", "EUR", 1999),
        ("19.9", "EUR", 1990),
        ("19", "USD", 1900),
        (" 0.01 ", "GBP", 1),
        ("1500", "JPY", 1500),
        ("1500.00", "JPY", 1500),
        ("0", "EUR", 0),
        ("1 234.50", "EUR", 123450),
        ("0.10", "EUR", 10),
        ("0.100", "EUR", 10),
    ],
)
def test_major_units_become_exact_minor_units(text: str, currency: str, minor: int) -> None:
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "says"),
    [
        ("19.999", "EUR", "2 decimals"),
        ("1500.5", "JPY", "no decimals"),
        ("-1", "EUR", "not an amount"),
        ("1e3", "EUR", "not an amount"),
        ("1,5", "EUR", "not an amount"),
        ("abc", "USD", "not an amount"),
        ("", "EUR", "Enter an amount"),
        ("nan", "EUR", "not an amount"),
        ("0.10000000000000000555", "EUR", "2 decimals"),
        ("10000000000000.01", "EUR", "more than"),
        ("5", "XYZ", "not a known currency"),
    ],
)
def test_invalid_amounts_are_refused_with_a_message(text: str, currency: str, says: str) -> None:
    with pytest.raises(AmountError, match=says):
        parse_amount(text, currency)


def test_inputs_show_major_units_without_symbols_or_float_noise() -> None:
    assert input_value(1999, "EUR") == "19.99"
    assert input_value(10, "EUR") == "0.10"
    assert input_value(1500, "JPY") == "1500"
    assert parse_amount(input_value(123456789, "USD"), "USD") == 123456789


def test_money_reads_with_its_symbol_and_exponent() -> None:
    assert format_money({"amount": 123450, "currency": "EUR"}) == "€1,234.50"
    assert format_money({"amount": 150000, "currency": "JPY"}) == "¥150,000"
    assert format_money(None) == ""
    assert format_money({"amount": 5, "currency": "???"}) == "5 ???"

from __future__ import annotations

import pytest
from shopkit.errors import InvalidInputError
from storefront.money import format_minor, format_money, normalise_currency

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (1250, "EUR", "€12.50"),
        (123450, "USD", "$1,234.50"),
        (5, "GBP", "£0.05"),
        (61990, "JPY", "¥61,990"),
        (0, "EUR", "€0.00"),
        (-300, "USD", "-$3.00"),
    ],
)
def test_minor_units_with_the_currency_exponent(amount: int, currency: str, shown: str) -> None:
    assert format_minor(amount, currency) == shown


def test_api_money_objects() -> None:
    assert format_money({"amount": 44995, "currency": "EUR"}) == "€449.95"
    assert format_money(None) == ""
    assert format_money({"amount": 1, "currency": "NOPE"}) == ""


def test_a_float_is_never_money() -> None:
    with pytest.raises(InvalidInputError):
        format_minor(12.5, "EUR")  # type: ignore[arg-type]


def test_currency_codes_are_normalised() -> None:
    assert normalise_currency("jpy") == "JPY"
    assert normalise_currency("XXX") == "EUR"
    assert normalise_currency(None, "GBP") == "GBP"

"""Price resolution: explicit prices win, conversion rounds half-even to each currency's units."""

from decimal import Decimal

import pytest
from shopkit.errors import InvalidInputError

from product_service.domain.catalog._pricing import PriceTable, price_range

pytestmark = pytest.mark.unit

DEMO = {"EUR": "1", "USD": "1.08", "GBP": "0.85", "JPY": "162"}


def test_every_supported_currency_is_resolved_base_first() -> None:
    table = PriceTable(DEMO)
    assert table.currencies == ("EUR", "GBP", "JPY", "USD")
    assert table.resolve(1299, {}) == {"EUR": 1299, "GBP": 1104, "JPY": 2104, "USD": 1403}


def test_yen_has_no_minor_units_so_conversion_rounds_to_whole_yen() -> None:
    # 12.99 EUR * 162 = 2104.38 JPY -> 2104, not 210438 "sen"
    assert PriceTable(DEMO).resolve(1299, {})["JPY"] == 2104
    # 0.99 EUR * 162 = 160.38 -> 160; 1.00 EUR -> 162
    assert PriceTable(DEMO).resolve(99, {})["JPY"] == 160
    assert PriceTable(DEMO).resolve(100, {})["JPY"] == 162


def test_ties_round_half_even() -> None:
    table = PriceTable({"EUR": "1", "JPY": "150"})
    assert table.resolve(3, {})["JPY"] == 4  # 4.5 -> 4 (even)
    assert table.resolve(5, {})["JPY"] == 8  # 7.5 -> 8 (even)


def test_an_explicit_price_wins_over_conversion() -> None:
    prices = PriceTable(DEMO).resolve(1299, {"JPY": 1990})
    assert prices["JPY"] == 1990
    assert prices["USD"] == 1403  # the others are still converted


def test_rates_are_exact_decimals_not_floats() -> None:
    table = PriceTable({"EUR": "1", "USD": Decimal("1.0842")})
    assert table.resolve(10000, {})["USD"] == 10842
    with pytest.raises(InvalidInputError):
        PriceTable({"EUR": "1", "USD": 1.08})  # type: ignore[dict-item]


def test_price_range_is_min_and_max_in_the_currency() -> None:
    low, high = price_range([2104, 2500, 1990], "JPY")
    assert (low.amount, high.amount, low.currency) == (1990, 2500, "JPY")

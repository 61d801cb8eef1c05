"""The cart's rules without I/O: how quantities change and merge, and what a cart costs."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shopkit.money import Money

from cart_service.domain.carts._rules import (
    Change,
    LineNotFound,
    NotEnoughStock,
    ProductInfo,
    UnsupportedCurrency,
    checked_currency,
    next_quantity,
    price_cart,
)
from cart_service.domain.carts.schemas import LineAdd

pytestmark = pytest.mark.unit

CAP = 99


def product(sku: str, amount: int, currency: str = "EUR", status: str = "active") -> ProductInfo:
    return ProductInfo(sku=sku, name=sku.title(), price=Money(amount, currency), status=status)


def test_adding_adds_and_stops_at_the_cap() -> None:
    assert next_quantity("A", Change.ADD, 2, 3, cap=CAP, available=10) == 5
    assert next_quantity("A", Change.ADD, 90, 20, cap=CAP, available=500) == 99


def test_more_than_available_is_refused_with_the_count() -> None:
    with pytest.raises(NotEnoughStock) as refused:
        next_quantity("A", Change.ADD, 2, 2, cap=CAP, available=3)
    assert refused.value.available == 3
    assert refused.value.invalid_params is not None
    assert refused.value.invalid_params[0].name == "quantity"


def test_a_line_may_shrink_even_when_stock_fell_below_it() -> None:
    assert next_quantity("A", Change.SET, 8, 6, cap=CAP, available=2) == 6


def test_setting_a_line_that_is_not_there_is_not_found() -> None:
    with pytest.raises(LineNotFound):
        next_quantity("A", Change.SET, 0, 1, cap=CAP, available=10)


def test_a_merge_adds_what_stock_allows_and_never_lowers_a_line() -> None:
    assert next_quantity("A", Change.MERGE, 2, 3, cap=CAP, available=10) == 5
    assert next_quantity("A", Change.MERGE, 2, 5, cap=CAP, available=3) == 3
    assert next_quantity("A", Change.MERGE, 90, 20, cap=CAP, available=500) == 99
    assert next_quantity("A", Change.MERGE, 6, 2, cap=CAP, available=4) == 6
    assert next_quantity("A", Change.MERGE, 0, 2, cap=CAP, available=0) == 0


@given(
    current=st.integers(0, 99),
    added=st.integers(1, 99),
    available=st.integers(0, 1000),
)
def test_a_merge_stays_within_the_cap_and_stock_or_what_the_line_had(
    current: int, added: int, available: int
) -> None:
    merged = next_quantity("A", Change.MERGE, current, added, cap=CAP, available=available)
    assert current <= merged <= max(current, min(CAP, available))
    assert merged <= current + added


def test_a_cart_is_priced_line_by_line_and_totalled_in_its_currency() -> None:
    cart = price_cart(
        cart_id="c1",
        customer_id=None,
        currency="JPY",
        lines={"B": 3, "A": 2},
        products={"A": product("A", 3238, "JPY"), "B": product("B", 100, "JPY")},
        availability={"A": 7},
    )
    assert [(line.sku, line.line_total) for line in cart.lines] == [
        ("A", Money(6476, "JPY")),
        ("B", Money(300, "JPY")),
    ]
    assert cart.total == Money(6776, "JPY")
    assert cart.item_count == 5
    assert [line.available for line in cart.lines] == [7, 0]


def test_skus_no_longer_on_sale_are_set_apart_unpriced_and_uncounted() -> None:
    cart = price_cart(
        cart_id="c1",
        customer_id="u1",
        currency="EUR",
        lines={"A": 1, "GONE": 2, "OLD": 1},
        products={"A": product("A", 1999), "OLD": product("OLD", 500, status="archived")},
        availability={"A": 1},
    )
    assert [line.sku for line in cart.lines] == ["A"]
    assert cart.unavailable_skus == ["GONE", "OLD"]
    assert cart.total == Money(1999, "EUR")
    assert cart.item_count == 1


def test_an_empty_cart_costs_zero_in_its_currency() -> None:
    empty = price_cart(
        cart_id="c", customer_id=None, currency="GBP", lines={}, products={}, availability={}
    )
    assert empty.total == Money(0, "GBP")
    assert msgspec.to_builtins(empty.total) == {"amount": 0, "currency": "GBP"}


def test_only_the_shops_currencies_are_accepted() -> None:
    assert checked_currency("USD") == "USD"
    with pytest.raises(UnsupportedCurrency):
        checked_currency("CHF")


@pytest.mark.parametrize("quantity", [0, 100, -1])
def test_a_line_holds_1_to_99(quantity: int) -> None:
    with pytest.raises(msgspec.ValidationError, match="quantity"):
        msgspec.convert({"sku": "A", "quantity": quantity}, LineAdd)

"""Checkout's arithmetic: current prices times quantities in minor units, per currency."""

from __future__ import annotations

import pytest
from shopkit.errors import InvalidInputError
from shopkit.money import Money

from order_service.domain.orders._checkout import check_key, request_hash
from order_service.domain.orders._pricing import order_total, price_lines
from order_service.domain.orders._upstream import CartLine, Product
from order_service.domain.orders.schemas import OrderCreate, ShippingAddress
from order_service.domain.orders.services import order_id_for

pytestmark = pytest.mark.unit


def product(sku: str, amount: int, currency: str, status: str = "active") -> Product:
    return Product(sku=sku, name=f"Product {sku}", price=Money(amount, currency), status=status)


def test_lines_and_total_in_yen_have_no_minor_units() -> None:
    products = {"A": product("A", 3238, "JPY"), "B": product("B", 162, "JPY")}
    lines = price_lines(
        [CartLine("A", 3, available=10), CartLine("B", 1, available=10)], products, "JPY"
    )
    assert [line.line_total for line in lines] == [Money(9714, "JPY"), Money(162, "JPY")]
    assert order_total(lines, "JPY") == Money(9876, "JPY")
    assert order_total(lines, "JPY").format() == "¥9,876"


def test_lines_and_total_in_dollars_are_exact_cents() -> None:
    products = {"A": product("A", 2159, "USD")}
    lines = price_lines([CartLine("A", 7, available=10)], products, "USD")
    assert order_total(lines, "USD") == Money(15113, "USD")
    assert lines[0].name == "Product A"


@pytest.mark.parametrize(
    ("lines", "products", "field"),
    [
        ([], {}, "cart_id"),
        ([CartLine("GONE", 1, available=10)], {}, "cart_id"),
        (
            [CartLine("A", 1, available=10)],
            {"A": product("A", 100, "USD", status="archived")},
            "cart_id",
        ),
        ([CartLine("A", 0, available=10)], {"A": product("A", 100, "USD")}, "cart_id"),
        ([CartLine("A", 1, available=10)], {"A": product("A", 100, "EUR")}, "currency"),
    ],
)
def test_a_cart_that_cannot_be_priced_is_refused_naming_the_field(
    lines: list[CartLine], products: dict[str, Product], field: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        price_lines(lines, products, "USD")
    assert refused.value.invalid_params is not None
    assert refused.value.invalid_params[0].name == field


def test_the_idempotency_key_is_required_and_bounded() -> None:
    assert check_key(" abc ") == "abc"
    for bad in (None, "", "   ", "k" * 256):
        with pytest.raises(InvalidInputError) as refused:
            check_key(bad)
        assert refused.value.invalid_params is not None
        assert refused.value.invalid_params[0].name == "Idempotency-Key"


def test_the_same_customer_and_key_always_name_the_same_order() -> None:
    assert order_id_for("c1", "k") == order_id_for("c1", "k")
    assert order_id_for("c1", "k") != order_id_for("c2", "k")
    assert order_id_for("c1", "k") != order_id_for("c1", "k2")


def test_the_request_fingerprint_sees_every_field() -> None:
    address = ShippingAddress(name="A", line1="1 Road", city="Town", postal_code="1", country="DE")
    base = OrderCreate(cart_id="c", shipping_address=address, currency="EUR")
    assert request_hash(base) == request_hash(
        OrderCreate(cart_id="c", shipping_address=address, currency="EUR")
    )
    assert request_hash(base) != request_hash(
        OrderCreate(cart_id="c", shipping_address=address, currency="USD")
    )

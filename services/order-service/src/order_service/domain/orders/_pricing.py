"""Pricing a checkout from product-service's current prices (never the client's or the cart's
cached numbers), with shopkit Money so every currency's minor units stay exact."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec
from shopkit.errors import InvalidInputError
from shopkit.money import Money, sum_money

from order_service.domain.orders._upstream import CartLine, Product


class PricedLine(msgspec.Struct, frozen=True):
    sku: str
    name: str
    quantity: int
    unit_price: Money
    line_total: Money


def price_lines(
    lines: Sequence[CartLine], products: Mapping[str, Product], currency: str
) -> list[PricedLine]:
    """One priced line per cart line, in the cart's order; a SKU that is no longer sold, or
    priced in another currency than asked, refuses the checkout (422 on cart_id)."""
    if not lines:
        raise InvalidInputError("cart_id", "the cart is empty")
    priced = []
    for line in lines:
        if line.quantity < 1:
            raise InvalidInputError("cart_id", f"{line.sku} has quantity {line.quantity}")
        product = products.get(line.sku)
        if product is None or product.status != "active":
            raise InvalidInputError("cart_id", f"{line.sku} is no longer sold")
        if product.price.currency != currency:
            raise InvalidInputError("currency", f"{line.sku} has no price in {currency}")
        priced.append(
            PricedLine(
                sku=line.sku,
                name=product.name,
                quantity=line.quantity,
                unit_price=product.price,
                line_total=product.price * line.quantity,
            )
        )
    return priced


def order_total(lines: Sequence[PricedLine], currency: str) -> Money:
    return sum_money((line.line_total for line in lines), currency)

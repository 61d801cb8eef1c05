"""The cart's rules, free of I/O: how a line's quantity may change, and what a cart costs."""

from __future__ import annotations

import enum
from collections.abc import Mapping

import msgspec
from shopkit.errors import ConflictError, InvalidInputError, InvalidParam, NotFoundError
from shopkit.money import Money, sum_money

from cart_service.config import SUPPORTED_CURRENCIES
from cart_service.domain.carts.schemas import Cart, CartLine

ACTIVE = "active"


class CartNotFound(NotFoundError):
    """No such cart, or not one the caller may see (the same answer, so ids leak nothing)."""

    code = "cart-not-found"

    def __init__(self) -> None:
        super().__init__("There is no such cart.")


class LineNotFound(NotFoundError):
    code = "line-not-found"

    def __init__(self, sku: str) -> None:
        super().__init__(f"The cart has no line for SKU {sku!r}.")


class UnknownSku(InvalidInputError):
    code = "unknown-sku"

    def __init__(self, sku: str) -> None:
        super().__init__("sku", f"{sku!r} is not a product on sale")


class CartFull(InvalidInputError):
    code = "cart-full"

    def __init__(self, max_lines: int) -> None:
        super().__init__("sku", f"a cart holds at most {max_lines} different SKUs")


class UnsupportedCurrency(InvalidInputError):
    code = "unsupported-currency"

    def __init__(self, currency: str) -> None:
        super().__init__(
            "currency", f"{currency!r} is not one of {', '.join(SUPPORTED_CURRENCIES)}"
        )


class NotEnoughStock(ConflictError):
    """More than the warehouse can sell; `available` says how many can be had."""

    code = "not-enough-stock"

    def __init__(self, sku: str, available: int) -> None:
        super().__init__(
            f"Only {available} of {sku!r} available.",
            invalid_params=[InvalidParam(name="quantity", reason=f"only {available} available")],
        )
        self.available = available


def checked_currency(currency: str) -> str:
    if currency not in SUPPORTED_CURRENCIES:
        raise UnsupportedCurrency(currency)
    return currency


class Change(enum.Enum):
    ADD = "add"  # quantities added to the line (a new line starts at 0)
    SET = "set"  # the line's quantity replaced; the line must exist
    MERGE = "merge"  # a claimed guest line: added as far as stock allows, never refused


def next_quantity(
    sku: str, change: Change, current: int, quantity: int, *, cap: int, available: int
) -> int:
    """The line's quantity after `change`, capped at `cap` per line.

    Asking for more than `available` is refused (409), except that a line may always shrink or
    stay as it is; a merge takes what stock allows instead and never lowers the line.
    """
    if change is Change.SET and current == 0:
        raise LineNotFound(sku)
    if change is Change.MERGE:
        return max(current, min(current + quantity, cap, available))
    new = min(current + quantity if change is Change.ADD else quantity, cap)
    if new > current and new > available:
        raise NotEnoughStock(sku, available)
    return new


class ProductInfo(msgspec.Struct, frozen=True):
    """What the cart reads of product-service's `GET /api/products/skus` items."""

    sku: str
    name: str
    price: Money
    status: str
    image: str | None = None

    @property
    def on_sale(self) -> bool:
        return self.status == ACTIVE


def price_cart(
    *,
    cart_id: str,
    customer_id: str | None,
    currency: str,
    lines: Mapping[str, int],
    products: Mapping[str, ProductInfo],
    availability: Mapping[str, int],
) -> Cart:
    """The cart as the customer sees it: every line priced now, in `currency`, by SKU order.

    SKUs the catalog no longer sells are listed apart, unpriced and uncounted.
    """
    priced: list[CartLine] = []
    unavailable: list[str] = []
    for sku in sorted(lines):
        product = products.get(sku)
        if product is None or not product.on_sale or product.price.currency != currency:
            unavailable.append(sku)
            continue
        quantity = lines[sku]
        priced.append(
            CartLine(
                sku=sku,
                quantity=quantity,
                name=product.name,
                image=product.image,
                unit_price=product.price,
                line_total=product.price * quantity,
                available=availability.get(sku, 0),
            )
        )
    return Cart(
        id=cart_id,
        currency=currency,
        customer_id=customer_id,
        lines=priced,
        total=sum_money((line.line_total for line in priced), currency),
        item_count=sum(line.quantity for line in priced),
        unavailable_skus=unavailable,
    )

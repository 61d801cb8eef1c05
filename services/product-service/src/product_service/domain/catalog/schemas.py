"""What callers send and get back: `X` / `XCreate` / `XUpdate` msgspec Structs.

Money in requests is `{"amount": <int minor units >= 0>, "currency": "EUR"}`; explicit prices
are `{"USD": 1299}` (minor units). Bodies are decoded strictly (the SDK does it), so `"12"` or
`12.0` for an amount is refused instead of being coerced.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from shopkit.money import Money

Status = Literal["draft", "active", "archived"]
Slug = Annotated[
    str, msgspec.Meta(min_length=1, max_length=120, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Description = Annotated[str, msgspec.Meta(max_length=10_000)]
Brand = Annotated[str, msgspec.Meta(max_length=120)]
ImageUrl = Annotated[
    str, msgspec.Meta(max_length=2000, pattern=r"^https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[^\s]*)?$")
]
Sku = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
Key = Annotated[str, msgspec.Meta(min_length=1, max_length=60)]
Value = Annotated[str, msgspec.Meta(max_length=500)]
MinorUnits = Annotated[int, msgspec.Meta(ge=0, le=10**15)]
CurrencyCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]
Rate = Annotated[str, msgspec.Meta(max_length=40, pattern=r"^\s*\d+(\.\d+)?\s*$")]


# --- categories ----------------------------------------------------------------------------


class Category(msgspec.Struct):
    """One node of the tree, flat: `parent_id` links it, `path` lists slugs from the root."""

    id: UUID
    slug: str
    name: str
    parent_id: UUID | None
    path: list[str]


class CategoryList(msgspec.Struct):
    """Every category, parents before their children (`total` = `len(items)`)."""

    items: list[Category]
    total: int


class CategoryCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    slug: Slug | None = None
    parent_id: UUID | None = None


class CategoryUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | msgspec.UnsetType = msgspec.UNSET
    slug: Slug | msgspec.UnsetType = msgspec.UNSET
    parent_id: UUID | msgspec.UnsetType | None = msgspec.UNSET


# --- products ------------------------------------------------------------------------------


class MoneyIn(msgspec.Struct, forbid_unknown_fields=True):
    amount: MinorUnits
    currency: CurrencyCode = "EUR"


class VariantIn(msgspec.Struct, forbid_unknown_fields=True):
    sku: Sku
    base_price: MoneyIn
    options: dict[Key, Value] = msgspec.field(default_factory=dict)
    prices: dict[CurrencyCode, MinorUnits] = msgspec.field(default_factory=dict)


class ProductCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    category_id: UUID
    variants: Annotated[list[VariantIn], msgspec.Meta(min_length=1, max_length=100)]
    slug: Slug | None = None
    description: Description = ""
    brand: Brand = ""
    status: Status = "draft"
    images: Annotated[list[ImageUrl], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=list
    )
    attributes: dict[Key, Value] = msgspec.field(default_factory=dict)


class ProductUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields sent change; `variants`, when sent, is the complete new set (matched by
    SKU: kept SKUs are updated, new ones added, missing ones removed)."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    slug: Slug | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    brand: Brand | msgspec.UnsetType = msgspec.UNSET
    status: Status | msgspec.UnsetType = msgspec.UNSET
    category_id: UUID | msgspec.UnsetType = msgspec.UNSET
    images: Annotated[list[ImageUrl], msgspec.Meta(max_length=20)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    attributes: dict[Key, Value] | msgspec.UnsetType = msgspec.UNSET
    variants: (
        Annotated[list[VariantIn], msgspec.Meta(min_length=1, max_length=100)] | msgspec.UnsetType
    ) = msgspec.UNSET


class CategoryRef(msgspec.Struct):
    id: UUID
    slug: str
    name: str


class VariantOut(msgspec.Struct):
    sku: str
    options: dict[str, str]
    price: Money
    base_price: Money
    # The price in every currency: the explicit one where set, else the base converted.
    prices: dict[str, int]
    # The prices set by hand per currency (they win over conversion); the rest follow the rate.
    explicit_prices: dict[str, int]


class PriceRange(msgspec.Struct):
    min: Money
    max: Money


class Product(msgspec.Struct):
    """A product as lists and detail pages show it (one shape, so search can reindex from the
    list); `price` and `price_range` are in the asked currency, `prices` in every one."""

    id: UUID
    slug: str
    name: str
    description: str
    brand: str
    status: Status
    category: CategoryRef
    category_path: list[str]
    images: list[str]
    attributes: dict[str, str]
    variants: list[VariantOut]
    price_range: PriceRange
    created_at: datetime
    updated_at: datetime


class ProductPage(msgspec.Struct):
    items: list[Product]
    total: int
    limit: int
    offset: int


class SkuItem(msgspec.Struct):
    """One SKU as carts and orders price it: its product's name, slug, first image and status,
    the variant's options and its current price in the asked currency."""

    sku: str
    product_id: UUID
    name: str
    slug: str
    image: str | None
    options: dict[str, str]
    price: Money
    status: Status


class SkuList(msgspec.Struct):
    """The asked SKUs that exist, in the order asked (unknown ones are left out)."""

    items: list[SkuItem]


# --- currencies ----------------------------------------------------------------------------


class CurrencyInfo(msgspec.Struct):
    """A supported currency: `rate` is how many units of it one EUR buys (a decimal string)."""

    code: str
    exponent: int
    rate: str
    base: bool
    updated_at: datetime


class CurrencyList(msgspec.Struct):
    base_currency: str
    items: list[CurrencyInfo]
    total: int


class RatesUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """`{"rates": {"USD": "1.0842"}}`: decimal strings only (a float is already rounded)."""

    rates: Annotated[dict[CurrencyCode, Rate], msgspec.Meta(min_length=1)]

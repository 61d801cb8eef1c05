"""What a caller may send, decided before any I/O: strict money, valid URLs and rates."""

from typing import Any

import msgspec
import pytest

from product_service.domain.catalog.schemas import (
    ProductCreate,
    ProductUpdate,
    RatesUpdate,
)
from product_service.domain.catalog.services import slugify

pytestmark = pytest.mark.unit

CATEGORY = "01890000-0000-7000-8000-000000000000"


def body(**changes: Any) -> bytes:
    product: dict[str, Any] = {
        "name": "Headphones",
        "category_id": CATEGORY,
        "variants": [{"sku": "HP-1", "base_price": {"amount": 1299, "currency": "EUR"}}],
    }
    product.update(changes)
    return msgspec.json.encode(product)


def strict_body(raw: bytes, type_: type[Any]) -> Any:
    """How every Shopkit service decodes a JSON body (strictly: see shopkit.app)."""
    return msgspec.json.decode(raw, type=type_, strict=True)


def refused_field(raw: bytes, type_: type[Any] = ProductCreate) -> str:
    """The path msgspec names for the refusal (`$.variants[0].base_price.amount`)."""
    with pytest.raises(msgspec.ValidationError) as refused:
        strict_body(raw, type_)
    reason, _, where = str(refused.value).partition(" - at `$")
    path = where.rstrip("`").lstrip(".")
    if "field `" in reason:
        named = reason.split("field `", 1)[1].split("`", 1)[0]
        return f"{path}.{named}" if path else named
    return path


def test_a_valid_product_decodes_with_defaults() -> None:
    product = strict_body(body(), ProductCreate)
    assert product.status == "draft"
    assert product.variants[0].base_price.amount == 1299


@pytest.mark.parametrize("amount", [-1, 12.5, 12.0, "1299", None])
def test_an_amount_must_be_a_non_negative_integer(amount: object) -> None:
    variants = [{"sku": "HP-1", "base_price": {"amount": amount, "currency": "EUR"}}]
    assert refused_field(body(variants=variants)) == "variants[0].base_price.amount"


def test_a_missing_field_is_named_with_its_path() -> None:
    variants = [{"sku": "HP-1", "base_price": {"currency": "EUR"}}]
    assert refused_field(body(variants=variants)) == "variants[0].base_price.amount"
    assert refused_field(body(category_id=None)) == "category_id"
    no_category = b'{"name": "x", "variants": [{"sku": "A", "base_price": {"amount": 1}}]}'
    assert refused_field(no_category) == "category_id"


def test_images_must_be_http_urls() -> None:
    assert refused_field(body(images=["javascript:alert(1)"])) == "images[0]"
    assert strict_body(body(images=["https://cdn.example.com/a.jpg"]), ProductCreate).images


def test_unknown_fields_and_statuses_are_refused() -> None:
    assert refused_field(body(colour="red")) == "colour"
    assert refused_field(body(status="published")) == "status"


def test_an_update_carries_only_what_was_sent() -> None:
    update = strict_body(b'{"name": "New"}', ProductUpdate)
    assert update.name == "New"
    assert update.variants is msgspec.UNSET


def test_rates_are_decimal_strings_never_floats() -> None:
    assert strict_body(b'{"rates": {"USD": "1.0842"}}', RatesUpdate).rates == {"USD": "1.0842"}
    assert refused_field(b'{"rates": {"USD": 1.08}}', RatesUpdate).startswith("rates")
    assert refused_field(b'{"rates": {"USD": "1,08"}}', RatesUpdate).startswith("rates")


def test_slugs_are_made_from_names() -> None:
    assert slugify("Sony WH-1000XM5 Wireless Headphones") == "sony-wh-1000xm5-wireless-headphones"
    assert slugify("Crème Brûlée Torch!") == "creme-brulee-torch"

"""A variant's prices as the product form shows and sends them (pure, no I/O).

product-service keeps one base price in EUR per SKU plus optional explicit prices per currency
that win over conversion; its API returns the resolved price in every currency (`prices`) and
which of them are explicit (`explicit_prices`). The form shows every resolved price; one not
explicit follows the rate. On save, such a price left as it was keeps following the rate
(even when the EUR price changed); a price typed in becomes explicit; an emptied one goes back
to following the rate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from admin.money import AmountError, input_value, parse_amount

BASE_CURRENCY = "EUR"


class PriceCell(msgspec.Struct, frozen=True):
    currency: str
    value: str  # major units, as the input shows it
    follows_rate: bool


class VariantRow(msgspec.Struct, frozen=True):
    sku: str
    options: dict[str, Any]
    cells: list[PriceCell]


def field_name(sku: str, currency: str) -> str:
    return f"price:{sku}:{currency}"


def currency_codes(currencies: Mapping[str, Any]) -> list[str]:
    """Base currency first, then the others alphabetically (as product-service orders them)."""
    base = str(currencies.get("base_currency", BASE_CURRENCY))
    others = sorted(item["code"] for item in currencies.get("items", []) if item["code"] != base)
    return [base, *others]


def _follows_rate(variant: Mapping[str, Any], code: str) -> bool:
    return code not in variant.get("explicit_prices", {})


def variant_rows(product: Mapping[str, Any], currencies: Sequence[str]) -> list[VariantRow]:
    rows = []
    for variant in product.get("variants", []):
        prices = variant.get("prices", {})
        cells = []
        for code in currencies:
            amount = (
                int(variant["base_price"]["amount"]) if code == BASE_CURRENCY else prices.get(code)
            )
            cells.append(
                PriceCell(
                    currency=code,
                    value="" if amount is None else input_value(int(amount), code),
                    follows_rate=code != BASE_CURRENCY and _follows_rate(variant, code),
                )
            )
        rows.append(VariantRow(sku=variant["sku"], options=variant.get("options", {}), cells=cells))
    return rows


def variants_from_form(
    product: Mapping[str, Any],
    currencies: Sequence[str],
    form: Mapping[str, Any],
) -> tuple[list[dict[str, Any]], list[str]]:
    """The PATCH `variants` for the product's SKUs as typed, or the reasons it cannot be sent.

    `product` is the product as it is now (re-read before saving), so options and the SKU set
    come from the service, not from the browser.
    """
    variants: list[dict[str, Any]] = []
    errors: list[str] = []
    for row in variant_rows(product, currencies):
        sku = row.sku
        explicit: dict[str, int] = {}
        base: int | None = None
        for cell in row.cells:
            typed = str(form.get(field_name(sku, cell.currency), cell.value)).strip()
            label = f"Price {cell.currency} ({sku})"
            if cell.currency == BASE_CURRENCY:
                try:
                    base = parse_amount(typed, cell.currency)
                except AmountError as exc:
                    errors.append(f"{label}: {exc}")
                continue
            if not typed:
                continue  # emptied: follow the rate
            try:
                amount = parse_amount(typed, cell.currency)
            except AmountError as exc:
                errors.append(f"{label}: {exc}")
                continue
            unchanged = cell.value and amount == parse_amount(cell.value, cell.currency)
            if unchanged and cell.follows_rate:
                continue
            explicit[cell.currency] = amount
        if base is not None:
            variants.append(
                {
                    "sku": sku,
                    "options": row.options,
                    "base_price": {"amount": base, "currency": BASE_CURRENCY},
                    "prices": explicit,
                }
            )
    return variants, errors


def parse_rate(text: str) -> str:
    """A typed exchange rate as the decimal string the API wants; positive, no float."""
    raw = text.strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise AmountError(f"{raw!r} is not a rate; write it like 1.0842.") from None
    if not value.is_finite() or value <= 0:
        raise AmountError(f"{raw!r} is not a rate; it must be a positive number like 1.0842.")
    if "e" in raw.lower():
        raise AmountError(f"{raw!r} is not a rate; write it like 1.0842.")
    return raw

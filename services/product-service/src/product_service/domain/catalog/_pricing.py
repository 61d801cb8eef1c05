"""Price resolution, pure: a variant's price in every supported currency.

An explicit price for a currency wins; otherwise the base price (EUR) is converted at the current
rate with `shopkit.money.ExchangeRates`, rounded half-even to the currency's minor units (JPY has
none, so 12.99 EUR at 162 is 2104 JPY, not 2104.38).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from shopkit.money import ExchangeRates, Money

BASE_CURRENCY = "EUR"


class PriceTable:
    """The supported currencies (in display order, base first) and their rates from EUR."""

    def __init__(self, rates: Mapping[str, Decimal | str]) -> None:
        self.rates = ExchangeRates(BASE_CURRENCY, rates)
        codes = [code for code in rates if code != BASE_CURRENCY]
        self.currencies: tuple[str, ...] = (BASE_CURRENCY, *sorted(codes))

    def resolve(self, base_amount: int, explicit: Mapping[str, int]) -> dict[str, int]:
        """Minor units in every supported currency: explicit where given, else converted."""
        base = Money(base_amount, BASE_CURRENCY)
        return {
            code: explicit[code] if code in explicit else self.rates.convert(base, code).amount
            for code in self.currencies
        }


def price_range(amounts: Iterable[int], currency: str) -> tuple[Money, Money]:
    """The cheapest and dearest variant price (0 to 0 for a product without variants)."""
    values = list(amounts) or [0]
    return Money(min(values), currency), Money(max(values), currency)

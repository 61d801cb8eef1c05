"""Currencies and their rates against the base currency; a rate change re-announces the prices
it moves."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from shopkit.money import CURRENCIES

from product_service.db import models
from product_service.domain.catalog import schemas
from product_service.domain.catalog._errors import (
    InvalidRateError,
    UnsupportedCurrencyError,
)
from product_service.domain.catalog._pricing import BASE_CURRENCY, PriceTable
from product_service.domain.catalog.services import _products
from product_service.domain.catalog.services._base import CatalogService, _now


class CurrencyService(CatalogService, SQLAlchemyAsyncRepositoryService[models.Currency]):
    class Repo(SQLAlchemyAsyncRepository[models.Currency]):
        model_type = models.Currency
        id_attribute = "code"

    repository_type = Repo

    async def price_table(self) -> PriceTable:
        rows = await self.get_many()
        return PriceTable({row.code: row.rate for row in rows})

    async def currencies(self) -> schemas.CurrencyList:
        rows = {row.code: row for row in await self.get_many()}
        table = PriceTable({code: row.rate for code, row in rows.items()})
        items = [
            schemas.CurrencyInfo(
                code=code,
                exponent=CURRENCIES[code].exponent,
                rate=_rate_text(rows[code].rate),
                base=code == BASE_CURRENCY,
                updated_at=rows[code].updated_at,
            )
            for code in table.currencies
        ]
        return schemas.CurrencyList(base_currency=BASE_CURRENCY, items=items, total=len(items))

    async def update_rates(self, data: schemas.RatesUpdate) -> int:
        """Store new rates and announce every SKU whose resolved prices moved; returns how many."""
        rows = {row.code: row for row in await self.get_many()}
        old = PriceTable({code: row.rate for code, row in rows.items()})
        new_rates: dict[str, Decimal] = {code: row.rate for code, row in rows.items()}
        for code, text in data.rates.items():
            field = f"rates.{code}"
            if code not in rows:
                raise UnsupportedCurrencyError(field, f"{code!r} is not a supported currency")
            rate = _parse_rate(text, field)
            if code == BASE_CURRENCY and rate != 1:
                raise InvalidRateError(field, "the base currency's rate is always 1")
            new_rates[code] = rate
        new = PriceTable(new_rates)
        now = _now()
        for code, rate in new_rates.items():
            if rows[code].rate != rate:
                rows[code].rate = rate
                rows[code].updated_at = now
        products = _products.ProductService(self._session)
        repriced = await products.announce_repricing(old, new)
        self._changed()
        return repriced


def _parse_rate(text: str, field: str) -> Decimal:
    try:
        rate = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidRateError(field, f"{text!r} is not a decimal number") from None
    if not rate.is_finite() or rate <= 0:
        raise InvalidRateError(field, "a rate must be a positive decimal")
    if rate.as_tuple().exponent < -10 or rate >= Decimal(10) ** 10:  # type: ignore[operator]
        raise InvalidRateError(field, "at most 10 digits before and 10 after the point")
    return rate


def _rate_text(rate: Decimal) -> str:
    """`Decimal("1.0800000000")` -> `"1.08"`, `Decimal("162.0000000000")` -> `"162"`."""
    return format(rate.normalize(), "f")

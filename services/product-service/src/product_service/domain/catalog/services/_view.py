"""How the catalog is shown and announced: products rendered in a currency, snapshots for the
events, from the category tree and the price table."""

from __future__ import annotations

from uuid import UUID

from shopkit.money import Money

from product_service.db import models
from product_service.domain.catalog import schemas
from product_service.domain.catalog._errors import (
    UnsupportedCurrencyError,
)
from product_service.domain.catalog._pricing import BASE_CURRENCY, PriceTable, price_range
from product_service.domain.catalog._tree import CategoryTree
from product_service.domain.catalog.services._base import _now
from product_service.events.events import (
    CategorySnapshot,
    PriceChanged,
    ProductCreated,
    ProductUpdated,
    VariantSnapshot,
)


class CatalogView:
    """What rendering a product needs besides its rows: the category tree and the rates."""

    def __init__(self, tree: CategoryTree, prices: PriceTable) -> None:
        self.tree = tree
        self.prices = prices

    def check_currency(self, currency: str | None, field: str = "currency") -> str:
        code = (currency or BASE_CURRENCY).strip().upper()
        if code not in self.prices.currencies:
            supported = ", ".join(self.prices.currencies)
            raise UnsupportedCurrencyError(field, f"{currency!r} is not one of {supported}")
        return code

    def category_ref(self, category_id: UUID) -> schemas.CategoryRef:
        category = self.tree.nodes[category_id]
        return schemas.CategoryRef(id=category.id, slug=category.slug, name=category.name)

    def render(self, product: models.Product, currency: str = BASE_CURRENCY) -> schemas.Product:
        variants = []
        for variant in product.variants:
            prices = self.prices.resolve(variant.base_price, variant.explicit_prices)
            variants.append(
                schemas.VariantOut(
                    sku=variant.sku,
                    options=dict(variant.options),
                    price=Money(prices[currency], currency),
                    base_price=Money(variant.base_price, BASE_CURRENCY),
                    prices=prices,
                    explicit_prices=dict(variant.explicit_prices),
                )
            )
        low, high = price_range((v.price.amount for v in variants), currency)
        return schemas.Product(
            id=product.id,
            slug=product.slug,
            name=product.name,
            description=product.description,
            brand=product.brand,
            status=product.status,  # type: ignore[arg-type]
            category=self.category_ref(product.category_id),
            category_path=self.tree.path(product.category_id),
            images=list(product.images),
            attributes=dict(product.attributes),
            variants=variants,
            price_range=schemas.PriceRange(min=low, max=high),
            created_at=product.created_at,
            updated_at=product.updated_at,
        )

    def render_sku(
        self, variant: models.Variant, product: models.Product, currency: str = BASE_CURRENCY
    ) -> schemas.SkuItem:
        prices = self.prices.resolve(variant.base_price, variant.explicit_prices)
        return schemas.SkuItem(
            sku=variant.sku,
            product_id=product.id,
            name=product.name,
            slug=product.slug,
            image=product.images[0] if product.images else None,
            options=dict(variant.options),
            price=Money(prices[currency], currency),
            status=product.status,  # type: ignore[arg-type]
        )

    def snapshot(
        self, product: models.Product, kind: type[ProductCreated] | type[ProductUpdated]
    ) -> ProductCreated | ProductUpdated:
        category = self.tree.nodes[product.category_id]
        return kind(
            product_id=str(product.id),
            slug=product.slug,
            name=product.name,
            description=product.description,
            brand=product.brand,
            status=product.status,
            category=CategorySnapshot(id=str(category.id), slug=category.slug, name=category.name),
            category_path=self.tree.path(product.category_id),
            images=list(product.images),
            attributes=dict(product.attributes),
            variants=[
                VariantSnapshot(
                    sku=variant.sku,
                    options=dict(variant.options),
                    base_price=Money(variant.base_price, BASE_CURRENCY),
                    prices=self.prices.resolve(variant.base_price, variant.explicit_prices),
                )
                for variant in product.variants
            ],
            base_currency=BASE_CURRENCY,
            updated_at=product.updated_at,
        )

    def price_changed(self, product_id: UUID, variant: models.Variant) -> PriceChanged:
        return PriceChanged(
            product_id=str(product_id),
            sku=variant.sku,
            base_price=Money(variant.base_price, BASE_CURRENCY),
            prices=self.prices.resolve(variant.base_price, variant.explicit_prices),
            changed_at=_now(),
        )

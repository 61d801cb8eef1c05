"""Catalog rules: categories, products with their SKUs and prices, currencies and rates.

Every change and the events announcing it are written in one transaction (`Outbox.add`); a
refused request raises before anything is flushed, so nothing is written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from uuid import UUID

from advanced_alchemy.filters import LimitOffset, OrderBy
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from shopkit.messaging import Event, Outbox
from shopkit.money import CURRENCIES, Money
from shopkit.schemas import set_fields
from sqlalchemy import ColumnElement, or_, select

from product_service.config import SLUG
from product_service.db import models
from product_service.domain.catalog import schemas
from product_service.domain.catalog._errors import (
    CategoryCycleError,
    CategoryInUseError,
    CategoryNotFoundError,
    DuplicateSkuInRequestError,
    InvalidPriceError,
    InvalidRateError,
    InvalidSkuListError,
    InvalidSlugError,
    ProductNotFoundError,
    SkuTakenError,
    SlugTakenError,
    UnknownCategoryError,
    UnsupportedCurrencyError,
)
from product_service.domain.catalog._pricing import BASE_CURRENCY, PriceTable, price_range
from product_service.domain.catalog._tree import CategoryTree
from product_service.events.events import (
    CategorySnapshot,
    PriceChanged,
    ProductCreated,
    ProductDeleted,
    ProductUpdated,
    VariantSnapshot,
)

__all__ = [
    "MAX_SKUS_PER_LOOKUP",
    "CatalogView",
    "CategoryService",
    "CurrencyService",
    "ProductService",
    "parse_skus",
    "slugify",
]

MAX_SKUS_PER_LOOKUP = 100
_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def slugify(text: str) -> str:
    """`"Sony WH-1000XM5 Wireless Headphones"` -> `"sony-wh-1000xm5-wireless-headphones"`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:120].strip("-")


def parse_skus(raw: str) -> list[str]:
    """`"A,B,A"` -> `["A", "B"]` (order kept); 422 naming `skus` if empty, malformed or too many."""
    skus = list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    if not skus:
        raise InvalidSkuListError("skus", "name at least one SKU")
    if len(skus) > MAX_SKUS_PER_LOOKUP:
        raise InvalidSkuListError("skus", f"at most {MAX_SKUS_PER_LOOKUP} SKUs at a time")
    for sku in skus:
        if not _SKU.match(sku):
            raise InvalidSkuListError("skus", f"{sku!r} is not a SKU (1-64 letters, digits, . _ -)")
    return skus


def _now() -> datetime:
    return datetime.now(UTC)


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


class _Service:
    def _publish(self, event: Event) -> None:
        Outbox.add(self.repository.session, event, SLUG)  # type: ignore[attr-defined]

    async def commit(self) -> None:
        """End the unit of work now, so the cache can be invalidated after it is visible."""
        await self.repository.session.commit()  # type: ignore[attr-defined]


# --- currencies ----------------------------------------------------------------------------


class CurrencyService(_Service, SQLAlchemyAsyncRepositoryService[models.Currency]):
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
        products = ProductService(session=self.repository.session)
        return await products.announce_repricing(old, new)


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


# --- categories ----------------------------------------------------------------------------


class CategoryService(_Service, SQLAlchemyAsyncRepositoryService[models.Category]):
    class Repo(SQLAlchemyAsyncRepository[models.Category]):
        model_type = models.Category

    repository_type = Repo

    async def tree(self) -> CategoryTree:
        return CategoryTree(await self.get_many())

    async def view(self) -> CatalogView:
        prices = await CurrencyService(session=self.repository.session).price_table()
        return CatalogView(await self.tree(), prices)

    async def categories(self) -> schemas.CategoryList:
        tree = await self.tree()
        items = [
            schemas.Category(
                id=c.id, slug=c.slug, name=c.name, parent_id=c.parent_id, path=tree.path(c.id)
            )
            for c in tree.ordered()
        ]
        return schemas.CategoryList(items=items, total=len(items))

    def render(self, tree: CategoryTree, category: models.Category) -> schemas.Category:
        return schemas.Category(
            id=category.id,
            slug=category.slug,
            name=category.name,
            parent_id=category.parent_id,
            path=tree.path(category.id),
        )

    async def create_category(self, data: schemas.CategoryCreate) -> schemas.Category:
        tree = await self.tree()
        slug = data.slug or slugify(data.name)
        if not slug:
            raise InvalidSlugError("slug", "give a slug: none can be made from this name")
        if slug in tree.by_slug:
            raise SlugTakenError("slug", f"a category with slug {slug!r} already exists")
        if data.parent_id is not None and data.parent_id not in tree.nodes:
            raise UnknownCategoryError("parent_id", f"no category with id {data.parent_id}")
        category = await self.create(
            models.Category(slug=slug, name=data.name, parent_id=data.parent_id)
        )
        return self.render(CategoryTree([*tree.nodes.values(), category]), category)

    async def update_category(
        self, category_id: UUID, data: schemas.CategoryUpdate
    ) -> schemas.Category:
        """Rename, re-slug or move; products below it are re-announced (their path changed)."""
        tree = await self.tree()
        category = tree.nodes.get(category_id)
        if category is None:
            raise CategoryNotFoundError(f"No category with id {category_id}.")
        changes = set_fields(data)
        slug = changes.get("slug", category.slug)
        if slug != category.slug and slug in tree.by_slug:
            raise SlugTakenError("slug", f"a category with slug {slug!r} already exists")
        if changes.get("parent_id") is not None:
            parent_id = changes["parent_id"]
            if parent_id not in tree.nodes:
                raise UnknownCategoryError("parent_id", f"no category with id {parent_id}")
            if parent_id in tree.descendants(category_id):
                raise CategoryCycleError("parent_id", "a category cannot move below itself")
        if not changes:
            return self.render(tree, category)
        for name, value in changes.items():
            setattr(category, name, value)
        await self.repository.session.flush()
        tree = await self.tree()
        view = CatalogView(
            tree, await CurrencyService(session=self.repository.session).price_table()
        )
        products = ProductService(session=self.repository.session)
        await products.announce_category_change(view, tree.descendants(category_id))
        return self.render(tree, category)

    async def delete_category(self, category_id: UUID) -> None:
        tree = await self.tree()
        if category_id not in tree.nodes:
            raise CategoryNotFoundError(f"No category with id {category_id}.")
        if len(tree.descendants(category_id)) > 1:
            raise CategoryInUseError("The category has subcategories; move or delete them first.")
        products = ProductService(session=self.repository.session)
        if await products.exists(category_id=category_id):
            raise CategoryInUseError("Products are filed under this category; move them first.")
        await self.delete(category_id)


# --- products ------------------------------------------------------------------------------


class ProductService(_Service, SQLAlchemyAsyncRepositoryService[models.Product]):
    class Repo(SQLAlchemyAsyncRepository[models.Product]):
        model_type = models.Product

    repository_type = Repo

    async def view(self) -> CatalogView:
        return await CategoryService(session=self.repository.session).view()

    # reads

    async def page(
        self,
        view: CatalogView,
        *,
        page: LimitOffset,
        category: str | None = None,
        status: str | None = "active",
        text: str | None = None,
    ) -> tuple[list[models.Product], int]:
        """`text`: only products whose name, slug or brand, or one of whose SKUs, contains it
        (case does not matter)."""
        filters: list[ColumnElement[bool]] = []
        if status is not None:
            filters.append(models.Product.status == status)
        if text:
            filters.append(_containing(text))
        if category:
            node = view.tree.by_slug.get(category)
            if node is None:
                raise UnknownCategoryError("category", f"no category with slug {category!r}")
            filters.append(models.Product.category_id.in_(view.tree.descendants(node.id)))
        items, total = await self.get_many_and_count(
            *filters, page, OrderBy("created_at", "asc"), OrderBy("id", "asc")
        )
        return list(items), total

    async def find(self, id_or_slug: str, *, include_unpublished: bool) -> models.Product:
        try:
            product = await self.get_one_or_none(id=UUID(id_or_slug))
        except ValueError:
            product = await self.get_one_or_none(slug=id_or_slug)
        if product is None or (not include_unpublished and product.status != "active"):
            raise ProductNotFoundError(f"No product {id_or_slug!r}.")
        return product

    async def skus(
        self, view: CatalogView, skus: Sequence[str], currency: str, *, include_drafts: bool
    ) -> schemas.SkuList:
        """The asked SKUs that exist, in the order asked; drafts only for admins."""
        filters: list[ColumnElement[bool]] = [models.Variant.sku.in_(list(skus))]
        if not include_drafts:
            filters.append(models.Product.status != "draft")
        rows = await self.repository.session.execute(
            select(models.Variant, models.Product)
            .join(models.Product, models.Product.id == models.Variant.product_id)
            .where(*filters)
        )
        found = {variant.sku: (variant, product) for variant, product in rows.tuples()}
        return schemas.SkuList(
            items=[view.render_sku(*found[sku], currency) for sku in skus if sku in found]
        )

    # writes

    async def create_product(self, data: schemas.ProductCreate) -> schemas.Product:
        view = await self.view()
        slug = data.slug or slugify(data.name)
        if not slug:
            raise InvalidSlugError("slug", "give a slug: none can be made from this name")
        _check_product_slug(slug)
        self._check_category(view, data.category_id)
        self._check_variants(view, data.variants)
        if await self.exists(slug=slug):
            raise SlugTakenError("slug", f"a product with slug {slug!r} already exists")
        await self._check_skus_free(data.variants, product_id=None)
        product = models.Product(
            slug=slug,
            name=data.name,
            description=data.description,
            brand=data.brand,
            status=data.status,
            category_id=data.category_id,
            images=list(data.images),
            attributes=dict(data.attributes),
            variants=[_new_variant(i, v) for i, v in enumerate(data.variants)],
        )
        product = await self.create(product)
        self._publish(view.snapshot(product, ProductCreated))
        return view.render(product)

    async def update_product(
        self, product_id: UUID, data: schemas.ProductUpdate
    ) -> schemas.Product:
        view = await self.view()
        product = await self.get_one_or_none(id=product_id)
        if product is None:
            raise ProductNotFoundError(f"No product {product_id}.")
        changes = set_fields(data)
        if "category_id" in changes:
            self._check_category(view, changes["category_id"])
        if "variants" in changes:
            self._check_variants(view, changes["variants"])
        slug = changes.get("slug", product.slug)
        if slug != product.slug:
            _check_product_slug(slug)
        if slug != product.slug and await self.exists(slug=slug):
            raise SlugTakenError("slug", f"a product with slug {slug!r} already exists")
        if "variants" in changes:
            await self._check_skus_free(changes["variants"], product_id=product.id)

        repriced: list[models.Variant] = []
        if "variants" in changes:
            repriced = self._replace_variants(view, product, changes.pop("variants"))
        for name, value in changes.items():
            setattr(product, name, list(value) if name == "images" else value)
        product.updated_at = _now()
        await self.repository.session.flush()
        self._publish(view.snapshot(product, ProductUpdated))
        for variant in repriced:
            self._publish(view.price_changed(product.id, variant))
        return view.render(product)

    async def delete_product(self, product_id: UUID) -> None:
        product = await self.get_one_or_none(id=product_id)
        if product is None:
            raise ProductNotFoundError(f"No product {product_id}.")
        skus = [variant.sku for variant in product.variants]
        await self.delete(product_id)
        self._publish(ProductDeleted(product_id=str(product_id), skus=skus))

    async def announce_repricing(self, old: PriceTable, new: PriceTable) -> int:
        """`price.changed` for every SKU whose resolved prices differ between the tables."""
        view = CatalogView(CategoryTree([]), new)
        variants = (await self.repository.session.scalars(select(models.Variant))).all()
        changed = 0
        for variant in variants:
            before = old.resolve(variant.base_price, variant.explicit_prices)
            if before != new.resolve(variant.base_price, variant.explicit_prices):
                self._publish(view.price_changed(variant.product_id, variant))
                changed += 1
        return changed

    async def announce_category_change(self, view: CatalogView, category_ids: set[UUID]) -> None:
        products = await self.get_many(models.Product.category_id.in_(category_ids))
        for product in products:
            self._publish(view.snapshot(product, ProductUpdated))

    # rules

    @staticmethod
    def _check_category(view: CatalogView, category_id: UUID) -> None:
        if category_id not in view.tree.nodes:
            raise UnknownCategoryError("category_id", f"no category with id {category_id}")

    @staticmethod
    def _check_variants(view: CatalogView, variants: Sequence[schemas.VariantIn]) -> None:
        seen: set[str] = set()
        for index, variant in enumerate(variants):
            at = f"variants[{index}]"
            if variant.sku in seen:
                raise DuplicateSkuInRequestError(f"{at}.sku", f"{variant.sku!r} appears twice")
            seen.add(variant.sku)
            if variant.base_price.currency != BASE_CURRENCY:
                raise InvalidPriceError(
                    f"{at}.base_price.currency", f"base prices are in {BASE_CURRENCY}"
                )
            for code in variant.prices:
                if code == BASE_CURRENCY:
                    raise InvalidPriceError(
                        f"{at}.prices.{code}", "the base currency's price is `base_price`"
                    )
                view.check_currency(code, field=f"{at}.prices.{code}")

    async def _check_skus_free(
        self, variants: Sequence[schemas.VariantIn], product_id: UUID | None
    ) -> None:
        wanted = {variant.sku: index for index, variant in enumerate(variants)}
        clashes = (
            await self.repository.session.scalars(
                select(models.Variant).where(models.Variant.sku.in_(list(wanted)))
            )
        ).all()
        for clash in sorted(clashes, key=lambda v: wanted[v.sku]):
            if clash.product_id != product_id:
                raise SkuTakenError(
                    f"variants[{wanted[clash.sku]}].sku",
                    f"SKU {clash.sku!r} already belongs to another product",
                )

    @staticmethod
    def _replace_variants(
        view: CatalogView, product: models.Product, variants: Sequence[schemas.VariantIn]
    ) -> list[models.Variant]:
        """Make the product's SKUs exactly `variants`; returns the kept ones whose price moved."""
        existing = {variant.sku: variant for variant in product.variants}
        repriced: list[models.Variant] = []
        result: list[models.Variant] = []
        for index, data in enumerate(variants):
            variant = existing.get(data.sku)
            if variant is None:
                result.append(_new_variant(index, data))
                continue
            before = view.prices.resolve(variant.base_price, variant.explicit_prices)
            variant.position = index
            variant.options = dict(data.options)
            variant.base_price = data.base_price.amount
            variant.explicit_prices = dict(data.prices)
            if variant.base_price != before[BASE_CURRENCY] or before != view.prices.resolve(
                variant.base_price, variant.explicit_prices
            ):
                repriced.append(variant)
            result.append(variant)
        product.variants = result
        return repriced


RESERVED_PRODUCT_SLUGS = frozenset({"skus"})  # `/api/products/skus` is the SKU lookup


def _check_product_slug(slug: str) -> None:
    if slug in RESERVED_PRODUCT_SLUGS:
        raise InvalidSlugError("slug", f"{slug!r} is reserved (it names a route)")


def _new_variant(position: int, data: schemas.VariantIn) -> models.Variant:
    return models.Variant(
        sku=data.sku,
        position=position,
        options=dict(data.options),
        base_price=data.base_price.amount,
        explicit_prices=dict(data.prices),
    )


def _containing(text: str) -> ColumnElement[bool]:
    """A product whose name, slug or brand, or one of whose SKUs, contains `text` (any case;
    `%` and `_` in it are taken literally)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    with_sku = select(models.Variant.product_id).where(
        models.Variant.sku.ilike(pattern, escape="\\")
    )
    return or_(
        models.Product.name.ilike(pattern, escape="\\"),
        models.Product.slug.ilike(pattern, escape="\\"),
        models.Product.brand.ilike(pattern, escape="\\"),
        models.Product.id.in_(with_sku),
    )

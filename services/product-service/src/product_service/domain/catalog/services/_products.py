"""Products with their variants (SKUs) and prices: found, listed, created, changed, deleted,
each change announced in its own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from advanced_alchemy.filters import LimitOffset, OrderBy
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from shopkit.schemas import set_fields
from sqlalchemy import ColumnElement, or_, select

from product_service.db import models
from product_service.domain.catalog import schemas
from product_service.domain.catalog._errors import (
    DuplicateSkuInRequestError,
    InvalidPriceError,
    InvalidSlugError,
    ProductNotFoundError,
    SkuTakenError,
    SlugTakenError,
    UnknownCategoryError,
)
from product_service.domain.catalog._pricing import BASE_CURRENCY, PriceTable
from product_service.domain.catalog._tree import CategoryTree
from product_service.domain.catalog.services import _categories
from product_service.domain.catalog.services._base import (
    CatalogService,
    FlushingRepository,
    _now,
    slugify,
)
from product_service.domain.catalog.services._view import CatalogView
from product_service.events.events import (
    ProductCreated,
    ProductDeleted,
    ProductUpdated,
)


class ProductService(CatalogService, SQLAlchemyAsyncRepositoryService[models.Product]):
    class Repo(FlushingRepository, SQLAlchemyAsyncRepository[models.Product]):
        model_type = models.Product

        async def variants_of(
            self, skus: Sequence[str], *, include_drafts: bool
        ) -> list[tuple[models.Variant, models.Product]]:
            """The variants with these SKUs and their products (drafts only if asked)."""
            filters: list[ColumnElement[bool]] = [models.Variant.sku.in_(list(skus))]
            if not include_drafts:
                filters.append(models.Product.status != "draft")
            rows = await self.session.execute(
                select(models.Variant, models.Product)
                .join(models.Product, models.Product.id == models.Variant.product_id)
                .where(*filters)
            )
            return list(rows.tuples())

        async def variants(self, skus: Sequence[str] | None = None) -> Sequence[models.Variant]:
            """Every variant, or those with these SKUs."""
            query = select(models.Variant)
            if skus is not None:
                query = query.where(models.Variant.sku.in_(list(skus)))
            return (await self.session.scalars(query)).all()

    repository_type = Repo

    @property
    def repo(self) -> Repo:
        repo: ProductService.Repo = self.repository  # type: ignore[assignment]
        return repo

    async def view(self) -> CatalogView:
        return await _categories.CategoryService(self._session).view()

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
        rows = await self.repo.variants_of(skus, include_drafts=include_drafts)
        found = {variant.sku: (variant, product) for variant, product in rows}
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
        self._changed()
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
        await self.repo.flush()
        self._publish(view.snapshot(product, ProductUpdated))
        for variant in repriced:
            self._publish(view.price_changed(product.id, variant))
        self._changed()
        return view.render(product)

    async def delete_product(self, product_id: UUID) -> None:
        product = await self.get_one_or_none(id=product_id)
        if product is None:
            raise ProductNotFoundError(f"No product {product_id}.")
        skus = [variant.sku for variant in product.variants]
        await self.delete(product_id)
        self._publish(ProductDeleted(product_id=str(product_id), skus=skus))
        self._changed()

    async def announce_repricing(self, old: PriceTable, new: PriceTable) -> int:
        """`price.changed` for every SKU whose resolved prices differ between the tables."""
        view = CatalogView(CategoryTree([]), new)
        variants = await self.repo.variants()
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
        clashes = await self.repo.variants(list(wanted))
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

"""Categories: a tree of slugs; moving or renaming one re-announces the products below it."""

from __future__ import annotations

from uuid import UUID

from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from shopkit.schemas import set_fields

from product_service.db import models
from product_service.domain.catalog import schemas
from product_service.domain.catalog._errors import (
    CategoryCycleError,
    CategoryInUseError,
    CategoryNotFoundError,
    InvalidSlugError,
    SlugTakenError,
    UnknownCategoryError,
)
from product_service.domain.catalog._tree import CategoryTree
from product_service.domain.catalog.services import _products
from product_service.domain.catalog.services._base import (
    CatalogService,
    FlushingRepository,
    slugify,
)
from product_service.domain.catalog.services._currencies import CurrencyService
from product_service.domain.catalog.services._view import CatalogView


class CategoryService(CatalogService, SQLAlchemyAsyncRepositoryService[models.Category]):
    class Repo(FlushingRepository, SQLAlchemyAsyncRepository[models.Category]):
        model_type = models.Category

    repository_type = Repo

    async def tree(self) -> CategoryTree:
        return CategoryTree(await self.get_many())

    async def view(self) -> CatalogView:
        prices = await CurrencyService(self._session).price_table()
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
        self._changed()
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
        await self.repository.flush()  # type: ignore[attr-defined]
        tree = await self.tree()
        view = CatalogView(tree, await CurrencyService(self._session).price_table())
        products = _products.ProductService(self._session)
        await products.announce_category_change(view, tree.descendants(category_id))
        self._changed()
        return self.render(tree, category)

    async def delete_category(self, category_id: UUID) -> None:
        tree = await self.tree()
        if category_id not in tree.nodes:
            raise CategoryNotFoundError(f"No category with id {category_id}.")
        if len(tree.descendants(category_id)) > 1:
            raise CategoryInUseError("The category has subcategories; move or delete them first.")
        if await _products.ProductService(self._session).exists(category_id=category_id):
            raise CategoryInUseError("Products are filed under this category; move them first.")
        await self.delete(category_id)
        self._changed()

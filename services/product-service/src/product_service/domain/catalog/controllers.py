"""HTTP for the catalog: anyone reads (cached, with ETags), admins write.

Writes do not commit: the request's unit of work is committed before the answer (the SDK), and
the catalog's services drop the read cache once it is, so the next read, from any replica,
sees the change.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from shopkit.auth import requires_admin
from shopkit.openapi_problems import problem_responses
from shopkit.providers import OnFirstUse

from product_service.domain.catalog import schemas
from product_service.domain.catalog._http import (
    CatalogCache,
    Encoded,
    is_admin,
    json_response,
    private_response,
)
from product_service.domain.catalog.services import (
    CategoryService,
    CurrencyService,
    ProductService,
    parse_skus,
)

PUBLIC = [{}]


def _served(encoded: Encoded, request: Request[Any, Any, Any], max_age: int) -> Any:
    """The cached bytes as the documented type (Litestar sends bytes as they are)."""
    return json_response(request, encoded, max_age)


class CategoryController(Controller):
    path = "/api/categories"
    tags = ["categories"]

    @get("/", operation_id="listCategories", security=PUBLIC)
    async def list_categories(
        self,
        request: Request[Any, Any, Any],
        categories_on_use: NamedDependency[OnFirstUse[CategoryService]],
        cache: NamedDependency[CatalogCache],
        max_age: NamedDependency[int],
    ) -> Response[schemas.CategoryList]:
        """Every category, flat, parents before children: `parent_id` links a node to its
        parent (null for a root) and `path` lists slugs from the root."""
        body = await cache.get_or_load("categories", lambda: categories_on_use().categories())
        return _served(body, request, max_age)

    @post(
        "/",
        operation_id="createCategory",
        guards=[requires_admin],
        responses=problem_responses(409, description="A category with this name or slug exists"),
    )
    async def create_category(
        self,
        categories: NamedDependency[CategoryService],
        data: JSONBody[schemas.CategoryCreate],
    ) -> schemas.Category:
        category = await categories.create_category(data)
        return category

    @patch("/{category_id:uuid}", operation_id="updateCategory", guards=[requires_admin])
    async def update_category(
        self,
        categories: NamedDependency[CategoryService],
        category_id: FromPath[UUID],
        data: JSONBody[schemas.CategoryUpdate],
    ) -> schemas.Category:
        """Rename, re-slug or move a category; its products are re-announced."""
        category = await categories.update_category(category_id, data)
        return category

    @delete("/{category_id:uuid}", operation_id="deleteCategory", guards=[requires_admin])
    async def delete_category(
        self,
        categories: NamedDependency[CategoryService],
        category_id: FromPath[UUID],
    ) -> None:
        """Only an empty leaf: no subcategories, no products (409 otherwise)."""
        await categories.delete_category(category_id)


class ProductController(Controller):
    path = "/api/products"
    tags = ["products"]

    @get("/", operation_id="listProducts", security=PUBLIC)
    async def list_products(
        self,
        request: Request[Any, Any, Any],
        products_on_use: NamedDependency[OnFirstUse[ProductService]],
        cache: NamedDependency[CatalogCache],
        max_age: NamedDependency[int],
        page: NamedDependency[LimitOffset],
        category: FromQuery[str | None] = None,
        currency: FromQuery[str | None] = None,
        status: FromQuery[schemas.Status | None] = None,
        q: Annotated[
            str | None,
            QueryParameter(
                max_length=100,
                description="only products whose name, slug, brand or a SKU contains this",
            ),
        ] = None,
    ) -> Response[schemas.ProductPage]:
        """Products in creation order, prices in `currency` (EUR by default). `category` is a
        slug and includes its descendants; `q` keeps the products whose name, slug, brand or a
        SKU contains it (any case: the admin's product search; shoppers search with
        search-service). Anonymous callers and customers see active products only; admins see
        every status (or the one `status` asks for)."""
        text = (q or "").strip() or None

        async def load(view_status: str | None) -> schemas.ProductPage:
            products = products_on_use()
            view = await products.view()
            code = view.check_currency(currency)
            items, total = await products.page(
                view, page=page, category=category, status=view_status, text=text
            )
            return schemas.ProductPage(
                items=[view.render(item, code) for item in items],
                total=total,
                limit=page.limit,
                offset=page.offset,
            )

        if is_admin(request):
            return private_response(await load(status))
        if text:  # not cached: one caller's words are rarely another's
            return private_response(await load("active"))
        key = f"products:{category or ''}:{(currency or 'EUR').upper()}:{page.limit}:{page.offset}"
        body = await cache.get_or_load(key, lambda: load("active"))
        return _served(body, request, max_age)

    @get("/skus", operation_id="getSkus", security=PUBLIC)
    async def get_skus(
        self,
        request: Request[Any, Any, Any],
        products_on_use: NamedDependency[OnFirstUse[ProductService]],
        cache: NamedDependency[CatalogCache],
        max_age: NamedDependency[int],
        skus: Annotated[
            str | None, QueryParameter(description="Comma-separated SKUs (1 to 100).")
        ] = None,
        currency: FromQuery[str | None] = None,
    ) -> Response[schemas.SkuList]:
        """Current prices of the asked SKUs in `currency` (EUR by default), with what a cart
        or an order line shows: the product's name, slug, first image and status. Unknown SKUs
        are left out; drafts are seen by admins only."""
        wanted = parse_skus(skus or "")
        admin = is_admin(request)

        async def load() -> schemas.SkuList:
            products = products_on_use()
            view = await products.view()
            code = view.check_currency(currency)
            return await products.skus(view, wanted, code, include_drafts=admin)

        if admin:
            return private_response(await load())
        digest = hashlib.sha256(",".join(wanted).encode()).hexdigest()[:32]
        key = f"skus:{(currency or 'EUR').upper()}:{digest}"
        return _served(await cache.get_or_load(key, load), request, max_age)

    @get("/{product_ref:str}", operation_id="getProduct", security=PUBLIC)
    async def get_product(
        self,
        request: Request[Any, Any, Any],
        products_on_use: NamedDependency[OnFirstUse[ProductService]],
        cache: NamedDependency[CatalogCache],
        max_age: NamedDependency[int],
        product_ref: FromPath[str],
        currency: FromQuery[str | None] = None,
    ) -> Response[schemas.Product]:
        """One product by id or slug, in the same shape as list items."""
        admin = is_admin(request)

        async def load() -> schemas.Product:
            products = products_on_use()
            view = await products.view()
            code = view.check_currency(currency)
            product = await products.find(product_ref, include_unpublished=admin)
            return view.render(product, code)

        if admin:
            return private_response(await load())
        key = f"product:{product_ref}:{(currency or 'EUR').upper()}"
        return _served(await cache.get_or_load(key, load), request, max_age)

    @post("/", operation_id="createProduct", guards=[requires_admin])
    async def create_product(
        self,
        products: NamedDependency[ProductService],
        data: JSONBody[schemas.ProductCreate],
    ) -> schemas.Product:
        """A product with its SKUs; announced as `product.created.v1`."""
        product = await products.create_product(data)
        return product

    @patch("/{product_ref:str}", operation_id="updateProduct", guards=[requires_admin])
    async def update_product(
        self,
        products: NamedDependency[ProductService],
        product_ref: FromPath[str],
        data: JSONBody[schemas.ProductUpdate],
    ) -> schemas.Product:
        """Change what is sent; `variants` replaces the SKU set. Announced as
        `product.updated.v1`, plus `price.changed.v1` for each kept SKU whose price moved."""
        product = await products.find(product_ref, include_unpublished=True)
        updated = await products.update_product(product.id, data)
        return updated

    @delete("/{product_ref:str}", operation_id="deleteProduct", guards=[requires_admin])
    async def delete_product(
        self,
        products: NamedDependency[ProductService],
        product_ref: FromPath[str],
    ) -> None:
        """Remove a product and its SKUs; announced as `product.deleted.v1`."""
        product = await products.find(product_ref, include_unpublished=True)
        await products.delete_product(product.id)


class CurrencyController(Controller):
    path = "/api/currencies"
    tags = ["currencies"]

    @get("/", operation_id="listCurrencies", security=PUBLIC)
    async def list_currencies(
        self,
        request: Request[Any, Any, Any],
        currencies_on_use: NamedDependency[OnFirstUse[CurrencyService]],
        cache: NamedDependency[CatalogCache],
        max_age: NamedDependency[int],
    ) -> Response[schemas.CurrencyList]:
        """Supported currencies, their minor-unit exponent and the rate from EUR."""
        body = await cache.get_or_load("currencies", lambda: currencies_on_use().currencies())
        return _served(body, request, max_age)

    @put("/rates", operation_id="updateRates", guards=[requires_admin])
    async def update_rates(
        self,
        currencies: NamedDependency[CurrencyService],
        data: JSONBody[schemas.RatesUpdate],
    ) -> schemas.CurrencyList:
        """Set rates (decimal strings); every SKU whose resolved price moves is announced as
        `price.changed.v1`."""
        await currencies.update_rates(data)
        return await currencies.currencies()

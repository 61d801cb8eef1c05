"""Products (list, create, edit, prices per currency, archive) and categories."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote, urlencode

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from admin.deps import provide_api
from admin.gateway import Api, ApiError
from admin.money import AmountError, parse_amount
from admin.pages import done, page, refused
from admin.prices import (
    BASE_CURRENCY,
    currency_codes,
    field_name,
    variant_rows,
    variants_from_form,
)

PAGE_SIZE = 50
STATUSES = ("draft", "active", "archived")


def _product_path(product_id: str) -> str:
    return f"/api/products/{quote(product_id, safe='')}"


def _category_options(categories: dict[str, Any]) -> list[dict[str, Any]]:
    """Categories in tree order, with their depth for indentation."""
    return [
        {**item, "depth": max(len(item.get("path", [])) - 1, 0)}
        for item in categories.get("items", [])
    ]


class ProductController(Controller):
    path = "/admin/products"
    dependencies = {"api": Provide(provide_api)}

    @get("/", name="products")
    async def list_products(
        self,
        request: Request[Any, Any, Any],
        api: NamedDependency[Api],
        q: FromQuery[str] = "",
        status: FromQuery[str] = "",
        category: FromQuery[str] = "",
        offset: FromQuery[int] = 0,
    ) -> Template:
        q = q.strip()
        offset = max(offset, 0)
        # product-service searches name, slug, brand and SKUs (`q`) and pages the result.
        listing, categories = await asyncio.gather(
            api.get(
                "/api/products",
                limit=PAGE_SIZE,
                offset=offset,
                status=status if status in STATUSES else None,
                category=category or None,
                q=q or None,
            ),
            api.get("/api/categories"),
        )
        items, total = listing.get("items", []), int(listing.get("total", 0))
        filters = {"q": q, "status": status, "category": category}
        base_query = urlencode({k: v for k, v in filters.items() if v})
        return page(
            request,
            "products/list.html",
            section="products",
            products=items,
            total=total,
            offset=offset,
            page_size=PAGE_SIZE,
            filters=filters,
            base_query=base_query,
            statuses=STATUSES,
            categories=_category_options(categories),
        )

    @get("/new", name="products.new")
    async def new_product(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api]
    ) -> Template:
        categories = await api.get("/api/categories")
        return page(
            request,
            "products/new.html",
            section="products",
            categories=_category_options(categories),
            statuses=STATUSES,
        )

    @post("/new", name="products.create")
    async def create_product(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api]
    ) -> Redirect:
        form = await request.form()
        name = str(form.get("name", "")).strip()
        sku = str(form.get("sku", "")).strip()
        status = str(form.get("status", "draft"))
        if not name or not sku:
            return refused(request, "/admin/products/new", "A product needs a name and a SKU.")
        try:
            base = parse_amount(str(form.get("price", "")), BASE_CURRENCY)
        except AmountError as exc:
            return refused(request, "/admin/products/new", f"Price {BASE_CURRENCY}: {exc}")
        body = {
            "name": name,
            "description": str(form.get("description", "")),
            "brand": str(form.get("brand", "")).strip(),
            "category_id": str(form.get("category_id", "")),
            "status": status if status in STATUSES else "draft",
            "variants": [{"sku": sku, "base_price": {"amount": base, "currency": BASE_CURRENCY}}],
        }
        try:
            created = await api.post("/api/products", body)
        except ApiError as exc:
            return refused(request, "/admin/products/new", exc.message)
        return done(request, f"/admin/products/{created['id']}", "Created")

    @get("/{product_id:str}", name="products.detail")
    async def product_detail(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api], product_id: FromPath[str]
    ) -> Template:
        product, categories, currencies = await asyncio.gather(
            api.get(_product_path(product_id)),
            api.get("/api/categories"),
            api.get("/api/currencies"),
        )
        codes = currency_codes(currencies)
        return page(
            request,
            "products/detail.html",
            section="products",
            product=product,
            categories=_category_options(categories),
            currencies=codes,
            rows=variant_rows(product, codes),
            field_name=field_name,
            statuses=STATUSES,
        )

    @post("/{product_id:str}", name="products.save")
    async def save_product(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api], product_id: FromPath[str]
    ) -> Redirect:
        here = f"/admin/products/{quote(product_id, safe='')}"
        form = await request.form()
        product, currencies = await asyncio.gather(
            api.get(_product_path(product_id)), api.get("/api/currencies")
        )
        codes = currency_codes(currencies)
        variants, errors = variants_from_form(product, codes, form)
        name = str(form.get("name", "")).strip()
        if not name:
            errors.insert(0, "Name: a product needs a name.")
        if errors:
            return refused(request, here, "Not saved. " + " ".join(errors))
        body: dict[str, Any] = {
            "name": name,
            "description": str(form.get("description", "")),
            "variants": variants,
        }
        if form.get("category_id"):
            body["category_id"] = str(form.get("category_id"))
        if form.get("status") in STATUSES:
            body["status"] = str(form.get("status"))
        try:
            await api.patch(_product_path(product_id), body)
        except ApiError as exc:
            return refused(request, here, f"Not saved. {exc.message}")
        return done(request, here, "Saved")

    @post("/{product_id:str}/archive", name="products.archive")
    async def archive_product(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api], product_id: FromPath[str]
    ) -> Redirect:
        here = f"/admin/products/{quote(product_id, safe='')}"
        try:
            await api.patch(_product_path(product_id), {"status": "archived"})
        except ApiError as exc:
            return refused(request, here, f"Not archived. {exc.message}")
        return done(request, here, "Archived")


class CategoryController(Controller):
    path = "/admin/categories"
    dependencies = {"api": Provide(provide_api)}

    @get("/", name="categories")
    async def list_categories(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api]
    ) -> Template:
        categories = await api.get("/api/categories")
        return page(
            request,
            "categories.html",
            section="categories",
            categories=_category_options(categories),
        )

    @post("/", name="categories.create")
    async def create_category(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api]
    ) -> Redirect:
        form = await request.form()
        name = str(form.get("name", "")).strip()
        if not name:
            return refused(request, "/admin/categories", "A category needs a name.")
        body: dict[str, Any] = {"name": name, "parent_id": str(form.get("parent_id", "")) or None}
        if str(form.get("slug", "")).strip():
            body["slug"] = str(form.get("slug")).strip()
        try:
            await api.post("/api/categories", body)
        except ApiError as exc:
            return refused(request, "/admin/categories", f"Not created. {exc.message}")
        return done(request, "/admin/categories", f"Category {name} created")

    @post("/{category_id:str}", name="categories.save")
    async def rename_category(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api], category_id: FromPath[str]
    ) -> Redirect:
        form = await request.form()
        name = str(form.get("name", "")).strip()
        if not name:
            return refused(request, "/admin/categories", "A category needs a name.")
        try:
            await api.patch(f"/api/categories/{quote(category_id, safe='')}", {"name": name})
        except ApiError as exc:
            return refused(request, "/admin/categories", f"Not renamed. {exc.message}")
        return done(request, "/admin/categories", "Saved")

    @post("/{category_id:str}/delete", name="categories.delete")
    async def delete_category(
        self, request: Request[Any, Any, Any], api: NamedDependency[Api], category_id: FromPath[str]
    ) -> Redirect:
        try:
            await api.delete(f"/api/categories/{quote(category_id, safe='')}")
        except ApiError as exc:
            return refused(request, "/admin/categories", f"Not deleted. {exc.message}")
        return done(request, "/admin/categories", "Category deleted")

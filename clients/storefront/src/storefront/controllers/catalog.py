"""Home, category listings, search results and product pages."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template

from storefront.pages import Shop
from storefront.reference import category_tree, find_category

SORTS = {
    "relevance": "Best match",
    "newest": "Newest",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
}
FEATURED = 8
MAX_PAGE = 500

Page = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
Text = Annotated[str | None, QueryParameter(max_length=200)]
MinorUnits = Annotated[int | None, QueryParameter(ge=0)]


class CatalogController(Controller):
    @get("/", operation_id="home")
    async def home(self, shop: NamedDependency[Shop]) -> Template:
        featured, categories = await asyncio.gather(
            shop.api.get(
                "/api/search",
                {
                    "sort": "newest",
                    "in_stock": "true",
                    "limit": FEATURED,
                    "currency": shop.currency,
                },
            ),
            shop.reference.categories(shop.api),
        )
        return await shop.render(
            "home.html",
            {"featured": featured.get("items", []), "category_tree": category_tree(categories)},
        )

    @get("/categories/{ref:str}", operation_id="category")
    async def category(
        self,
        shop: NamedDependency[Shop],
        ref: FromPath[str],
        brand: Text = None,
        min_price: MinorUnits = None,
        max_price: MinorUnits = None,
        in_stock: FromQuery[bool | None] = None,
        sort: Text = None,
        page: Page = 1,
    ) -> Template:
        categories = await shop.reference.categories(shop.api, required=True)
        category = find_category(categories, ref)
        if category is None:
            raise NotFoundException
        children = [c for c in categories if c.get("parent_id") == category["id"]]
        filters = {
            "brand": brand,
            "min_price": min_price,
            "max_price": max_price,
            "in_stock": _flag(in_stock),
            "sort": sort if sort in SORTS else None,
        }
        results = await _search(shop, {**filters, "category": category["slug"]}, page)
        return await shop.render(
            "listing.html",
            {
                "heading": category["name"],
                "category": category,
                "subcategories": children,
                "breadcrumbs": _breadcrumbs(categories, category),
                "filters": filters,
                "base_path": f"/categories/{category['slug']}",
                **results,
            },
        )

    @get("/search", operation_id="search")
    async def search(
        self,
        shop: NamedDependency[Shop],
        q: Text = None,
        category: Text = None,
        brand: Text = None,
        min_price: MinorUnits = None,
        max_price: MinorUnits = None,
        in_stock: FromQuery[bool | None] = None,
        sort: Text = None,
        page: Page = 1,
    ) -> Template:
        query = (q or "").strip()
        filters = {
            "q": query or None,
            "category": category,
            "brand": brand,
            "min_price": min_price,
            "max_price": max_price,
            "in_stock": _flag(in_stock),
            "sort": sort if sort in SORTS else None,
        }
        results = await _search(shop, filters, page)
        heading = f"Results for “{query}”" if query else "All products"
        return await shop.render(
            "listing.html",
            {
                "heading": heading,
                "query": query,
                "filters": filters,
                "base_path": "/search",
                **results,
            },
        )

    @get("/products/{ref:str}", operation_id="product")
    async def product(
        self, shop: NamedDependency[Shop], ref: FromPath[str], sku: Text = None
    ) -> Template:
        product, categories = await asyncio.gather(
            shop.api.get(f"/api/products/{quote(ref, safe='')}", {"currency": shop.currency}),
            shop.reference.categories(shop.api),
        )
        variants = product.get("variants") or []
        skus = [v["sku"] for v in variants]
        stock: dict[str, int] = {}
        if skus:
            answer = await shop.api.get("/api/inventory", {"skus": ",".join(skus)})
            stock = {item["sku"]: int(item.get("available", 0)) for item in answer.get("items", [])}
        for variant in variants:
            variant["available"] = stock.get(variant["sku"], 0)
        selected = next((v for v in variants if v["sku"] == sku), None) or next(
            (v for v in variants if v["available"] > 0), variants[0] if variants else None
        )
        category = find_category(categories, (product.get("category") or {}).get("slug", ""))
        return await shop.render(
            "product.html",
            {
                "product": product,
                "variants": variants,
                "selected": selected,
                "breadcrumbs": _breadcrumbs(categories, category) if category else [],
            },
        )


async def _search(
    shop: NamedDependency[Shop], filters: dict[str, Any], page: int
) -> dict[str, Any]:
    size = shop.settings.storefront.page_size
    answer = await shop.api.get(
        "/api/search",
        {**filters, "currency": shop.currency, "limit": size, "offset": (page - 1) * size},
    )
    total = int(answer.get("total", 0))
    pages = max(1, -(-total // size))
    return {
        "items": answer.get("items", []),
        "total": total,
        "facets": answer.get("facets") or {},
        "page": page,
        "pages": pages,
        "sorts": SORTS,
    }


def _flag(value: bool | None) -> str | None:
    return None if value is None else str(value).lower()


def _breadcrumbs(
    categories: list[dict[str, Any]], category: dict[str, Any]
) -> list[dict[str, Any]]:
    by_slug = {c["slug"]: c for c in categories}
    return [by_slug[slug] for slug in category.get("path", []) if slug in by_slug]

"""The catalog: categories, products with their SKUs and prices, currencies and rates."""

from product_service.domain.catalog.controllers import (
    CategoryController,
    CurrencyController,
    ProductController,
)
from product_service.domain.catalog.services import (
    CatalogView,
    CategoryService,
    CurrencyService,
    ProductService,
)

__all__ = [
    "CatalogView",
    "CategoryController",
    "CategoryService",
    "CurrencyController",
    "CurrencyService",
    "ProductController",
    "ProductService",
]

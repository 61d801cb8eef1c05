"""Catalog rules: categories, products with their SKUs and prices, currencies and rates.

Every change and the events announcing it are written in one transaction (`Outbox.add`); a
refused request raises before anything is flushed, so nothing is written. A service that
changes the catalog drops the cached reads once its change is committed (`_changed`, through
`shopkit.transactions.after_commit`): the request's unit of work commits it, not a controller.
"""

from product_service.domain.catalog.services._base import (
    MAX_SKUS_PER_LOOKUP,
    CatalogService,
    parse_skus,
    slugify,
)
from product_service.domain.catalog.services._categories import CategoryService
from product_service.domain.catalog.services._currencies import CurrencyService
from product_service.domain.catalog.services._products import ProductService
from product_service.domain.catalog.services._view import CatalogView

__all__ = [
    "MAX_SKUS_PER_LOOKUP",
    "CatalogService",
    "CatalogView",
    "CategoryService",
    "CurrencyService",
    "ProductService",
    "parse_skus",
    "slugify",
]

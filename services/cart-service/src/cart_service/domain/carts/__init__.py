"""Carts: guest and customer carts in Redis, priced live from the catalog."""

from cart_service.domain.carts._catalog import Catalog, HttpCatalog
from cart_service.domain.carts._store import CartStore
from cart_service.domain.carts.controllers import CartController
from cart_service.domain.carts.services import CartService

__all__ = ["CartController", "CartService", "CartStore", "Catalog", "HttpCatalog"]

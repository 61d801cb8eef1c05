"""The storefront's pages, one module per area."""

from storefront.controllers.account import AccountController
from storefront.controllers.cart import CartController
from storefront.controllers.catalog import CatalogController
from storefront.controllers.checkout import CheckoutController
from storefront.controllers.health import HealthController
from storefront.controllers.orders import OrdersController
from storefront.controllers.password import PasswordResetController
from storefront.controllers.preferences import PreferencesController

ROUTE_HANDLERS = [
    AccountController,
    CartController,
    CatalogController,
    CheckoutController,
    HealthController,
    OrdersController,
    PasswordResetController,
    PreferencesController,
]

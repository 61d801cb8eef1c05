"""One controller per area of the dashboard; all of them live under /admin."""

from admin.controllers.auth import AuthController
from admin.controllers.catalog import CategoryController, ProductController
from admin.controllers.dashboard import DashboardController
from admin.controllers.dead_letters import DeadLettersController
from admin.controllers.orders import OrderController
from admin.controllers.rates import RatesController
from admin.controllers.reconciliation import ReconciliationController
from admin.controllers.stock import StockController
from admin.controllers.users import UserController

CONTROLLERS = [
    AuthController,
    DashboardController,
    ProductController,
    CategoryController,
    StockController,
    OrderController,
    UserController,
    RatesController,
    DeadLettersController,
    ReconciliationController,
]

__all__ = ["CONTROLLERS"]

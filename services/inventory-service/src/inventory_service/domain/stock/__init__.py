"""Stock per SKU and warehouse, its ledger, low-stock alerts and live availability."""

from inventory_service.domain.stock._live import StockFeed
from inventory_service.domain.stock.services import Allocation, StockService

__all__ = ["Allocation", "StockFeed", "StockService"]

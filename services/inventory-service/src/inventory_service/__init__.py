"""inventory-service: Stock per SKU and warehouse, reservations with expiry, the movement ledger and live availability."""

__version__ = "0.1.0"

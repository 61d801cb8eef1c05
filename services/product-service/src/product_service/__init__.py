"""product-service: Categories, products, variants (SKUs), prices per currency and exchange rates."""

__version__ = "0.1.0"

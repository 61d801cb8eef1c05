"""The Shopkit admin dashboard (served at /admin through the gateway)."""

__version__ = "1.0.0"

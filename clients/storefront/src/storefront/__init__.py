"""The Shopkit storefront: the shop people use, rendered on the server from the public API."""

__version__ = "1.0.0"

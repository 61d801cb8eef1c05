"""user-service: accounts, credentials, roles, addresses, and the tokens every other service
trusts (JWT + JWKS)."""

__version__ = "1.0.0"

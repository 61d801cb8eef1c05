"""Test support shared by every service (load the fixtures with `shopkit.testing.plugin`)."""

from shopkit.testing._client import client_for
from shopkit.testing._database import fresh_database_url, migrate, postgres_server_url

__all__ = ["client_for", "fresh_database_url", "migrate", "postgres_server_url"]

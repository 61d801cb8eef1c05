"""Alembic environment: the SDK runs it against `DATABASE_URL` with this service's metadata,
one migrator at a time (`shopkit.db.run_migrations_online` holds an advisory lock)."""

from shopkit.db import run_migrations_online

from inventory_service.db.models import metadata

run_migrations_online(metadata)

"""Alembic environment: the SDK runs it against `DATABASE_URL` with this service's metadata.

On Kubernetes every replica's `migrate` init container runs this at once. The migration's own
connection takes a PostgreSQL advisory lock as it connects, so one replica migrates while the
others wait for it; each then reads the version table, finds the schema at head and applies
nothing. The lock ends with the connection, so a migrator that dies never leaves it behind.
"""

from typing import Any

from shopkit.db import run_migrations_online
from shopkit.tasks import lock_key
from sqlalchemy import event
from sqlalchemy.pool import Pool

from notification_service.db.models import metadata

# Advisory locks are per database, and this database is this service's alone.
MIGRATION_LOCK = lock_key("notification_service.migrations")


def _one_migrator_at_a_time(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
    cursor.close()


event.listen(Pool, "connect", _one_migrator_at_a_time)
try:
    run_migrations_online(metadata)
finally:
    event.remove(Pool, "connect", _one_migrator_at_a_time)

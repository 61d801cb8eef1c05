"""Migrations run once per release, however many replicas start at once.

Every replica's `migrate` init container runs `alembic upgrade head`; the template-owned
`db/migrations/env.py` makes the migration's connection take a PostgreSQL advisory lock first.
Here, against the real PostgreSQL on 127.0.0.1:5432, for every registered service with a
database: the test holds that lock itself, starts two `upgrade`s of a fresh database, sees both
wait for it, lets go, and then sees both succeed with the migrations applied by one of them.
"""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
import uuid

import pytest

from shopkit_platform.registry import Service, load

pytestmark = pytest.mark.integration

asyncpg = pytest.importorskip("asyncpg")
SERVER = os.environ.get("SHOPKIT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
WITH_DATABASE = [s for s in load() if s.database and not s.is_app]

# One replica's init container: `<slug> migrate`, with alembic's INFO log showing each upgrade.
UPGRADE = textwrap.dedent(
    """
    import logging, sys
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(name)s %(message)s")
    from shopkit.db import upgrade
    upgrade(sys.argv[1], sys.argv[2])
    """
)


async def _waiting_advisory_locks(server: asyncpg.Connection, database: str) -> int:
    return int(
        await server.fetchval(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            "WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = $1",
            database,
        )
    )


async def _race(service: Service, database: str) -> tuple[list[tuple[int, str]], str | None]:
    from shopkit.db import MIGRATION_LOCK
    from shopkit.tasks import lock_key

    key = lock_key(MIGRATION_LOCK)
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"
    migrations = str(service.path / "src" / service.module / "db" / "migrations")
    env = {**os.environ, "PYTHONPATH": f"{service.path / 'src'}"}
    holder = await asyncpg.connect(SERVER.rsplit("/", 1)[0] + f"/{database}")
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", key)
        replicas = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                UPGRADE,
                migrations,
                url,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            for _ in range(2)
        ]
        server = await asyncpg.connect(SERVER)
        try:
            for _ in range(300):
                if await _waiting_advisory_locks(server, database) == 2:
                    break
                await asyncio.sleep(0.1)
            else:
                pytest.fail("the two upgrades never both waited for the migration lock")
        finally:
            await server.close()
        await holder.execute("SELECT pg_advisory_unlock($1)", key)
        outputs = [(await p.communicate())[0].decode() for p in replicas]
        results = [(p.returncode or 0, out) for p, out in zip(replicas, outputs, strict=True)]
        version = await holder.fetchval("SELECT version_num FROM alembic_version")
        rows = await holder.fetchval("SELECT count(*) FROM alembic_version")
        assert rows == 1
    finally:
        await holder.close()
    return results, version


async def _create(database: str) -> None:
    server = await asyncpg.connect(SERVER)
    try:
        await server.execute(f'CREATE DATABASE "{database}"')
    finally:
        await server.close()


async def _drop(database: str) -> None:
    server = await asyncpg.connect(SERVER)
    try:
        await server.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await server.close()


def _head(service: Service) -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option(
        "script_location", str(service.path / "src" / service.module / "db" / "migrations")
    )
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


@pytest.mark.parametrize("service", WITH_DATABASE, ids=lambda s: s.slug)
def test_two_replicas_migrating_at_once_apply_the_migrations_once(service: Service) -> None:
    try:
        asyncio.run(_drop("shopkit_probe_never_exists"))
    except OSError:
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    database = f"{service.module}_migration_lock_{uuid.uuid4().hex[:8]}"
    asyncio.run(_create(database))
    try:
        results, version = asyncio.run(_race(service, database))
    finally:
        asyncio.run(_drop(database))
    for code, output in results:
        assert code == 0, output[-3000:]
    applied = [output for _, output in results if "Running upgrade" in output]
    assert len(applied) == 1, "\n---\n".join(output[-2000:] for _, output in results)
    assert version == _head(service)

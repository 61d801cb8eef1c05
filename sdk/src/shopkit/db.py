"""Database wiring every PostgreSQL-backed service shares.

- `sqlalchemy_config()` builds advanced-alchemy's Litestar config (asyncpg engine, a session per
  request committed when the handler succeeds and rolled back otherwise).
- `ensure_database()` creates the service's own database when it does not exist yet.
- `upgrade()` / `run_migrations_online()` run Alembic from code and from `env.py`, so every
  service's `env.py` is a few lines.
- `Page` and `LimitOffset` give lists the public API shape `{items, total, limit, offset}`.
- `compile_once()` turns a PostgreSQL `INSERT ... ON CONFLICT` on a hot path into a statement
  SQLAlchemy's compiled cache keeps.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from typing import Annotated, Any, Generic, Literal, TypeVar

import asyncpg
import msgspec
import sqlalchemy.ext.asyncio
import structlog
from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from advanced_alchemy.extensions.litestar._utils import delete_aa_scope_state, get_aa_scope_state
from advanced_alchemy.extensions.litestar.plugins.init.config.common import (
    SESSION_TERMINUS_ASGI_EVENTS,
)
from advanced_alchemy.filters import LimitOffset
from litestar.constants import HTTP_RESPONSE_START
from litestar.params import QueryParameter
from litestar.types import BeforeMessageSendHookHandler, Message, Scope
from sqlalchemy import MetaData, TextClause, bindparam, event, pool, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_engine_from_config
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from shopkit.config import DatabaseSettings
from shopkit.tasks import lock_key
from shopkit.transactions import commit, has_work

__all__ = [
    "MAX_LIMIT",
    "MAX_OFFSET",
    "MIGRATION_LOCK",
    "LimitOffset",
    "Page",
    "asyncpg_dsn",
    "compile_once",
    "drop_database",
    "ensure_database",
    "make_migration",
    "provide_limit_offset",
    "request_session_finisher",
    "run_migrations_online",
    "sqlalchemy_config",
    "upgrade",
    "watch_idle_connections",
]

T = TypeVar("T")
_logger = structlog.get_logger("shopkit.db")

# The advisory lock (`shopkit.tasks.lock_key`) a migration holds: one migrator per database.
MIGRATION_LOCK = "shopkit.migrations"


def sqlalchemy_config(
    settings: DatabaseSettings, *, migrations: str | None = None
) -> SQLAlchemyAsyncConfig:
    """advanced-alchemy's config: pooled asyncpg engine, autocommit on 2xx/3xx responses."""
    config = SQLAlchemyAsyncConfig(
        connection_string=settings.url,
        create_engine_callable=_create_engine,
        engine_config=EngineConfig(
            pool_size=settings.pool_size,
            max_overflow=settings.max_overflow,
            pool_timeout=settings.pool_timeout_seconds,  # type: ignore[arg-type]  # a float is fine
            # A connection is pinged on checkout only after it sat idle (`_ping_if_idle`):
            # SQLAlchemy's `pool_pre_ping` costs three round trips on every checkout.
            pool_pre_ping=False,
            echo=settings.echo,
        ),
        session_config=AsyncSessionConfig(expire_on_commit=False),
        set_default_exception_handler=False,
        alembic_config=AlembicAsyncConfig(script_location=migrations or "migrations"),
    )
    # Each config gets its own scope key (advanced-alchemy makes them unique per process).
    config.before_send_handler = request_session_finisher(config.session_scope_key)
    return config


def request_session_finisher(session_scope_key: str) -> BeforeMessageSendHookHandler:
    """End the request's session as the answer starts: roll back what a failed request left,
    commit what is left of a successful one, then close it.

    A successful answer's work is normally committed already, before the answer was built
    (`shopkit.transactions.commit_before_answer`), so a failed commit becomes the answer; this
    is the net for an answer that did not pass through a handler. advanced-alchemy's
    `autocommit` handler commits every session, even one that never opened a transaction (a
    read served from a cache): that commit cost a catalog read about 4 % of its time. A
    session with no transaction and nothing pending has nothing to end here.
    """

    async def finish(message: Message, scope: Scope) -> None:
        session = get_aa_scope_state(scope, session_scope_key)
        if session is None:
            return
        try:
            if message["type"] == HTTP_RESPONSE_START and has_work(session):
                if 200 <= message["status"] < 400:
                    await commit(session)
                else:
                    await session.rollback()
        except Exception:
            _logger.exception("request session could not be committed or rolled back")
        finally:
            if message["type"] in SESSION_TERMINUS_ASGI_EVENTS:
                await session.close()
                delete_aa_scope_state(scope, session_scope_key)

    return finish


def _create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Looked up at call time, so the OpenTelemetry instrumentation's wrapper applies."""
    engine = sqlalchemy.ext.asyncio.create_async_engine(url, **kwargs)
    watch_idle_connections(engine)
    return engine


# A pooled connection back in use within this many seconds is trusted without a ping.
PING_AFTER_IDLE_SECONDS = 1.0
_CHECKED_IN_AT = "shopkit_checked_in_at"


def watch_idle_connections(engine: AsyncEngine) -> None:
    """Ping a pooled connection on checkout when it sat idle, and replace it if it is dead.

    This is SQLAlchemy's pessimistic disconnect handling (a `DisconnectionError` from a
    checkout listener makes the pool drop the connection and hand out another), applied only
    to connections idle for more than `PING_AFTER_IDLE_SECONDS`: after PostgreSQL restarted,
    every connection has been idle at least that long, so none fails a request; under load a
    connection comes back within milliseconds and `pool_pre_ping`'s three round trips on every
    checkout (a transaction around `;`) are saved. A connection that breaks while in use is
    still detected by SQLAlchemy, which then invalidates the whole pool.
    """
    pool_ = engine.sync_engine.pool
    event.listen(pool_, "checkin", _remember_checkin)
    event.listen(pool_, "checkout", _ping_if_idle)


def _remember_checkin(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info[_CHECKED_IN_AT] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    checked_in_at = record.info.get(_CHECKED_IN_AT)
    if checked_in_at is None or time.monotonic() - checked_in_at < PING_AFTER_IDLE_SECONDS:
        return  # just connected, or used a moment ago
    try:
        dbapi_connection.ping()
    except Exception as exc:
        raise DisconnectionError("pooled connection is dead; replacing it") from exc


_NAMED_PARAMETERS = postgresql.dialect(paramstyle="named")  # type: ignore[no-untyped-call]


def compile_once(statement: ClauseElement) -> TextClause:
    """`statement` compiled once for PostgreSQL, as a text statement SQLAlchemy's cache keeps.

    SQLAlchemy 2.0 compiles a PostgreSQL `INSERT ... ON CONFLICT` again on every execution:
    the dialect's `Insert` has no cache key (sqlalchemy#10445, fixed in 2.1, which
    advanced-alchemy 1.12 does not run on). In the checkout bench that compilation was a
    quarter of search-service's CPU and a sixth of notification-service's. A statement on a
    hot path is therefore built once, at import, with a `bindparam` for each value, and
    executed as the text this returns with those parameters by name: `session.execute(
    CLAIM, {"consumer": ...})`. Each parameter keeps its column's type (and so its bind
    processing); values given as literals, and column defaults that are plain values, stay
    the parameters' defaults. Defaults computed in Python (ids, timestamps) cannot be: such a
    column must be given a value, or `ValueError`.
    Rows a `RETURNING` gives back hold the driver's values (no result processing).
    """
    compiled = statement.compile(dialect=_NAMED_PARAMETERS)
    assert isinstance(compiled, SQLCompiler)
    scalar_defaults: dict[str, Any] = {}
    computed: list[str] = []
    for column in [*compiled.insert_prefetch, *compiled.update_prefetch]:
        default = column.default if column in compiled.insert_prefetch else column.onupdate
        if default is not None and default.is_scalar:
            scalar_defaults[column.key] = default.arg  # type: ignore[attr-defined]
        else:
            computed.append(column.key)
    if computed:
        raise ValueError(
            f"give {', '.join(computed)} a value: their defaults are computed in Python, "
            "which a statement compiled once cannot do"
        )
    parameters = {
        name: bindparam(
            name,
            value=scalar_defaults.get(name, parameter.value),
            type_=parameter.type,
            required=parameter.required and name not in scalar_defaults,
        )
        for parameter, name in compiled.bind_names.items()
    }
    # A parameter with a cast (`:id::UUID`) reads as no parameter to `text()`: `(:id)::UUID`.
    sql = re.sub(r"(?<![:\w]):(\w+)(?=::)", r"(:\1)", compiled.string)
    return text(sql).bindparams(*parameters.values())


def asyncpg_dsn(url: str) -> str:
    """The plain `postgresql://` DSN asyncpg takes, for SQLAlchemy's `postgresql+asyncpg://`
    URL (a connection of its own, such as one that LISTENs)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _server_and_name(url: str) -> tuple[str, str]:
    parsed = make_url(url)
    name = parsed.database or "postgres"
    server = parsed.set(drivername="postgresql", database="postgres")
    return server.render_as_string(hide_password=False), name


async def ensure_database(url: str) -> bool:
    """Create the database named in `url` if it is missing; True when it was created."""
    server, name = _server_and_name(url)
    connection = await asyncpg.connect(server)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        quoted = '"' + name.replace('"', '""') + '"'
        await connection.execute(f"CREATE DATABASE {quoted}")
        return True
    finally:
        await connection.close()


async def drop_database(url: str) -> None:
    """Drop the database named in `url` (test sessions clean up after themselves)."""
    server, name = _server_and_name(url)
    connection = await asyncpg.connect(server)
    try:
        quoted = '"' + name.replace('"', '""') + '"'
        await connection.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    finally:
        await connection.close()


def _alembic_config(script_location: str, url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", script_location)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option(
        "file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d_%%(slug)s"
    )
    return config


def upgrade(script_location: str, url: str, revision: str = "head") -> None:
    """Apply Alembic migrations to `url` (creating the database first when it is missing)."""
    from alembic import command

    asyncio.run(ensure_database(url))
    command.upgrade(_alembic_config(script_location, url), revision)


def make_migration(script_location: str, url: str, message: str) -> None:
    """Write a new date-prefixed revision from the difference between models and database."""
    from alembic import command

    upgrade(script_location, url)
    command.revision(_alembic_config(script_location, url), message=message, autogenerate=True)


def _render_advanced_alchemy_type(
    kind: str, obj: Any, autogen_context: Any
) -> str | Literal[False]:
    """Render advanced-alchemy column types (GUID, DateTimeUTC...) by their public name."""
    if kind == "type" and type(obj).__module__.startswith("advanced_alchemy.types"):
        name = type(obj).__name__
        autogen_context.imports.add(f"from advanced_alchemy.types import {name}")
        return repr(obj)
    return False


def run_migrations_online(metadata: MetaData, url: str | None = None) -> None:
    """The body of every service's Alembic `env.py` (online mode, asyncpg), one migrator at a
    time.

    On Kubernetes every replica's `migrate` init container runs this at once. The migration's
    connection first takes the PostgreSQL advisory lock `MIGRATION_LOCK` (advisory locks are
    per database, and each service has its database to itself), so one replica migrates while
    the others wait; each then reads the version table, finds the schema at head and applies
    nothing. The lock is the connection's, so a migrator that dies never leaves it behind."""
    from alembic import context

    config = context.config
    section = config.get_section(config.config_ini_section, {})
    if url:
        section["sqlalchemy.url"] = url

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            compare_type=True,
            render_item=_render_advanced_alchemy_type,
            version_table="alembic_version",
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = async_engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.execute(
                text("SELECT pg_advisory_lock(:key)"), {"key": lock_key(MIGRATION_LOCK)}
            )
            await connection.commit()  # the lock is the session's: it outlives this transaction
            await connection.run_sync(do_run)
        await engine.dispose()

    asyncio.run(run_async())


class Page(msgspec.Struct, Generic[T]):
    """A page of a list, in the shape every public list has."""

    items: Sequence[T]
    total: int
    limit: int
    offset: int


MAX_LIMIT = 100
MAX_OFFSET = 1_000_000
"""The deepest page a list serves. PostgreSQL reads and throws away every skipped row, so an
offset beyond this is refused (422) rather than answered slowly; nobody pages a million rows."""


async def provide_limit_offset(
    limit: Annotated[int, QueryParameter(name="limit", ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, QueryParameter(name="offset", ge=0, le=MAX_OFFSET)] = 0,
) -> LimitOffset:
    """`?limit=&offset=` as advanced-alchemy's filter: limit 1 to 100, offset 0 to 1,000,000."""
    return LimitOffset(limit=limit, offset=offset)

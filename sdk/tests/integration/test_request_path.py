"""The shared request path stays correct while it gets cheaper: dependencies, spans, sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from _app_support import create_app
from litestar import Litestar, get, post
from litestar.di import NamedDependency, Provide
from litestar.middleware import DefineMiddleware
from litestar.params import FromPath
from litestar.testing import AsyncTestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased
from prometheus_client.parser import text_string_to_metric_families
from shopkit.cache import redis_client
from shopkit.config import DatabaseSettings, RedisSettings, ServiceSettings
from shopkit.db import sqlalchemy_config
from shopkit.errors import ConflictError
from shopkit.telemetry import tracing_middleware
from shopkit.testing import client_for
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

pytestmark = pytest.mark.integration


class _Base(DeclarativeBase):
    pass


class Note(_Base):
    __tablename__ = "request_path_notes"
    note: Mapped[str] = mapped_column(primary_key=True)


TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
cleaned_up: list[str] = []


async def provide_shop() -> str:
    return "shop"


async def provide_basket() -> AsyncIterator[str]:
    yield "basket"
    cleaned_up.append("basket")


async def provide_label(shop: NamedDependency[str], basket: NamedDependency[str]) -> str:
    return f"{shop}/{basket}"


@get(
    "/labels",
    security=[{}],
    dependencies={
        "shop": Provide(provide_shop),
        "basket": Provide(provide_basket),
        "label": Provide(provide_label),
    },
)
async def read_label(shop: NamedDependency[str], label: NamedDependency[str]) -> dict[str, str]:
    return {"shop": shop, "label": label}


@get("/traced/{item:int}", security=[{}])
async def traced(item: FromPath[int]) -> dict[str, str]:
    return {"trace_id": format(trace.get_current_span().get_span_context().trace_id, "032x")}


@get("/untouched", security=[{}])
async def untouched(db_session: NamedDependency[AsyncSession]) -> str:
    return "nothing read"


@post("/notes", security=[{}])
async def add_note(db_session: NamedDependency[AsyncSession]) -> str:
    db_session.add(Note(note="kept"))  # pending only: no statement has run yet
    return "stored"


@post("/refused-notes", security=[{}])
async def add_refused_note(db_session: NamedDependency[AsyncSession]) -> str:
    db_session.add(Note(note="refused"))
    await db_session.flush()
    raise ConflictError("Refused after writing.")


async def test_dependencies_of_one_level_all_resolve_and_generators_are_cleaned_up() -> None:
    cleaned_up.clear()
    app = create_app(service=ServiceSettings(name="deps-sample"), route_handlers=[read_label])
    async with client_for(app) as client:
        response = await client.get("/labels")
    assert response.json() == {"shop": "shop", "label": "shop/basket"}
    assert cleaned_up == ["basket"]


@pytest.fixture
def spans() -> tuple[InMemorySpanExporter, TracerProvider]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ParentBased(ALWAYS_ON))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter, provider


async def test_a_request_continues_the_callers_trace_with_one_server_span(
    spans: tuple[InMemorySpanExporter, TracerProvider],
) -> None:
    exporter, provider = spans
    app = Litestar(
        [traced],
        middleware=[DefineMiddleware(tracing_middleware, tracer_provider=provider)],
    )
    async with AsyncTestClient(app) as client:
        sampled = await client.get(
            "/traced/7", headers={"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}
        )
        unsampled = await client.get(
            "/traced/8", headers={"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b8-00"}
        )
        await client.get("/health/live")
    assert sampled.json()["trace_id"] == TRACE_ID
    assert unsampled.json()["trace_id"] == TRACE_ID  # carried on even when not recorded
    (span,) = exporter.get_finished_spans()
    assert span.name == "GET /traced/{item}"
    assert span.kind == trace.SpanKind.SERVER
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert span.attributes is not None
    assert span.attributes["http.response.status_code"] == 200
    assert span.attributes["http.route"] == "/traced/{item}"


async def test_a_request_without_a_caller_starts_its_own_trace(
    spans: tuple[InMemorySpanExporter, TracerProvider],
) -> None:
    exporter, provider = spans
    app = Litestar(
        [traced], middleware=[DefineMiddleware(tracing_middleware, tracer_provider=provider)]
    )
    async with AsyncTestClient(app) as client:
        first = (await client.get("/traced/1")).json()["trace_id"]
        second = (await client.get("/traced/2")).json()["trace_id"]
    assert first != second
    assert len(exporter.get_finished_spans()) == 2


async def test_the_request_session_commits_a_success_and_rolls_back_a_failure(
    database_url: str,
) -> None:
    setup = create_async_engine(database_url)
    async with setup.begin() as connection:
        await connection.execute(text("DROP TABLE IF EXISTS request_path_notes"))
        await connection.execute(text("CREATE TABLE request_path_notes (note text)"))
    app = create_app(
        service=ServiceSettings(name="session-sample"),
        route_handlers=[untouched, add_note, add_refused_note],
        database=sqlalchemy_config(DatabaseSettings(url=database_url)),
    )
    async with client_for(app) as client:
        assert (await client.get("/untouched")).status_code == 200
        assert (await client.post("/notes")).status_code == 201
        assert (await client.post("/refused-notes")).status_code == 409
    async with setup.connect() as connection:
        stored = (await connection.execute(text("SELECT note FROM request_path_notes"))).all()
    await setup.dispose()
    assert [row.note for row in stored] == ["kept"]


@get("/held", security=[{}])
async def hold_a_connection(db_session: NamedDependency[AsyncSession]) -> str:
    await db_session.execute(text("SELECT 1"))  # holds the pool's only connection from now on
    async with db_session.bind.connect() as second:  # as a concurrent request would ask
        await second.execute(text("SELECT 1"))
    return "held"


@get("/quick", security=[{}])
async def quick_read(db_session: NamedDependency[AsyncSession]) -> int:
    return int((await db_session.execute(text("SELECT 1"))).scalar_one())


@get("/counter", security=[{}])
async def read_counter() -> int:
    client = redis_client(RedisSettings(url="redis://127.0.0.1:1/0", pool_timeout_seconds=0.5))
    try:
        return int(await client.incr("counter"))
    finally:
        await client.aclose()


async def test_no_free_database_connection_is_a_503_to_retry_not_a_500(database_url: str) -> None:
    settings = DatabaseSettings(
        url=database_url, pool_size=1, max_overflow=0, pool_timeout_seconds=0.3
    )
    app = create_app(
        service=ServiceSettings(name="busy-sample"),
        route_handlers=[hold_a_connection, quick_read],
        database=sqlalchemy_config(settings),
    )
    async with client_for(app) as client:
        busy = await client.get("/held")
        later = await client.get("/quick")
    assert busy.status_code == 503, busy.text
    assert busy.headers["content-type"] == "application/problem+json"
    assert busy.headers["retry-after"] == "1"
    assert later.json() == 1


async def test_an_unreachable_redis_is_a_503_to_retry() -> None:
    app = create_app(service=ServiceSettings(name="redis-sample"), route_handlers=[read_counter])
    async with client_for(app) as client:
        response = await client.get("/counter")
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "service-unavailable"


@get("/fails", security=[{}])
async def fails() -> None:
    raise RuntimeError("broken on purpose")


async def test_metrics_count_each_route_by_status_with_the_dashboards_labels() -> None:
    app = create_app(service=ServiceSettings(name="metrics-sample"), route_handlers=[traced, fails])
    async with client_for(app) as client:
        for item in (1, 2):
            await client.get(f"/traced/{item}")
        await client.get("/fails")
        await client.get("/health/live")
        text = (await client.get("/metrics")).text
    samples = [
        sample for family in text_string_to_metric_families(text) for sample in family.samples
    ]
    labels = {
        "app_name": "metrics-sample",
        "method": "GET",
        "path": "/traced/{item}",
        "service": "metrics-sample",
        "status_code": "200",
    }
    assert any(
        s.name == "shopkit_requests_total" and s.labels == labels and s.value == 2.0
        for s in samples
    )
    assert 'path="/fails"' in text
    assert "shopkit_requests_error_total" in text
    assert "shopkit_request_duration_seconds_bucket" in text
    assert "/health/live" not in text

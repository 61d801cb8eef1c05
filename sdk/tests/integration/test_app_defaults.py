"""What every service gets from `create_app`: errors, health, metrics, OpenAPI, request ids."""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec
import pytest
from _app_support import create_app
from litestar import Litestar, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.testing import AsyncTestClient
from shopkit.config import DatabaseSettings, ServiceSettings
from shopkit.db import LimitOffset, Page, sqlalchemy_config
from shopkit.errors import ConflictError, NotFoundError
from shopkit.health import HealthCheck
from shopkit.testing import client_for

pytestmark = pytest.mark.integration


class Address(msgspec.Struct):
    city: str


class LineCreate(msgspec.Struct):
    sku: str
    quantity: int
    address: Address | None = None


@post("/lines", operation_id="createLine", security=[{}])
async def create_line(data: JSONBody[LineCreate]) -> LineCreate:
    if data.sku == "taken":
        raise ConflictError("SKU taken is already in use.")
    return data


@get("/lines/{sku:str}", operation_id="getLine", security=[{}])
async def get_line(sku: FromPath[str]) -> LineCreate:
    raise NotFoundError(f"No line {sku}.")


@get("/lines", operation_id="listLines", security=[{}])
async def list_lines(page: NamedDependency[LimitOffset]) -> Page[LineCreate]:
    return Page(items=[LineCreate("a", 1)], total=1, limit=page.limit, offset=page.offset)


@get("/search-lines", operation_id="searchLines", security=[{}])
async def search_lines(sku: FromQuery[str]) -> str:
    return sku


@get("/boom", operation_id="boom", security=[{}])
async def boom() -> None:
    raise RuntimeError("connection string postgres://admin:hunter2@db")


async def _broken_dependency() -> None:
    raise ConnectionRefusedError("nobody home")


def _app(database_url: str, *checks: HealthCheck) -> Litestar:
    return create_app(
        service=ServiceSettings(name="sample-service", version="1.2.3"),
        route_handlers=[create_line, get_line, list_lines, search_lines, boom],
        database=sqlalchemy_config(DatabaseSettings(url=database_url)),
        health_checks=checks,
    )


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with client_for(_app(database_url)) as client:
        yield client


async def test_wrong_type_is_422_problem_naming_the_field(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.post("/lines", json={"sku": "a", "quantity": "two"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["invalid_params"][0]["name"] == "quantity"
    assert body["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize("quantity", ["7", 7.0, True])
async def test_a_number_is_never_guessed_from_another_type(
    client: AsyncTestClient[Litestar], quantity: object
) -> None:
    response = await client.post("/lines", json={"sku": "a", "quantity": quantity})
    assert response.status_code == 422, response.text
    assert response.json()["invalid_params"][0]["name"] == "quantity"


async def test_a_nested_wrong_type_is_named_with_its_path(
    client: AsyncTestClient[Litestar],
) -> None:
    body = {"sku": "a", "quantity": 1, "address": {"city": 12}}
    response = await client.post("/lines", json=body)
    assert response.status_code == 422
    assert response.json()["invalid_params"][0]["name"] == "address.city"


async def test_a_body_that_is_not_json_is_422(client: AsyncTestClient[Litestar]) -> None:
    response = await client.post(
        "/lines", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == "application/problem+json"


async def test_missing_nested_field_is_named_with_its_path(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.post("/lines", json={"sku": "a", "quantity": 1, "address": {}})
    assert response.status_code == 422
    assert response.json()["invalid_params"][0]["name"] == "address.city"


async def test_out_of_range_query_parameter_is_422(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/lines", params={"limit": 1000})
    assert response.status_code == 422
    assert response.json()["invalid_params"][0]["name"] == "limit"


async def test_a_missing_required_query_parameter_is_named(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/search-lines")
    assert response.status_code == 422
    assert response.json()["invalid_params"][0]["name"] == "sku"


async def test_lists_have_the_public_shape(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/lines", params={"limit": 5, "offset": 10})
    assert response.json() == {
        "items": [{"sku": "a", "quantity": 1, "address": None}],
        "total": 1,
        "limit": 5,
        "offset": 10,
    }


async def test_conflict_and_not_found_are_problems(client: AsyncTestClient[Litestar]) -> None:
    conflict = await client.post("/lines", json={"sku": "taken", "quantity": 1})
    assert (conflict.status_code, conflict.json()["title"]) == (409, "Conflict")
    missing = await client.get("/lines/nope")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No line nope."


async def test_unexpected_error_is_500_that_leaks_nothing(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert response.json()["request_id"]


async def test_callers_request_id_is_kept_and_a_forged_one_replaced(
    client: AsyncTestClient[Litestar],
) -> None:
    kept = await client.get("/health/live", headers={"X-Request-ID": "gw-123"})
    assert kept.headers["x-request-id"] == "gw-123"
    forged = await client.get("/health/live", headers={"X-Request-ID": "bad id\nINFO fake"})
    assert forged.headers["x-request-id"] != "bad id\nINFO fake"
    assert len(forged.headers["x-request-id"]) == 32


async def test_ready_checks_the_database(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["database"]["status"] == "up"


async def test_ready_is_503_naming_the_dependency_that_is_down(database_url: str) -> None:
    app = _app(database_url, HealthCheck("payments-provider", _broken_dependency))
    async with client_for(app) as client:
        live = await client.get("/health/live")
        ready = await client.get("/health/ready")
    assert live.status_code == 200
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert checks["payments-provider"] == {
        "status": "down",
        "duration_ms": checks["payments-provider"]["duration_ms"],
        "error": "ConnectionRefusedError",
    }
    assert checks["database"]["status"] == "up"


async def test_ready_is_503_when_the_database_is_unreachable() -> None:
    app = _app("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere")
    async with client_for(app) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["status"] == "down"


async def test_metrics_count_requests_per_route(client: AsyncTestClient[Litestar]) -> None:
    await client.get("/lines")
    metrics = (await client.get("/metrics")).text
    assert "shopkit_requests_total" in metrics
    assert 'path="/lines"' in metrics


async def test_openapi_is_served_and_names_every_operation(
    client: AsyncTestClient[Litestar],
) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert schema["info"] == {"title": "sample-service", "version": "1.2.3"}
    operation_ids = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {"createLine", "getLine", "listLines", "healthReady"} <= operation_ids
    assert (await client.get("/schema/swagger")).status_code == 200

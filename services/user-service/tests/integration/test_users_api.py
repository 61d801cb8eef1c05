"""Profiles, addresses and the admin list: who may read or change what."""

from __future__ import annotations

import uuid

import pytest
from conftest import SQL, Account
from litestar import Litestar
from litestar.testing import AsyncTestClient

pytestmark = pytest.mark.integration

ADDRESS = {
    "label": "home",
    "name": "Jane Doe",
    "line1": "Hauptstr. 1",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "de",
    "phone": "+49 30 1234567",
}


async def test_me_reads_and_renames_only_the_caller(
    client: AsyncTestClient[Litestar], customer: Account
) -> None:
    me = await client.get("/api/users/me", headers=customer.headers)
    assert me.status_code == 200
    assert me.json()["email"] == customer.email
    renamed = await client.patch("/api/users/me", json={"name": " Jane "}, headers=customer.headers)
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Jane"
    assert (await client.patch("/api/users/me", json={}, headers=customer.headers)).json()[
        "name"
    ] == "Jane"


async def test_roles_and_email_cannot_be_self_assigned(
    client: AsyncTestClient[Litestar], customer: Account, sql: SQL
) -> None:
    for body in ({"roles": ["admin"]}, {"email": "x@example.com"}):
        response = await client.patch("/api/users/me", json=body, headers=customer.headers)
        assert response.status_code == 422
    row = await sql(
        "SELECT roles, email FROM user_account WHERE id = :id", id=uuid.UUID(customer.id)
    )
    assert (row[0][0], row[0][1]) == (["customer"], customer.email)


async def test_anonymous_callers_get_401(client: AsyncTestClient[Litestar]) -> None:
    for path in ("/api/users/me", "/api/users/me/addresses", "/api/users"):
        response = await client.get(path)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"


async def test_addresses_are_added_listed_and_deleted(
    client: AsyncTestClient[Litestar], customer: Account
) -> None:
    created = await client.post("/api/users/me/addresses", json=ADDRESS, headers=customer.headers)
    assert created.status_code == 201, created.text
    address = created.json()
    assert address["country"] == "DE"
    assert address["line2"] is None
    minimal = {k: ADDRESS[k] for k in ("name", "line1", "city", "postal_code")} | {"country": "JP"}
    assert (
        await client.post("/api/users/me/addresses", json=minimal, headers=customer.headers)
    ).status_code == 201

    listed = (await client.get("/api/users/me/addresses", headers=customer.headers)).json()
    assert set(listed) == {"items", "total", "limit", "offset"}
    assert listed["total"] == 2
    assert listed["items"][0]["id"] == address["id"]

    deleted = await client.delete(
        f"/api/users/me/addresses/{address['id']}", headers=customer.headers
    )
    assert deleted.status_code == 204
    assert (await client.get("/api/users/me/addresses", headers=customer.headers)).json()[
        "total"
    ] == 1


@pytest.mark.parametrize("country", ["XX", "ZZ", "zz", "DEU", "1A", ""])
async def test_a_country_must_be_iso_3166_alpha_2(
    client: AsyncTestClient[Litestar], customer: Account, country: str
) -> None:
    response = await client.post(
        "/api/users/me/addresses", json={**ADDRESS, "country": country}, headers=customer.headers
    )
    assert response.status_code == 422
    assert response.json()["invalid_params"][0]["name"] == "country"


async def test_nobody_reads_or_deletes_another_customers_address(
    client: AsyncTestClient[Litestar], customer: Account, make_account: object, sql: SQL
) -> None:
    other: Account = await make_account()  # type: ignore[operator]
    mine = (
        await client.post("/api/users/me/addresses", json=ADDRESS, headers=customer.headers)
    ).json()
    theirs = (await client.get("/api/users/me/addresses", headers=other.headers)).json()
    assert theirs["total"] == 0
    stolen = await client.delete(f"/api/users/me/addresses/{mine['id']}", headers=other.headers)
    assert stolen.status_code == 404
    assert stolen.headers["content-type"] == "application/problem+json"
    assert await sql("SELECT 1 FROM address WHERE id = :id", id=uuid.UUID(mine["id"]))


async def test_admins_list_every_user_page_by_page(
    client: AsyncTestClient[Litestar], admin: Account, customer: Account
) -> None:
    page = await client.get("/api/users", params={"limit": 2, "offset": 0}, headers=admin.headers)
    assert page.status_code == 200
    body = page.json()
    assert set(body) == {"items", "total", "limit", "offset"}
    assert (body["limit"], body["offset"], len(body["items"])) == (2, 0, 2)
    assert body["total"] >= 2
    assert set(body["items"][0]) == {"id", "email", "name", "roles", "created_at"}
    assert "password_hash" not in page.text


async def test_a_customer_on_an_admin_route_gets_403(
    client: AsyncTestClient[Litestar], customer: Account
) -> None:
    response = await client.get("/api/users", headers=customer.headers)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


async def test_ready_checks_database_broker_and_redis(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200, response.text
    assert set(response.json()["checks"]) >= {"database", "broker", "redis"}

"""The admin's pact with user-service (`contracts/pacts/admin-user-service.json`): logging in
(the token pair the session keeps), the logged-in account's roles (only admins get a session)
and the admin list of accounts on the Users page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from admin_pacts import BEARER, admin_pact, timestamp, uuid, write
from pact import Pact, match

from admin.controllers.users import PAGE_SIZE
from admin.gateway import Api, ApiError

pytestmark = pytest.mark.contract

PROVIDER = "user-service"
EMAIL = "admin@example.com"
PASSWORD = "correct-horse-42"
ADMIN = {"email": EMAIL, "password": PASSWORD}
ACCOUNT_ID = "0193a5b2-7c1d-7e4f-9a10-00000000e001"


def account() -> dict[str, object]:
    return {
        "id": uuid(ACCOUNT_ID),
        "email": match.str(EMAIL),
        "name": match.str("Ada Admin"),
        "roles": match.each_like(match.str("customer"), min=1),
        "created_at": timestamp(),
    }


@pytest.fixture(scope="module")
def pact() -> Iterator[Pact]:
    pact = admin_pact(PROVIDER)
    (
        pact.upon_receiving("a login with an admin's email and password")
        .given("an admin account exists", **ADMIN)
        .with_request("POST", "/api/auth/login")
        .with_body(ADMIN, "application/json")
        .will_respond_with(200)
        .with_body(
            {
                "access_token": match.str("eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl"),
                "refresh_token": match.str("a-refresh-token"),
                "token_type": "Bearer",
                "expires_in": match.integer(900),
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a login with a wrong password")
        .given("an admin account exists", **ADMIN)
        .with_request("POST", "/api/auth/login")
        .with_body({"email": EMAIL, "password": "not-the-password"}, "application/json")
        .will_respond_with(401)
    )
    (
        pact.upon_receiving("a request for the logged-in admin's own account")
        .given("an admin account exists", **ADMIN)
        .with_request("GET", "/api/users/me")
        .with_header("Authorization", BEARER)
        .will_respond_with(200)
        .with_body(
            {
                "id": uuid(ACCOUNT_ID),
                "email": match.str(EMAIL),
                "name": match.str("Ada Admin"),
                "roles": match.array_containing(["admin"]),
            },
            "application/json",
        )
    )
    (
        pact.upon_receiving("a request for the first page of all accounts")
        .given("an admin account exists", **ADMIN)
        .with_request("GET", "/api/users")
        .with_query_parameter("limit", str(PAGE_SIZE))
        .with_query_parameter("offset", "0")
        .with_header("Authorization", BEARER)
        .will_respond_with(200)
        .with_body(
            {"items": match.each_like(account(), min=1), "total": match.integer(1)},
            "application/json",
        )
    )
    yield pact
    write(pact)


async def test_an_admin_logs_in_and_is_recognised_by_the_role(anonymous: Api) -> None:
    tokens = await anonymous.post("/api/auth/login", {"email": EMAIL, "password": PASSWORD})
    assert tokens["access_token"]
    assert tokens["refresh_token"]
    assert int(tokens["expires_in"]) > 0
    anonymous.token = tokens["access_token"]  # as the login form does
    me = await anonymous.get("/api/users/me")
    assert "admin" in me["roles"]
    assert {"id", "email", "name"} <= me.keys()  # what the session keeps


async def test_a_wrong_password_is_refused_with_401(anonymous: Api) -> None:
    with pytest.raises(ApiError) as refused:
        await anonymous.post("/api/auth/login", {"email": EMAIL, "password": "not-the-password"})
    # The login form says "Wrong email or password." for 400, 401 and 422.
    assert refused.value.status == 401


async def test_the_users_page_lists_accounts_with_their_roles(api: Api) -> None:
    listing = await api.get("/api/users", limit=PAGE_SIZE, offset=0)
    (user,) = listing["items"]
    assert int(listing["total"]) >= 1
    assert user["email"] == EMAIL
    assert user["roles"]
    assert user["created_at"]

"""Refresh-token rotation, logout, signing keys and their rotation, and what the service's own
routes do with tokens they should not trust."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from conftest import GOOD_PASSWORD, SQL, Account, login
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.auth import TokenIssuer
from shopkit.testing import client_for

from user_service.app import create_app
from user_service.config import Settings
from user_service.domain.auth._keys import load_signing_key

pytestmark = pytest.mark.integration

JWKS = "/api/auth/.well-known/jwks.json"


async def refresh(client: AsyncTestClient[Litestar], token: str) -> object:
    return await client.post("/api/auth/refresh", json={"refresh_token": token})


async def test_refresh_rotates_and_the_used_token_stops_working(
    client: AsyncTestClient[Litestar], customer: Account
) -> None:
    first = await client.post("/api/auth/refresh", json={"refresh_token": customer.refresh_token})
    assert first.status_code == 200, first.text
    pair = first.json()
    assert pair["refresh_token"] != customer.refresh_token
    me = await client.get(
        "/api/users/me", headers={"Authorization": f"Bearer {pair['access_token']}"}
    )
    assert me.status_code == 200

    second = await client.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert second.status_code == 200


async def test_reusing_a_refresh_token_revokes_its_whole_family(
    client: AsyncTestClient[Litestar], customer: Account
) -> None:
    other_login = (await login(client, customer.email, GOOD_PASSWORD)).json()
    r1 = customer.refresh_token
    r2 = (await client.post("/api/auth/refresh", json={"refresh_token": r1})).json()[
        "refresh_token"
    ]
    r3 = (await client.post("/api/auth/refresh", json={"refresh_token": r2})).json()[
        "refresh_token"
    ]

    replay = await client.post("/api/auth/refresh", json={"refresh_token": r1})
    assert replay.status_code == 401
    assert replay.json()["code"] == "invalid-refresh-token"
    # The newest token of that login is dead too; another login of the same user is not.
    assert (await client.post("/api/auth/refresh", json={"refresh_token": r3})).status_code == 401
    independent = {"refresh_token": other_login["refresh_token"]}
    assert (await client.post("/api/auth/refresh", json=independent)).status_code == 200


async def test_expired_and_unknown_refresh_tokens_are_401(
    client: AsyncTestClient[Litestar], customer: Account, sql: SQL
) -> None:
    await sql(
        "UPDATE refresh_token SET expires_at = now() - interval '1 second' WHERE user_id = :id",
        id=uuid.UUID(customer.id),
    )
    expired = await client.post("/api/auth/refresh", json={"refresh_token": customer.refresh_token})
    assert expired.status_code == 401
    unknown = await client.post("/api/auth/refresh", json={"refresh_token": "made-up"})
    assert unknown.status_code == 401


async def test_logout_revokes_the_login(
    client: AsyncTestClient[Litestar], customer: Account
) -> None:
    body = {"refresh_token": customer.refresh_token}
    assert (await client.post("/api/auth/logout", json=body)).status_code == 204
    assert (await client.post("/api/auth/refresh", json=body)).status_code == 401
    # Logging out twice, or with a token we never issued, is not an error.
    assert (await client.post("/api/auth/logout", json=body)).status_code == 204
    assert (
        await client.post("/api/auth/logout", json={"refresh_token": "never-issued"})
    ).status_code == 204


async def test_jwks_publishes_the_public_keys_and_may_be_cached(
    client: AsyncTestClient[Litestar], customer: Account
) -> None:
    response = await client.get(JWKS)
    assert response.status_code == 200
    directives = {d.strip() for d in response.headers["cache-control"].split(",")}
    assert directives == {"public", "max-age=300"}
    keys = response.json()["keys"]
    assert keys
    assert all(k["kty"] == "RSA" and k["alg"] == "RS256" for k in keys)
    assert all(k["use"] == "sig" and k["n"] and k["e"] for k in keys)
    assert not any("d" in k or "p" in k for k in keys), "a private parameter leaked"
    kid = jwt.get_unverified_header(customer.access_token)["kid"]
    assert kid == keys[0]["kid"]


async def test_rotation_signs_with_a_new_key_and_keeps_the_old_one_for_the_grace_period(
    client: AsyncTestClient[Litestar], admin: Account, customer: Account, sql: SQL
) -> None:
    old_kid = jwt.get_unverified_header(customer.access_token)["kid"]
    rotated = await client.post("/api/auth/keys/rotate", headers=admin.headers)
    assert rotated.status_code == 201, rotated.text
    new_kid = rotated.json()["kid"]
    assert new_kid != old_kid

    kids = [k["kid"] for k in (await client.get(JWKS)).json()["keys"]]
    assert kids[0] == new_kid
    assert old_kid in kids
    # Tokens signed before the rotation keep working; new ones carry the new key id.
    assert (await client.get("/api/users/me", headers=customer.headers)).status_code == 200
    fresh = (await login(client, customer.email, GOOD_PASSWORD)).json()["access_token"]
    assert jwt.get_unverified_header(fresh)["kid"] == new_kid

    # Once the grace period is over, the old key is no longer published.
    await sql(
        "UPDATE signing_key SET retired_at = now() - interval '2 hours' WHERE kid = :kid",
        kid=old_kid,
    )
    assert old_kid not in [k["kid"] for k in (await client.get(JWKS)).json()["keys"]]
    again = await client.post("/api/auth/keys/rotate", headers=admin.headers)
    assert again.status_code == 201
    assert not await sql("SELECT 1 FROM signing_key WHERE kid = :kid", kid=old_kid)


async def test_only_admins_rotate_and_a_refused_rotation_writes_nothing(
    client: AsyncTestClient[Litestar], customer: Account, sql: SQL
) -> None:
    before = await sql("SELECT kid, retired_at FROM signing_key ORDER BY kid")
    forbidden = await client.post("/api/auth/keys/rotate", headers=customer.headers)
    anonymous = await client.post("/api/auth/keys/rotate")
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"
    assert anonymous.status_code == 401
    assert await sql("SELECT kid, retired_at FROM signing_key ORDER BY kid") == before


def _tamper(token: str) -> str:
    header, _payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["roles"] = ["admin", "customer"]
    forged = base64.urlsafe_b64encode(jwt.api_jws.json.dumps(claims).encode()).rstrip(b"=")
    return f"{header}.{forged.decode()}.{signature}"


async def test_tampered_expired_and_foreign_tokens_are_401_and_change_nothing(
    client: AsyncTestClient[Litestar],
    customer: Account,
    sql: SQL,
    token_factory: object,
) -> None:
    kid = jwt.get_unverified_header(customer.access_token)["kid"]
    pem = (await sql("SELECT private_key_pem FROM signing_key WHERE kid = :k", k=kid))[0][0]
    expired = TokenIssuer(load_signing_key(kid, pem)).issue_access_token(
        customer.id, ["customer"], extra={"exp": int(datetime.now(UTC).timestamp()) - 60}
    )
    foreign = token_factory(roles=("admin",), subject=customer.id)  # type: ignore[operator]
    for token in (_tamper(customer.access_token), expired, foreign, "not-a-jwt"):
        headers = {"Authorization": f"Bearer {token}"}
        response = await client.patch("/api/users/me", json={"name": "Hijacked"}, headers=headers)
        assert response.status_code == 401, token
        assert response.headers["content-type"] == "application/problem+json"
        assert (await client.get("/api/users", headers=headers)).status_code == 401
    name = await sql("SELECT name FROM user_account WHERE id = :id", id=uuid.UUID(customer.id))
    assert name[0][0] == "Test Person"


async def test_a_rotation_on_another_replica_is_picked_up_for_verification(
    settings: Settings, client: AsyncTestClient[Litestar], admin: Account, customer: Account
) -> None:
    async with client_for(create_app(settings)) as other_replica:
        assert (
            await other_replica.get("/api/users/me", headers=customer.headers)
        ).status_code == 200
        assert (
            await client.post("/api/auth/keys/rotate", headers=admin.headers)
        ).status_code == 201
        fresh = (await login(client, customer.email, GOOD_PASSWORD)).json()["access_token"]
        headers = {"Authorization": f"Bearer {fresh}"}
        assert (await other_replica.get("/api/users/me", headers=headers)).status_code == 200


async def test_an_old_key_past_its_grace_no_longer_verifies(
    settings: Settings, admin: Account, customer: Account, sql: SQL
) -> None:
    async with client_for(create_app(settings)) as client:
        old_kid = jwt.get_unverified_header(customer.access_token)["kid"]
        assert (
            await client.post("/api/auth/keys/rotate", headers=admin.headers)
        ).status_code == 201
        await sql(
            "UPDATE signing_key SET retired_at = :at WHERE kid = :kid",
            at=datetime.now(UTC) - timedelta(hours=2),
            kid=old_kid,
        )
    async with client_for(create_app(settings)) as fresh_process:
        response = await fresh_process.get("/api/users/me", headers=customer.headers)
        assert response.status_code == 401

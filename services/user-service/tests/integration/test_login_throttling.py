"""Login throttling: guessing slows down per (account, address), per account and per address,
and never locks the owner out (issue 9, item 5)."""

from __future__ import annotations

import asyncio

import pytest
from conftest import (
    GOOD_PASSWORD,
    SQL,
    AccountFactory,
    login,
    unique_email,
    unique_ip,
    with_identity,
)
from litestar import Litestar
from litestar.testing import AsyncTestClient
from shopkit.testing import client_for

from user_service.app import create_app
from user_service.config import Settings

pytestmark = pytest.mark.integration

WRONG = "wrong-horse-42"


def _assert_throttled(response: object, *, at_most: int) -> int:
    assert response.status_code == 429, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    assert response.json()["code"] == "too-many-login-attempts"  # type: ignore[attr-defined]
    retry_after = int(response.headers["retry-after"])  # type: ignore[attr-defined]
    assert 1 <= retry_after <= at_most
    return retry_after


async def test_an_attackers_failures_at_one_address_do_not_stop_the_owner_at_another(
    client: AsyncTestClient[Litestar], make_account: AccountFactory, sql: SQL
) -> None:
    account = await make_account()
    attacker, owner = unique_ip(), unique_ip()
    statuses = [
        (await login(client, account.email, WRONG, ip=attacker)).status_code for _ in range(8)
    ]
    assert statuses[:3] == [401, 401, 401]
    assert set(statuses[3:]) == {429}

    assert (await login(client, account.email, GOOD_PASSWORD, ip=owner)).status_code == 200

    # At the attacker's address even the right password waits, briefly, and nothing is issued.
    tokens_before = (await sql("SELECT count(*) FROM refresh_token"))[0][0]
    retry_after = _assert_throttled(
        await login(client, account.email, GOOD_PASSWORD, ip=attacker), at_most=2
    )
    assert (await sql("SELECT count(*) FROM refresh_token"))[0][0] == tokens_before
    await asyncio.sleep(retry_after)
    assert (await login(client, account.email, GOOD_PASSWORD, ip=attacker)).status_code == 200


async def test_the_back_off_doubles_up_to_its_cap(
    settings: Settings, make_account: AccountFactory
) -> None:
    account = await make_account()
    ip = unique_ip()
    capped = with_identity(settings, login_backoff_max_seconds=2)
    async with client_for(create_app(capped)) as client:
        for _ in range(3):
            assert (await login(client, account.email, WRONG, ip=ip)).status_code == 401
        waits = []
        for _ in range(3):
            waits.append(
                _assert_throttled(await login(client, account.email, WRONG, ip=ip), at_most=2)
            )
            await asyncio.sleep(waits[-1])
            assert (await login(client, account.email, WRONG, ip=ip)).status_code == 401
        assert waits == [1, 2, 2]


async def test_many_addresses_against_one_account_slow_it_down_only_briefly(
    settings: Settings, make_account: AccountFactory
) -> None:
    account = await make_account()
    strict = with_identity(
        settings, login_free_failures_per_account=4, login_account_backoff_max_seconds=2
    )
    async with client_for(create_app(strict)) as client:
        for _ in range(4):
            assert (await login(client, account.email, WRONG)).status_code == 401
        # The owner, at yet another address, waits seconds, not a quarter of an hour.
        retry_after = _assert_throttled(
            await login(client, account.email, GOOD_PASSWORD), at_most=2
        )
        await asyncio.sleep(retry_after)
        assert (await login(client, account.email, GOOD_PASSWORD)).status_code == 200


async def test_a_burst_of_parallel_guesses_gets_no_more_through_than_a_sequence(
    client: AsyncTestClient[Litestar], make_account: AccountFactory
) -> None:
    account = await make_account()
    ip = unique_ip()
    answers = await asyncio.gather(*(login(client, account.email, WRONG, ip=ip) for _ in range(10)))
    assert sorted(answer.status_code for answer in answers) == [401] * 3 + [429] * 7


async def test_a_successful_login_forgets_the_failures_at_its_address(
    client: AsyncTestClient[Litestar], make_account: AccountFactory
) -> None:
    account = await make_account()
    ip = unique_ip()
    for _ in range(2):
        for _ in range(2):
            assert (await login(client, account.email, WRONG, ip=ip)).status_code == 401
        assert (await login(client, account.email, GOOD_PASSWORD, ip=ip)).status_code == 200
    assert (await login(client, account.email, WRONG, ip=ip)).status_code == 401


async def test_one_address_trying_many_accounts_is_slowed(
    client: AsyncTestClient[Litestar],
) -> None:
    ip = unique_ip()
    for _ in range(30):
        assert (await login(client, unique_email(), WRONG, ip=ip)).status_code == 401
    _assert_throttled(await login(client, unique_email(), WRONG, ip=ip), at_most=120)
    # The gateway appends the real peer last; what a client put before it does not count.
    spoofed = await login(client, unique_email(), WRONG, ip=f"{unique_ip()}, {ip}")
    assert spoofed.status_code == 429
    assert (await login(client, unique_email(), WRONG)).status_code == 401

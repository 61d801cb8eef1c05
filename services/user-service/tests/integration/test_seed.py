"""`user-service seed`: the demo admin and shopper, created once, able to log in."""

from __future__ import annotations

import msgspec
import pytest
from conftest import login, unique_email
from shopkit.testing import client_for

from user_service.app import create_app
from user_service.config import DemoSettings, Settings
from user_service.seed import load_demo_data

pytestmark = pytest.mark.integration


async def test_seeding_twice_creates_the_demo_accounts_once(settings: Settings) -> None:
    demo = DemoSettings(
        admin_email=unique_email("demo-admin"),
        admin_password="demo-admin-pass-1",
        shopper_email=unique_email("demo-shopper"),
        shopper_password="demo-shopper-pass-1",
    )
    seeded = msgspec.structs.replace(settings, demo=demo)
    first = await load_demo_data(seeded)
    assert first.count("(created)") == 2
    assert demo.admin_email in first
    assert demo.admin_password in first
    second = await load_demo_data(seeded)
    assert second.count("(already there)") == 2

    async with client_for(create_app(seeded)) as client:
        admin = await login(client, demo.admin_email, demo.admin_password)
        assert admin.status_code == 200
        headers = {"Authorization": f"Bearer {admin.json()['access_token']}"}
        me = (await client.get("/api/users/me", headers=headers)).json()
        assert me["roles"] == ["admin", "customer"]
        assert (await client.get("/api/users", headers=headers)).status_code == 200
        shopper = await login(client, demo.shopper_email, demo.shopper_password)
        assert shopper.status_code == 200

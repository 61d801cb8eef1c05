"""The dashboard's pages satisfy the gateway's Content-Security-Policy: no inline script, event
handler or style (the browser tests check the real header; this is the cheap guard)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from litestar import Litestar
from litestar.testing import TestClient

pytestmark = pytest.mark.integration


def test_the_login_and_error_pages_are_csp_clean(
    client: TestClient[Litestar], assert_csp_clean: Callable[[str], None]
) -> None:
    login = client.get("/admin/login")
    assert login.status_code == 200
    assert_csp_clean(login.text)
    missing = client.get("/admin/no/such/page")
    assert missing.status_code == 404
    assert_csp_clean(missing.text)
    refused = client.post("/admin/logout", data={"_csrf": "guess"})
    assert refused.status_code == 403
    assert_csp_clean(refused.text)


@pytest.mark.parametrize("path", ["/admin", "/admin/products", "/admin/orders", "/admin/stock"])
def test_pages_of_a_logged_in_admin_are_csp_clean(
    client: TestClient[Litestar], assert_csp_clean: Callable[[str], None], path: str
) -> None:
    client.set_session_data(
        {
            "csrf": "known-token",
            "access_token": "access",
            "refresh_token": "refresh",
            "expires_at": int(time.time()) + 600,
            "user": {"id": "u1", "email": "admin@shopkit.local", "name": "Demo Admin"},
        }
    )
    response = client.get(path)
    assert response.status_code == 503  # the gateway is closed here: the layout, logged in
    assert "Log out" in response.text
    assert_csp_clean(response.text)

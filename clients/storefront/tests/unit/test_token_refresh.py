"""The token refresh rules of `ShopApi`, against a scripted transport (no service behind it)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from storefront.api import NotLoggedIn, ShopApi
from storefront.config import GatewaySettings
from storefront.gateway import ApiError, Gateway, ServiceUnavailable
from storefront.session import ShopSession

pytestmark = pytest.mark.unit


class Script:
    """Accepts only access token "fresh"; refresh token "r1" turns into ("fresh", "r2") once."""

    def __init__(self) -> None:
        self.refreshes = 0
        self.used = set[str]()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/auth/refresh":
            token = json.loads(request.content)["refresh_token"]
            if token in self.used or token != "r1":
                return httpx.Response(401, json={"detail": "refresh token reused"})
            self.used.add(token)
            self.refreshes += 1
            return httpx.Response(200, json={"access_token": "fresh", "refresh_token": "r2"})
        if request.url.path == "/api/broken":
            return httpx.Response(503, json={"detail": "down"})
        if request.headers.get("authorization") != "Bearer fresh":
            return httpx.Response(401, json={"detail": "expired"})
        return httpx.Response(200, json={"ok": request.url.path})


def _api(script: Script, data: dict[str, object]) -> ShopApi:
    gateway = Gateway(
        GatewaySettings(url="http://gateway.test"), transport=httpx.MockTransport(script)
    )
    return ShopApi(gateway, ShopSession(data), {"X-Request-ID": "r-1"})


async def test_concurrent_calls_refresh_once() -> None:
    script = Script()
    data: dict[str, object] = {"at": "expired", "rt": "r1"}
    api = _api(script, data)
    answers = await asyncio.gather(*(api.get(f"/api/x{i}", auth=True) for i in range(3)))
    assert [a["ok"] for a in answers] == ["/api/x0", "/api/x1", "/api/x2"]
    assert script.refreshes == 1
    assert data["at"] == "fresh"
    assert data["rt"] == "r2"


async def test_a_failed_refresh_logs_out() -> None:
    data: dict[str, object] = {"at": "expired", "rt": "unknown", "name": "Ada", "cur": "JPY"}
    with pytest.raises(NotLoggedIn):
        await _api(Script(), data).get("/api/orders", auth=True)
    assert data == {"cur": "JPY"}


async def test_customer_calls_need_a_login_and_errors_are_typed() -> None:
    api = _api(Script(), {})
    with pytest.raises(NotLoggedIn):
        await api.get("/api/orders", auth=True)
    with pytest.raises(ApiError) as refused:
        await api.get("/api/anything")
    assert refused.value.status_code == 401
    with pytest.raises(ServiceUnavailable) as failing:
        await api.get("/api/broken")
    assert failing.value.status_code == 502

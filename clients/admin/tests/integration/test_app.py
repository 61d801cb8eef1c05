"""The app in-process (Litestar's TestClient) with the gateway's port closed."""

from __future__ import annotations

import re
import time

import pytest
from litestar import Litestar
from litestar.testing import TestClient

pytestmark = pytest.mark.integration

PAGES = (
    "/admin",
    "/admin/products",
    "/admin/products/some-id",
    "/admin/categories",
    "/admin/stock?sku=HP-1",
    "/admin/orders?status=confirmed",
    "/admin/orders/some-id",
    "/admin/users",
    "/admin/rates",
    "/admin/dead-letters",
    "/admin/reconciliation",
)


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def logged_in(client: TestClient[Litestar]) -> None:
    """A session as a login leaves it (tokens the closed gateway will never see used)."""
    client.set_session_data(
        {
            "csrf": "known-token",
            "access_token": "access",
            "refresh_token": "refresh",
            "expires_at": int(time.time()) + 600,
            "user": {"id": "u1", "email": "admin@shopkit.local", "name": "Demo Admin"},
        }
    )


def test_health_does_not_depend_on_the_gateway(client: TestClient[Litestar]) -> None:
    live = client.get("/health/live")
    ready = client.get("/health/ready")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"
    assert "set-cookie" not in live.headers


def test_the_login_page_renders_with_a_session_cookie_for_admin_only(
    client: TestClient[Litestar],
) -> None:
    response = client.get("/admin/login?next=/admin/orders")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<label for="email">Email</label>' in html
    assert '<label for="password">Password</label>' in html
    assert '<button type="submit">Log in</button>' in html
    assert 'name="next" value="/admin/orders"' in html
    csrf_of(html)
    cookie = response.headers["set-cookie"]
    for attribute in ("HttpOnly", "Path=/admin", "SameSite=strict"):
        assert attribute in cookie
    assert "Log out" not in html


@pytest.mark.parametrize("path", PAGES)
def test_every_page_without_a_session_redirects_to_login(
    client: TestClient[Litestar], path: str
) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login?next=%2Fadmin")


def test_the_redirect_remembers_the_page_and_its_query(client: TestClient[Litestar]) -> None:
    response = client.get("/admin/orders?status=confirmed", follow_redirects=False)
    expected = "/admin/login?next=%2Fadmin%2Forders%3Fstatus%3Dconfirmed"
    assert response.headers["location"] == expected


@pytest.mark.parametrize(
    "path",
    [
        "/admin/login",
        "/admin/logout",
        "/admin/products/p1",
        "/admin/stock/HP-1/set",
        "/admin/rates",
        "/admin/dead-letters/replay",
    ],
)
def test_a_post_without_the_csrf_token_is_refused(client: TestClient[Litestar], path: str) -> None:
    client.get("/admin/login")
    logged_in(client)
    missing = client.post(path, data={"name": "x"}, follow_redirects=False)
    wrong = client.post(path, data={"_csrf": "guess", "name": "x"}, follow_redirects=False)
    for response in (missing, wrong):
        assert response.status_code == 403
        assert "nothing was changed" in response.text
        assert 'role="alert"' in response.text


def test_a_post_without_any_session_is_refused_too(client: TestClient[Litestar]) -> None:
    response = client.post(
        "/admin/login", data={"email": "a@b.c", "password": "x"}, follow_redirects=False
    )
    assert response.status_code == 403


def test_login_with_the_gateway_down_is_a_friendly_page(client: TestClient[Litestar]) -> None:
    token = csrf_of(client.get("/admin/login").text)
    response = client.post(
        "/admin/login",
        data={"_csrf": token, "email": "admin@shopkit.local", "password": "x", "next": "/admin"},
        follow_redirects=False,
    )
    assert response.status_code == 503
    assert "The shop is not answering" in response.text
    assert "Traceback" not in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_an_empty_login_form_is_refused_without_calling_the_gateway(
    client: TestClient[Litestar],
) -> None:
    token = csrf_of(client.get("/admin/login").text)
    response = client.post("/admin/login", data={"_csrf": token, "email": "", "password": ""})
    assert response.status_code == 400
    assert "Enter your email and password." in response.text


@pytest.mark.parametrize("path", PAGES)
def test_pages_with_the_gateway_down_are_friendly(client: TestClient[Litestar], path: str) -> None:
    logged_in(client)
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 503
    assert "The shop is not answering" in response.text
    assert "Traceback" not in response.text
    assert '<button type="submit">Log out</button>' in response.text


def test_an_expired_access_token_without_a_gateway_is_a_friendly_page(
    client: TestClient[Litestar],
) -> None:
    logged_in(client)
    client.set_session_data(
        {"csrf": "known-token", "access_token": "a", "refresh_token": "r", "expires_at": 0}
    )
    response = client.get("/admin", follow_redirects=False)
    assert response.status_code == 503


def test_a_form_with_an_invalid_amount_is_refused_before_the_gateway(
    client: TestClient[Litestar],
) -> None:
    logged_in(client)
    response = client.post(
        "/admin/stock/HP-1/adjust",
        data={"_csrf": "known-token", "delta": "1.5", "reason": "recount"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/stock?sku=HP-1"


def test_logging_out_ends_the_session_even_with_the_gateway_down(
    client: TestClient[Litestar],
) -> None:
    logged_in(client)
    response = client.post("/admin/logout", data={"_csrf": "known-token"}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/admin/login")
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_static_files_are_served_under_admin(client: TestClient[Litestar]) -> None:
    css = client.get("/admin/static/admin.css")
    js = client.get("/admin/static/admin.js")
    assert css.status_code == 200
    assert "text/css" in css.headers["content-type"]
    assert js.status_code == 200
    assert "set-cookie" not in css.headers


def test_unknown_pages_are_html_404s(client: TestClient[Litestar]) -> None:
    response = client.get("/admin/nothing/here/at/all")
    assert response.status_code == 404
    assert "There is no such page" in response.text


def test_metrics_count_the_pages_served(client: TestClient[Litestar]) -> None:
    client.get("/admin/login")
    metrics = client.get("/metrics").text
    assert "shopkit_requests_total{" in metrics
    assert 'service="admin"' in metrics
    assert 'path="/admin/login"' in metrics


def test_a_replay_for_a_service_not_registered_is_refused_before_the_gateway(
    client: TestClient[Litestar],
) -> None:
    logged_in(client)
    response = client.post(
        "/admin/dead-letters/replay",
        data={"_csrf": "known-token", "service": "nobody", "queue": "q", "message_id": "m"},
        follow_redirects=False,
    )
    assert response.status_code == 303  # the gateway is closed here: it was not asked
    assert response.headers["location"] == "/admin/dead-letters"

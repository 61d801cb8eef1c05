"""The app in-process: what a shopper sees when the gateway is not there, health, 404, the
CSRF token every form needs and the session cookie's flags."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator

import msgspec
import pytest
from litestar.testing import TestClient
from storefront.app import create_app
from storefront.config import load_settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(app=create_app(load_settings())) as client:
        yield client


def csrf_of(client: TestClient, path: str = "/login") -> str:  # type: ignore[type-arg]
    """The token a shopper's browser would post back: read from a form the page rendered."""
    match = re.search(r'name="_csrf" value="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def _friendly(html: str) -> None:
    assert "<html" in html
    assert "Traceback" not in html
    assert "problem" not in html


def test_health_does_not_need_the_gateway(client: TestClient) -> None:  # type: ignore[type-arg]
    assert client.get("/health/live").json() == {"status": "up"}
    assert client.get("/health/ready").status_code == 200


@pytest.mark.parametrize("path", ["/", "/categories/audio", "/search?q=hat", "/products/x"])
def test_an_unreachable_gateway_is_a_friendly_page(client: TestClient, path: str) -> None:  # type: ignore[type-arg]
    client.cookies.clear()
    token = csrf_of(client)
    client.post("/cart/items", data={"_csrf": token, "sku": "X", "quantity": "1"})  # no cart yet
    response = client.get(path)
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    _friendly(response.text)
    assert "The shop is taking a break" in response.text


def test_unknown_page_is_a_friendly_404(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get("/no/such/page")
    assert response.status_code == 404
    _friendly(response.text)
    assert "Page not found" in response.text
    assert client.get("/static/nope.css").status_code == 404


def test_bad_query_is_not_a_traceback(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.get("/search?page=zero")
    assert response.status_code == 400
    _friendly(response.text)


def test_pages_that_need_a_login_redirect_to_it(client: TestClient) -> None:  # type: ignore[type-arg]
    for path in ("/checkout", "/orders", "/orders/9e950e02-6c1a-56cd-96c3-4ba1f3564311"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"


def test_login_and_register_forms_render_without_the_api(client: TestClient) -> None:  # type: ignore[type-arg]
    login = client.get("/login?next=/checkout")
    assert login.status_code == 200
    assert 'value="/checkout"' in login.text
    register = client.get("/register?next=https://evil.example/")
    assert register.status_code == 200
    assert 'name="next" value="/"' in register.text
    missing = client.post(
        "/register",
        data={"_csrf": csrf_of(client, "/register"), "name": "", "email": "", "password": ""},
    )
    assert missing.status_code == 422
    assert 'role="alert"' in missing.text


def test_login_with_the_gateway_down_is_friendly(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.post(
        "/login",
        data={"_csrf": csrf_of(client), "email": "a@example.com", "password": "x" * 12},
    )
    assert response.status_code == 503
    _friendly(response.text)


def test_currency_is_remembered_in_an_httponly_lax_cookie(client: TestClient) -> None:  # type: ignore[type-arg]
    client.cookies.clear()
    token = csrf_of(client)
    response = client.post(
        "/currency",
        data={"_csrf": token, "currency": "JPY", "next": "/login"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert '<option value="JPY" selected>' in client.get("/login").text
    off_site = client.post(
        "/currency",
        data={"_csrf": token, "currency": "GBP", "next": "//evil.example"},
        follow_redirects=False,
    )
    assert off_site.headers["location"] == "/"


def test_an_unchanged_session_is_not_sent_again(client: TestClient) -> None:  # type: ignore[type-arg]
    client.cookies.clear()
    client.post(
        "/currency",
        data={"_csrf": csrf_of(client), "currency": "USD", "next": "/login"},
        follow_redirects=False,
    )
    assert "set-cookie" not in client.get("/login").headers


@pytest.fixture
def silent_gateway() -> Iterator[str]:
    """A socket that accepts connections and never answers: a gateway that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_hanging_gateway_times_out_into_a_friendly_page(silent_gateway: str) -> None:
    settings = load_settings()
    gateway = msgspec.structs.replace(settings.gateway, url=silent_gateway, timeout_seconds=0.3)
    app = create_app(msgspec.structs.replace(settings, gateway=gateway))
    with TestClient(app=app) as client:
        response = client.get("/")
    assert response.status_code == 503
    assert "took too long" in response.text


def test_every_response_says_its_server_time(client: TestClient) -> None:  # type: ignore[type-arg]
    timing = client.get("/health/live").headers["server-timing"]
    assert timing.startswith("app;dur=")


def test_metrics_count_the_pages_served(client: TestClient) -> None:  # type: ignore[type-arg]
    client.get("/login")
    metrics = client.get("/metrics").text
    assert "shopkit_requests_total{" in metrics
    assert 'service="storefront"' in metrics
    assert 'path="/login"' in metrics
    assert 'status_code="200"' in metrics

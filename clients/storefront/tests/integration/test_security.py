"""Cross-site requests are refused (every POST needs the session's CSRF token, login included)
and the session cookie is Secure whenever the shopper came over HTTPS."""

from __future__ import annotations

import re
from collections.abc import Iterator

import msgspec
import pytest
from litestar.testing import TestClient
from storefront.app import create_app
from storefront.config import load_settings

pytestmark = pytest.mark.integration

ORDER_ID = "9e950e02-6c1a-56cd-96c3-4ba1f3564311"
# Every state-changing route, with a body that would otherwise be acted on.
POSTS = {
    "/login": {"email": "victim@example.com", "password": "attacker-password-1", "next": "/"},
    "/register": {"name": "Eve", "email": "eve@example.com", "password": "Secret-pass-123"},
    "/logout": {},
    "/checkout": {
        "full_name": "Eve",
        "line1": "1 Main",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
        "currency": "EUR",
        "payment_method": "pm_card_visa",
        "idempotency_key": "k1",
    },
    "/cart/items": {"sku": "HP-1-BLK", "quantity": "1"},
    "/cart/items/HP-1-BLK": {"quantity": "5"},
    f"/orders/{ORDER_ID}/cancel": {},
    "/currency": {"currency": "GBP", "next": "/"},
    "/forgot-password": {"email": "victim@example.com"},
    "/reset-password": {"token": "t", "new_password": "New-pass-1234", "confirm": "New-pass-1234"},
}


@pytest.fixture
def client() -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(app=create_app(load_settings())) as client:
        yield client


def csrf_of(client: TestClient, path: str = "/login") -> str:  # type: ignore[type-arg]
    match = re.search(r'name="_csrf" value="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def currency_shown(client: TestClient) -> str:  # type: ignore[type-arg]
    match = re.search(r'<option value="([A-Z]{3})" selected>', client.get("/login").text)
    assert match
    return match.group(1)


def _refused(response: object) -> None:
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]
    assert "nothing was changed" in response.text  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", sorted(POSTS))
def test_a_post_without_or_with_a_wrong_token_is_refused(
    client: TestClient,  # type: ignore[type-arg]
    path: str,
) -> None:
    real = csrf_of(client)
    for token in (None, "", "guess", real[:-1]):
        data = dict(POSTS[path])
        if token is not None:
            data["_csrf"] = token
        _refused(client.post(path, data=data, follow_redirects=False))


def test_a_refused_post_changes_nothing_and_the_right_token_works(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    token = csrf_of(client)
    ok = client.post(
        "/currency", data={"_csrf": token, "currency": "JPY", "next": "/"}, follow_redirects=False
    )
    assert (ok.status_code, ok.headers["location"]) == (303, "/")
    assert currency_shown(client) == "JPY"
    forged = client.post("/currency", data={"currency": "GBP", "next": "/"})
    _refused(forged)
    assert currency_shown(client) == "JPY"


def test_a_token_from_another_session_is_refused(client: TestClient) -> None:  # type: ignore[type-arg]
    """What a cross-site attacker can get: a valid token, but of their own session."""
    with TestClient(app=create_app(load_settings())) as attacker:
        attackers_token = csrf_of(attacker)
    csrf_of(client)  # the victim has a session (and a token of their own)
    _refused(client.post("/currency", data={"_csrf": attackers_token, "currency": "GBP"}))
    _refused(
        client.post(
            "/login",
            data={"_csrf": attackers_token, "email": "eve@example.com", "password": "x" * 12},
        )
    )


def test_login_with_the_right_token_reaches_the_api(client: TestClient) -> None:  # type: ignore[type-arg]
    response = client.post(
        "/login",
        data={"_csrf": csrf_of(client), "email": "a@example.com", "password": "x" * 12},
    )
    assert response.status_code == 503  # past the guard: the (closed) gateway was asked


def test_a_json_post_without_the_form_field_is_refused(client: TestClient) -> None:  # type: ignore[type-arg]
    csrf_of(client)
    _refused(client.post("/currency", json={"currency": "GBP"}))


def _session_cookie(response: object) -> str:
    cookies = [
        value
        for key, value in response.headers.multi_items()  # type: ignore[attr-defined]
        if key == "set-cookie" and value.startswith("storefront_session=")
    ]
    assert cookies, "the session was not stored"
    return cookies[0].partition(";")[2].lower()  # the attributes, not the encrypted value


def test_the_session_cookie_is_secure_when_the_shopper_came_over_https(
    client: TestClient,  # type: ignore[type-arg]
) -> None:
    plain = _session_cookie(client.get("/login"))
    assert "secure" not in plain
    assert "httponly" in plain
    assert "samesite=lax" in plain
    client.cookies.clear()
    tls = _session_cookie(client.get("/login", headers={"X-Forwarded-Proto": "https"}))
    for flag in ("secure", "httponly", "samesite=lax"):
        assert flag in tls


def test_the_session_cookie_is_secure_when_the_settings_say_https() -> None:
    settings = load_settings()
    storefront = msgspec.structs.replace(settings.storefront, cookie_secure=True)
    with TestClient(app=create_app(msgspec.structs.replace(settings, storefront=storefront))) as c:
        assert "secure" in _session_cookie(c.get("/login"))


def test_login_links_to_the_forgot_password_page(client: TestClient) -> None:  # type: ignore[type-arg]
    assert 'href="/forgot-password">Forgot your password?</a>' in client.get("/login").text
    page = client.get("/forgot-password")
    assert page.status_code == 200
    assert ">Email</label>" in page.text
    assert ">Send reset link</button>" in page.text
    empty = client.post("/forgot-password", data={"_csrf": csrf_of(client), "email": " "})
    assert empty.status_code == 422
    assert 'role="alert"' in empty.text
    asked = client.post(
        "/forgot-password", data={"_csrf": csrf_of(client), "email": "a@example.com"}
    )
    assert asked.status_code == 503  # the user-service was asked (its gateway is closed here)


def test_the_emailed_reset_link_opens_a_private_form(client: TestClient) -> None:  # type: ignore[type-arg]
    page = client.get("/reset-password?token=tok-123")
    assert page.status_code == 200
    assert 'name="token" value="tok-123"' in page.text
    assert ">New password</label>" in page.text
    assert ">New password again</label>" in page.text
    assert ">Set new password</button>" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert '<meta name="referrer" content="no-referrer">' in page.text


def test_a_reset_link_without_its_token_says_so(client: TestClient) -> None:  # type: ignore[type-arg]
    page = client.get("/reset-password")
    assert page.status_code == 400
    assert 'role="alert"' in page.text
    assert 'name="new_password"' not in page.text
    assert 'href="/forgot-password">Request a new reset link</a>' in page.text


def test_the_two_new_passwords_must_match(client: TestClient) -> None:  # type: ignore[type-arg]
    token = csrf_of(client, "/reset-password?token=tok-123")
    form = {"_csrf": token, "token": "tok-123", "new_password": "A-long-pass-1"}
    mismatch = client.post("/reset-password", data={**form, "confirm": "A-long-pass-2"})
    assert mismatch.status_code == 422
    assert "The two passwords do not match." in mismatch.text
    assert 'name="token" value="tok-123"' in mismatch.text  # the form stays usable
    empty = client.post("/reset-password", data={**form, "new_password": "", "confirm": ""})
    assert empty.status_code == 422
    assert "Enter a new password." in empty.text
    sent = client.post("/reset-password", data={**form, "confirm": "A-long-pass-1"})
    assert sent.status_code == 503  # matching: user-service was asked (closed gateway here)

"""The pages satisfy the gateway's Content-Security-Policy: no inline script, event handler or
style (the browser tests check the real header; this is the cheap guard)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from litestar.testing import TestClient
from storefront.app import create_app
from storefront.config import load_settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(app=create_app(load_settings())) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/login", 200),
        ("/register", 200),
        ("/forgot-password", 200),
        ("/reset-password?token=t", 200),
        ("/reset-password", 400),
        ("/", 503),  # the gateway is closed here: the error page in the shop's layout
        ("/products/x", 503),
        ("/no/such/page", 404),
    ],
)
def test_pages_have_no_inline_script_handler_or_style(
    client: TestClient,  # type: ignore[type-arg]
    assert_csp_clean: Callable[[str], None],
    path: str,
    status: int,
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert_csp_clean(response.text)


def test_the_refused_form_page_is_clean_too(
    client: TestClient,  # type: ignore[type-arg]
    assert_csp_clean: Callable[[str], None],
) -> None:
    response = client.post("/currency", data={"currency": "GBP"})
    assert response.status_code == 403
    assert_csp_clean(response.text)

from __future__ import annotations

import pytest
from storefront.pages import safe_next
from storefront.session import ShopSession

pytestmark = pytest.mark.unit


def test_currency_is_remembered_and_validated() -> None:
    data: dict[str, object] = {}
    session = ShopSession(data)
    assert session.currency == "EUR"
    session.currency = "JPY"
    assert ShopSession(data).currency == "JPY"
    data["cur"] = "<script>"
    assert ShopSession(data).currency == "EUR"


def test_log_out_keeps_the_currency_and_forgets_the_rest() -> None:
    data: dict[str, object] = {}
    session = ShopSession(data)
    session.currency = "GBP"
    session.set_tokens("access", "refresh")
    session.set_user("Ada")
    session.set_cart("cart-1", 3)
    assert session.logged_in
    assert session.cart_count == 3
    session.log_out()
    assert data == {"cur": "GBP"}
    assert not session.logged_in
    assert session.cart_id is None
    assert session.cart_count == 0


def test_flashes_are_shown_once() -> None:
    session = ShopSession({})
    session.flash("Added")
    session.flash("No stock", error=True)
    assert session.pop_flashes() == [
        {"text": "Added", "error": False},
        {"text": "No stock", "error": True},
    ]
    assert session.pop_flashes() == []


def test_a_decline_is_told_once_for_its_order() -> None:
    session = ShopSession({})
    session.note_declined("order-1")
    assert not session.pop_declined("order-2")
    assert session.pop_declined("order-1")
    assert not session.pop_declined("order-1")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/checkout", "/checkout"),
        ("/search?q=x", "/search?q=x"),
        (None, "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_stays_on_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected

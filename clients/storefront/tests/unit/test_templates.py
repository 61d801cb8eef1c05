"""The templates render with sample data, carrying the names the browser tests rely on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import storefront
from litestar.plugins.jinja import JinjaTemplateEngine
from storefront import templating
from storefront.controllers.orders import status_view
from storefront.payments import TEST_METHODS

pytestmark = pytest.mark.unit

LAYOUT = {
    "shopper": {"logged_in": False, "name": "", "cart_count": 2, "currency": "JPY"},
    "currencies": ["EUR", "USD", "GBP", "JPY"],
    "nav_categories": [{"slug": "audio", "name": "Audio", "children": []}],
    "flashes": [],
    "current_path": "/",
    "version": "1.0.0",
    "csrf": "csrf-token-1",
}
PRODUCT = {
    "id": "p1",
    "slug": "sony-headphones",
    "name": "Sony <Headphones>",
    "brand": "Sony",
    "description": "Quiet.",
    "images": [],
    "attributes": {"battery_life": "30 h"},
}
VARIANTS = [
    {
        "sku": "HP-1-BLK",
        "options": {"colour": "Black"},
        "price": {"amount": 61990, "currency": "JPY"},
        "available": 12,
    },
    {
        "sku": "HP-1-SLV",
        "options": {"colour": "Silver"},
        "price": {"amount": 62000, "currency": "JPY"},
        "available": 0,
    },
]


@pytest.fixture(scope="module")
def render(assert_csp_clean: Callable[[str], None]) -> Any:
    """Renders a page; every page rendered here must also satisfy the gateway's CSP."""
    engine = JinjaTemplateEngine(directory=Path(storefront.__file__).parent / "templates")
    templating.configure(engine)

    def _render(name: str, **context: Any) -> str:
        html = engine.get_template(name).render(**{**LAYOUT, **context})
        assert_csp_clean(html)
        return html

    return _render


def test_layout_has_the_header_controls(render: Any) -> None:
    html = render("home.html", featured=[], category_tree=[])
    assert '<html lang="en">' in html
    assert 'href="#main"' in html
    assert 'id="main"' in html
    assert 'role="search"' in html
    assert ">Search products</label>" in html
    assert 'role="listbox"' in html
    assert 'href="/cart"' in html
    assert "(2)" in html
    assert ">Log in</a>" in html
    assert ">Register</a>" in html
    assert ">Currency</label>" in html
    assert '<option value="JPY" selected>' in html
    assert "<noscript>" in html


def test_logged_in_header(render: Any) -> None:
    html = render(
        "home.html", featured=[], category_tree=[], shopper={**LAYOUT["shopper"], "logged_in": True}
    )
    assert 'href="/orders">My orders</a>' in html
    assert ">Log out</button>" in html
    assert ">Log in</a>" not in html


def test_product_page(render: Any) -> None:
    html = render(
        "product.html", product=PRODUCT, variants=VARIANTS, selected=VARIANTS[0], breadcrumbs=[]
    )
    assert "<h1>Sony &lt;Headphones&gt;</h1>" in html  # escaped
    assert 'data-testid="price"' in html
    assert "¥61,990" in html
    assert 'data-testid="stock"' in html
    assert "12 in stock" in html
    assert ">Variant</label>" in html
    assert ">Black (HP-1-BLK)</option>" in html
    assert ">Quantity</label>" in html
    assert ">Add to cart</button>" in html
    assert 'alt="No photo of Sony &lt;Headphones&gt; yet"' in html


def test_an_out_of_stock_variant(render: Any) -> None:
    html = render(
        "product.html", product=PRODUCT, variants=VARIANTS, selected=VARIANTS[1], breadcrumbs=[]
    )
    assert "Out of stock" in html
    assert "disabled>Add to cart" in html


def test_cart_page(render: Any) -> None:
    cart = {
        "lines": [
            {
                "sku": "HP-1-BLK",
                "name": "Sony",
                "quantity": 2,
                "available": 12,
                "unit_price": {"amount": 61990, "currency": "JPY"},
                "line_total": {"amount": 123980, "currency": "JPY"},
            },
        ],
        "total": {"amount": 123980, "currency": "JPY"},
        "unavailable_skus": [],
    }
    html = render("cart.html", cart=cart)
    assert 'data-testid="cart-total">¥123,980<' in html
    assert ">Checkout</a>" in html
    assert 'value="2"' in html


def test_listing_pages(render: Any) -> None:
    html = render(
        "listing.html",
        heading="Audio",
        filters={"brand": None, "sort": None},
        base_path="/categories/audio",
        items=[
            {
                "slug": "x",
                "name": "Speaker",
                "price": {"amount": 100, "currency": "JPY"},
                "in_stock": True,
            }
        ],
        total=30,
        page=2,
        pages=3,
        sorts={"newest": "Newest"},
        facets={
            "brand": [{"value": "Sony", "count": 3}],
            "price": [{"from": 0, "to": 2500, "count": 1}, {"from": 5000, "to": None, "count": 2}],
        },
    )
    assert ">Previous page</a>" in html
    assert ">Next page</a>" in html
    assert 'href="/products/x">Speaker</a>' in html
    assert "Sony <span" in html
    assert "¥5,000 and more" in html


def test_checkout_page(render: Any) -> None:
    form = {
        "full_name": "Ada",
        "country": "DE",
        "currency": "EUR",
        "payment_method": "pm_card_visa",
        "idempotency_key": "k1",
    }
    html = render(
        "checkout.html",
        cart=None,
        form=form,
        errors=["City is required."],
        countries={"DE": "Germany"},
        methods=TEST_METHODS,
    )
    for label in ("Full name", "Street", "City", "Postal code", "Country", "Currency"):
        assert f">{label}</label>" in html
    assert html.count(">Currency</label>") == 1  # the header switcher steps aside here
    assert "<legend>Test payment method</legend>" in html
    assert 'value="pm_card_chargeDeclined"' in html
    assert 'value="k1"' in html
    assert 'role="alert"' in html
    assert ">Place order and pay</button>" in html


def test_order_page(render: Any) -> None:
    order = {
        "id": "9e950e02-6c1a-56cd-96c3-4ba1f3564311",
        "status": "cancelled",
        "cancel_reason": "payment_failed",
        "lines": [
            {
                "sku": "S",
                "name": "Sony",
                "quantity": 1,
                "unit_price": {"amount": 5, "currency": "EUR"},
                "line_total": {"amount": 5, "currency": "EUR"},
            }
        ],
        "total": {"amount": 5, "currency": "EUR"},
        "refunded": {"amount": 0, "currency": "EUR"},
        "shipping_address": {
            "name": "Ada",
            "line1": "1 Main",
            "city": "Berlin",
            "postal_code": "1",
            "country": "DE",
        },
        "history": [{"to": "pending", "reason": "placed", "at": "2026-12-02T00:34:28Z"}],
    }
    html = render("order.html", order=order, progress=status_view(order))
    assert 'data-testid="order-status"' in html
    assert ">cancelled</strong>" in html
    assert html.count('role="alert"') == 1
    assert "declined" in html
    assert "Pending" in html
    assert "€0.05" in html


def test_every_post_form_carries_the_csrf_token(render: Any) -> None:
    pages = [
        render("home.html", featured=[], category_tree=[], shopper={"logged_in": True}),
        render("login.html", next="/", form={}),
        render("register.html", next="/", form={}),
        render("forgot_password.html", form={}),
        render("reset_password.html", token="t", errors=[]),
        render("product.html", product=PRODUCT, variants=VARIANTS, selected=VARIANTS[0]),
        render(
            "checkout.html",
            cart=None,
            form={"idempotency_key": "k1"},
            errors=[],
            countries={"DE": "Germany"},
            methods=TEST_METHODS,
        ),
    ]
    for html in pages:
        forms = html.count('method="post"')
        assert forms > 0
        assert html.count('<input type="hidden" name="_csrf" value="csrf-token-1">') == forms


def test_the_csp_guard_sees_what_the_policy_blocks(
    csp_blocked: Callable[[str], list[str]],
) -> None:
    """The guard itself: each of these would be blocked by the gateway's policy."""
    bad = [
        "<html><script>alert(1)</script></html>",
        '<html><button onclick="go()">x</button></html>',
        '<html><p style="color:red">x</p></html>',
        "<html><style>p{}</style></html>",
        '<html><a href="javascript:go()">x</a></html>',
        '<html><script src="https://cdn.example/x.js"></script></html>',
        '<html><form action="https://evil.example/" method="post"></form></html>',
    ]
    for html in bad:
        assert csp_blocked(html), html
    assert csp_blocked('<html><script src="/static/app.js" defer></script></html>') == []


def test_an_order_waiting_for_its_payment_offers_pay_now(render: Any) -> None:
    order = {
        "id": "o1",
        "status": "awaiting_payment",
        "currency": "EUR",
        "total": {"amount": 5, "currency": "EUR"},
        "lines": [],
        "history": [],
        "shipping_address": {
            "name": "A",
            "line1": "B",
            "postal_code": "1",
            "city": "C",
            "country": "DE",
        },
    }
    waiting = render(
        "order.html",
        order=order,
        progress=status_view(order),
        payable=True,
        methods=TEST_METHODS,
        default_method="pm_card_visa",
    )
    assert 'action="/orders/o1/pay"' in waiting
    assert '<button type="submit" class="primary">Pay now</button>' in waiting
    assert '<option value="pm_card_visa" selected>Visa</option>' in waiting
    assert waiting.count('name="_csrf"') == 3  # Pay now, Cancel order and Log out
    paid = render("order.html", order=order, progress=status_view(order), payable=False)
    assert "Pay now" not in paid

"""Issue 9, item 8, in a real browser (Playwright driving Debian's Chromium) through the gateway:
the storefront's and the admin's pages satisfy the Content-Security-Policy the gateway sends
(no inline script or style, nothing from elsewhere), and the security headers are on API
answers and HTML pages alike.

Chromium reports a violated policy twice: as a console error ("Refused to ... because it
violates the following Content Security Policy directive ...") and as a
`securitypolicyviolation` event on the document. Both are collected for every page.

The browser runs in a thread of its own: `test_browser.py` keeps a synchronous Playwright open
for the whole session, and Playwright's sync API refuses a second one in the same thread."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import pytest
from conftest import ADMIN, GATEWAY, Gateway
from playwright.sync_api import ConsoleMessage, Page, expect, sync_playwright

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
# GATEWAY_CSP_IMG_SRC's default adds the demo catalog's image host to img-src.
CSP_WEB = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: https://picsum.photos; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
CSP_API = "default-src 'none'; frame-ancestors 'none'"
SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}
# Records every violation the document sees, before any of the page's own scripts run
# (Playwright's init scripts are not subject to the page's policy).
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ` +
    `${e.sourceFile || location.pathname}:${e.lineNumber} ${e.sample || ""}`.trim()
  );
}, true);
"""
CSP_CONSOLE = re.compile(r"Content[ -]Security[ -]Policy", re.I)

T = TypeVar("T")


def _in_own_thread(work: Callable[[], T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result(timeout=300)


@dataclass
class Visit:
    path: str
    status: int | None = None
    console: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    def violations(self) -> list[str]:
        return [f"console: {m}" for m in self.console] + [f"event: {e}" for e in self.events]


def _visit(page: Page, path: str, log: list[str]) -> Visit:
    log.clear()
    response = page.goto(path, wait_until="load")
    page.wait_for_load_state("networkidle")
    visit = Visit(path, response.status if response else None)
    visit.console = list(log)
    visit.events = page.evaluate("window.__cspViolations")
    return visit


def _walk_the_shop() -> list[Visit]:
    """Home, a category, a product page, a search, the cart, login, register, the admin's
    login and (logged in) its dashboard and orders."""
    visits: list[Visit] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=GATEWAY)
            # The demo catalog's images live on the internet, which this machine cannot reach.
            context.route(
                re.compile(r"^https?://(?!127\.0\.0\.1|localhost)"), lambda route: route.abort()
            )
            context.add_init_script(LISTEN)
            page = context.new_page()
            page.set_default_timeout(15_000)
            log: list[str] = []

            def on_console(message: ConsoleMessage) -> None:
                if CSP_CONSOLE.search(message.text):
                    log.append(message.text)

            page.on("console", on_console)
            visits.append(_visit(page, "/", log))
            category = page.locator("a[href^='/categories/']").first.get_attribute("href")
            assert category, "no category link on the storefront's home page"
            visits.append(_visit(page, category, log))
            product = page.locator("a[href^='/products/']").first.get_attribute("href")
            assert product, f"no product link on {category}"
            visits.append(_visit(page, product, log))
            for path in ("/search?q=hedphones", "/cart", "/login", "/register", "/admin/login"):
                visits.append(_visit(page, path, log))
            # The admin's pages behind the login, reached by the login form itself.
            log.clear()
            page.get_by_label("Email").fill(ADMIN[0])
            page.get_by_label("Password").fill(ADMIN[1])
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("link", name="Dashboard", exact=True)).to_be_visible()
            visits.append(_visit(page, "/admin", log))
            visits.append(_visit(page, "/admin/orders", log))
        finally:
            browser.close()
    return visits


def test_the_storefront_and_admin_pages_violate_no_content_security_policy(
    shop: Gateway,
) -> None:
    visits = _in_own_thread(_walk_the_shop)
    violated = {v.path: v.violations() for v in visits if v.violations()}
    assert violated == {}, "\n".join(
        f"{path}:\n  " + "\n  ".join(lines) for path, lines in violated.items()
    )
    # Every page really was the page (an error page would prove little about the real one).
    assert [v.status for v in visits] == [200] * len(visits), [(v.path, v.status) for v in visits]


def _lower(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


@pytest.mark.parametrize(
    ("path", "kind", "csp"),
    [
        ("/api/products?limit=1", "application/json", CSP_API),
        ("/api/nothing-here", "application/problem+json", CSP_API),
        ("/", "text/html", CSP_WEB),
        ("/login", "text/html", CSP_WEB),
        ("/admin/login", "text/html", CSP_WEB),
    ],
)
def test_api_answers_and_pages_carry_the_security_headers(
    shop: Gateway, path: str, kind: str, csp: str
) -> None:
    reply = shop.call("GET", path, headers={"Accept": "*/*"})
    headers = _lower(reply.headers)
    assert headers["content-type"].startswith(kind), (path, headers["content-type"])
    for name, value in SECURITY.items():
        assert headers.get(name) == value, (path, name)
    assert headers.get("content-security-policy") == csp, path
    # Plain HTTP straight from the browser: no HSTS; behind an HTTPS proxy there is.
    assert "strict-transport-security" not in headers
    https = _lower(shop.call("GET", path, headers={"X-Forwarded-Proto": "https"}).headers)
    assert https["strict-transport-security"].startswith("max-age=")

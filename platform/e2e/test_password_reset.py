"""A forgotten password, end to end as a shopper meets it: the storefront's form, the email in
the local mail sink, the link in it, the new password, and a login with it.

Everything goes through the gateway; the mail is read where `make up` delivers it
(`.run/mail/new/`), so this proves the mail really arrives.
"""

from __future__ import annotations

import email
import email.policy
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from conftest import GATEWAY, ROOT, Gateway, eventually

pytestmark = pytest.mark.e2e

MAIL_NEW = ROOT / ".run" / "mail" / "new"
CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


class Browser:
    """A cookie-keeping form client of the storefront (no JavaScript needed for these pages)."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(GATEWAY + path, timeout=10) as response:
            return response.status, response.read().decode()

    def submit(self, form_path: str, action: str, fields: dict[str, str]) -> tuple[int, str]:
        """Open the page holding the form, then post it back with the page's CSRF token."""
        _, page = self.get(form_path)
        token = CSRF.search(page)
        assert token, f"{form_path} has no CSRF token"
        body = urllib.parse.urlencode({**fields, "_csrf": token.group(1)}).encode()
        try:
            with self.opener.open(GATEWAY + action, body, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def reset_link_for(address: str) -> str | None:
    """The reset link of the newest mail to `address` in the sink, if one has arrived."""
    for path in sorted(MAIL_NEW.glob("*"), key=lambda p: p.stat().st_mtime, reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address not in str(message["To"]):
            continue
        text = _text_of(message)
        found = re.search(r"https?://[^\s\"'<>]+/reset-password\?token=[A-Za-z0-9_\-.%]+", text)
        if found:
            return found.group(0)
    return None


def _text_of(message: email.message.Message) -> str:
    parts = message.walk() if message.is_multipart() else [message]
    return "\n".join(
        str(part.get_content())
        for part in parts
        if part.get_content_maintype() == "text"  # type: ignore[attr-defined]
    )


def test_a_shopper_resets_a_forgotten_password_from_the_emailed_link(shop: Gateway) -> None:
    address = f"forgetful-{uuid.uuid4().hex[:10]}@example.com"
    old, new = "first-horse-battery-42", "second-staple-battery-77"
    registered = shop.call(
        "POST", "/api/auth/register", {"email": address, "password": old, "name": "Forgetful"}
    )
    assert registered.status == 201, registered.body

    browser = Browser()
    status, page = browser.submit("/forgot-password", "/forgot-password", {"email": address})
    assert status == 200, page[:500]
    assert "a link to choose a new password is on its way" in page

    link, _ = eventually(lambda: reset_link_for(address), seconds=20, every=0.25)
    path = urllib.parse.urlsplit(link)
    reset_page = f"{path.path}?{path.query}"
    token = urllib.parse.parse_qs(path.query)["token"][0]

    status, page = browser.submit(
        reset_page, "/reset-password", {"token": token, "new_password": new, "confirm": new}
    )
    assert status == 200, page[:500]
    assert "password has been changed" in page

    assert shop.call("POST", "/api/auth/login", {"email": address, "password": new}).status == 200
    assert shop.call("POST", "/api/auth/login", {"email": address, "password": old}).status == 401
    # The link works once: a second use changes nothing.
    browser.submit(
        reset_page, "/reset-password", {"token": token, "new_password": old, "confirm": old}
    )
    assert shop.call("POST", "/api/auth/login", {"email": address, "password": old}).status != 200


def test_the_reset_form_without_its_csrf_token_is_refused(shop: Gateway) -> None:
    del shop
    body = urllib.parse.urlencode({"email": "shopper@shopkit.local"}).encode()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(GATEWAY + "/forgot-password", body, timeout=10)
    assert refused.value.code == 403

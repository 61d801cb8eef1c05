"""SendGrid and Twilio, the paid third parties: a local stand-in for each HTTP API receives the
real requests our httpx senders make, through the whole pipeline (event -> log -> send)."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import msgspec
import pytest
from conftest import SQL, Publish, wait_for_rows
from sample_events import OrderConfirmed, UserRegistered, new_id, order_fields
from shopkit.testing import client_for

from notification_service.app import create_app
from notification_service.config import SendGridSettings, Settings, TwilioSettings

pytestmark = pytest.mark.integration


class StandIn:
    """Records each request (method, path, headers, body) and answers `status`."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.requests: list[dict[str, Any]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                stand_in.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                reply = b'{"sid": "SM123"}' if stand_in.status < 300 else b'{"errors": ["nope"]}'
                self.send_response(stand_in.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    server = StandIn(status=202)
    yield server
    server.close()


async def test_with_a_sendgrid_key_email_goes_through_sendgrids_api(
    settings: Settings, stand_in: StandIn, publish: Publish, sql: SQL
) -> None:
    sendgrid = SendGridSettings(api_key="SG.test-key", api_base=stand_in.url)
    user = new_id()
    async with client_for(create_app(msgspec.structs.replace(settings, sendgrid=sendgrid))):
        event = await publish(UserRegistered(user_id=user, email=f"{user}@example.com", name="Ada"))
        [row] = await wait_for_rows(sql, event.id, status="sent")

    assert row["provider"] == "sendgrid"
    [request] = [r for r in stand_in.requests if user.encode() in r["body"]]
    assert request["path"] == "/v3/mail/send"
    assert request["headers"]["Authorization"] == "Bearer SG.test-key"
    body = json.loads(request["body"])
    assert body["personalizations"] == [{"to": [{"email": f"{user}@example.com"}]}]
    assert body["from"] == {"email": "no-reply@shopkit.local", "name": "Shopkit"}
    assert body["subject"] == "Welcome to Shopkit, Ada"
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    assert "Hello Ada," in body["content"][0]["value"]


async def test_a_sendgrid_refusal_is_logged_as_failed_with_the_reason(
    settings: Settings, stand_in: StandIn, publish: Publish, sql: SQL
) -> None:
    stand_in.status = 401
    sendgrid = SendGridSettings(api_key="SG.revoked", api_base=stand_in.url)
    user = new_id()
    async with client_for(create_app(msgspec.structs.replace(settings, sendgrid=sendgrid))):
        event = await publish(UserRegistered(user_id=user, email=f"{user}@example.com", name="Ada"))
        [row] = await wait_for_rows(sql, event.id, status="failed")
    assert row["last_error"].startswith("SendGrid answered 401")
    assert "SG.revoked" not in row["last_error"]


async def test_with_twilio_configured_sms_goes_through_twilios_api(
    settings: Settings,
    stand_in: StandIn,
    publish: Publish,
    sql: SQL,
    token_factory: Any,
) -> None:
    stand_in.status = 201
    twilio = TwilioSettings(
        account_sid="AC123", auth_token="secret", sender="+15005550006", api_base=stand_in.url
    )
    user = new_id()
    app = create_app(msgspec.structs.replace(settings, twilio=twilio))
    async with client_for(app) as client:
        await client.put(
            "/api/notifications/preferences",
            json={"email": True, "sms": True, "phone": "+4915123456789"},
            headers={"Authorization": f"Bearer {token_factory(subject=user)}"},
        )
        fields = order_fields(user, f"{user}@example.com", "Ada", currency="GBP", unit=850)
        event = await publish(OrderConfirmed(**fields))
        for _ in range(200):
            rows = await sql(
                "SELECT * FROM delivery WHERE event_id = :id AND channel = 'sms'", id=event.id
            )
            if rows and rows[0]["status"] == "sent":
                break
            await asyncio.sleep(0.05)
    [sms] = rows
    assert sms["status"] == "sent"
    assert sms["provider"] == "twilio"
    [request] = [r for r in stand_in.requests if "Accounts/AC123" in r["path"]]
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    expected = base64.b64encode(b"AC123:secret").decode()
    assert request["headers"]["Authorization"] == f"Basic {expected}"
    form = parse_qs(request["body"].decode())
    assert form["To"] == ["+4915123456789"]
    assert form["From"] == ["+15005550006"]
    assert form["Body"] == [f"Shopkit: Ada, your order {fields['order_id']} (£17.00) is confirmed."]

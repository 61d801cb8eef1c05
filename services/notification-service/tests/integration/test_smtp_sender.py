"""The SMTP sender keeps one connection open between messages, and a message is still
delivered after the server has dropped that connection or been away."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import MailSink
from shopkit.testing import free_port

from notification_service.config import SmtpSettings
from notification_service.domain.notifications._channels import (
    DeliveryError,
    Outgoing,
    SmtpSender,
)

pytestmark = pytest.mark.integration


class CountingSink(MailSink):
    """A mail sink that also counts the SMTP sessions opened to it."""

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.sessions = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.sessions += 1
        session.host_name = hostname
        return responses


def _message(n: int) -> Outgoing:
    return Outgoing(to=f"buyer{n}@example.com", subject=f"Order {n}", text=f"Thanks {n}")


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def sender(port: int) -> SmtpSender:
    return SmtpSender(SmtpSettings(port=port, timeout_seconds=2.0), "Shopkit <shop@example.com>")


async def test_messages_share_one_connection(port: int, sender: SmtpSender) -> None:
    sink = CountingSink(port)
    sink.controller.start()
    try:
        for n in range(3):
            await sender.send(_message(n))
        assert [m["Subject"] for m in sink.messages] == ["Order 0", "Order 1", "Order 2"]
        assert sink.sessions == 1
    finally:
        await sender.aclose()
        sink.controller.stop()


async def test_a_message_after_the_server_restarted_is_delivered(
    port: int, sender: SmtpSender
) -> None:
    sink = CountingSink(port)
    sink.controller.start()
    await sender.send(_message(1))
    sink.controller.stop()  # drops the connection the sender keeps

    again = CountingSink(port)
    again.controller.start()
    try:
        await sender.send(_message(2))
        assert [m["Subject"] for m in again.messages] == ["Order 2"]
    finally:
        await sender.aclose()
        again.controller.stop()


async def test_a_server_that_is_away_fails_the_message_then_the_next_one_goes(
    port: int, sender: SmtpSender
) -> None:
    with pytest.raises(DeliveryError, match=f":{port}: "):
        await sender.send(_message(1))

    sink = CountingSink(port)
    sink.controller.start()
    try:
        await sender.send(_message(2))
        assert [m["Subject"] for m in sink.messages] == ["Order 2"]
    finally:
        await sender.aclose()
        sink.controller.stop()

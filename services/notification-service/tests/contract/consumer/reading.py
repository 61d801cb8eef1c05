"""What every message pact of notification-service shares: the envelope the inbox relies on,
and the check a pact message must pass — decoded as a delivery is (the SDK's envelope, then
this service's own payload reader) and rendered into its email by the real templates."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import pytest
from pact import Pact, match
from shopkit.messaging import decode_envelope, payload_as
from shopkit.testing import event_envelope, find_pact_dir

from notification_service.domain.notifications import Templates
from notification_service.domain.notifications.services import reason_text
from notification_service.events.payloads import (
    READERS,
    OrderCancelled,
    OrderShipped,
    OrderSummary,
    PasswordResetRequested,
    PaymentRefunded,
    UserRegistered,
)

CONSUMER = "notification-service"
TEMPLATES = Templates()
TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
CURRENCY = match.regex("EUR", regex=r"^[A-Z]{3}$")


def money(amount: int = 1999) -> dict[str, Any]:
    return {"amount": match.integer(amount), "currency": CURRENCY}


def context_for(read: msgspec.Struct) -> dict[str, Any]:
    """The template context the service builds from what it read (names as in services.py)."""
    context: dict[str, Any] = {"storefront_url": "http://localhost:8080", "name": "Ada"}
    if isinstance(read, UserRegistered):
        context.update(name=read.name, email=read.email)
    elif isinstance(read, PasswordResetRequested):
        context.update(
            name=read.name,
            reset_url=f"/reset-password?token={read.reset_token}",
            expires_at=read.expires_at.isoformat(),
        )
    elif isinstance(read, OrderSummary):
        context.update(name=read.customer_name, order=read)
        if isinstance(read, OrderCancelled):
            context["reason_text"] = reason_text(read.reason)
        if isinstance(read, OrderShipped):
            context["shipped_at"] = read.shipped_at
    elif isinstance(read, PaymentRefunded):
        context["refund"] = read
    else:
        context["stock"] = read
    return context


def read_as_the_handlers_do(body: str | bytes | None, _metadata: dict[str, object]) -> None:
    assert body is not None
    delivered = decode_envelope(body.encode() if isinstance(body, str) else body)
    assert delivered.id
    read = payload_as(delivered, READERS[delivered.type])
    template = delivered.type.removesuffix(".v1")
    email = TEMPLATES.render(template, "email", context_for(read))
    assert email.subject
    assert email.text


def pact_for(provider: str, describe: Callable[[Pact], None]) -> Iterator[Pact]:
    """One Pact object for the pair, written once after the tests have verified it."""
    pact = Pact(CONSUMER, provider).with_specification("V4")
    describe(pact)
    yield pact
    folder = find_pact_dir()
    if folder is None:
        pytest.fail("run from inside the repository (or set PACT_DIR)")
    pact.write_file(folder, overwrite=True)


def describe_messages(
    pact: Pact, producer: str, messages: list[tuple[str, str, dict[str, Any]]]
) -> None:
    for description, event_type, payload in messages:
        pact.upon_receiving(description, "Async").with_body(
            event_envelope(event_type, producer, payload), "application/json"
        )

"""notification-service's pact with user-service
(`contracts/pacts/notification-service-user-service.json`):
the account events it mails about, and the address and name it keeps from them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pact import Pact, match
from reading import TIMESTAMP, describe_messages, pact_for, read_as_the_handlers_do

pytestmark = pytest.mark.contract

PRODUCER = "user-service"
USER = {
    "user_id": match.str("0193a5b2-7c1d-7e4f-9a10-5b6c7d8e9f00"),
    "email": match.regex("ada@example.com", regex=r"^[^@\s]+@[^@\s]+$"),
    "name": match.str("Ada Lovelace"),
}


def describe(pact: Pact) -> None:
    describe_messages(
        pact,
        PRODUCER,
        [
            ("a user.registered event", "user.registered.v1", USER),
            (
                "a user.password_reset_requested event",
                "user.password_reset_requested.v1",
                {
                    **USER,
                    "reset_token": match.str("b3JkZXItcmVzZXQtdG9rZW4"),
                    "expires_at": match.regex("2026-11-25T11:00:00Z", regex=TIMESTAMP),
                },
            ),
        ],
    )


@pytest.fixture(scope="module")
def pact() -> Iterator[Pact]:
    yield from pact_for(PRODUCER, describe)


def test_account_events_carry_what_the_emails_need(pact: Pact) -> None:
    pact.verify(read_as_the_handlers_do, "Async")

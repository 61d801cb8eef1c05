"""A message goes out once even when the database or the process fails around the send: the
claim is committed before the message goes out, the outcome is recorded afterwards however long
the database takes to come back, and a message whose sender died mid-send goes out again with
the same Message-ID, by which mail systems recognise the copy."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from conftest import SQL, MailSink, Publish, wait_for_rows
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sample_events import UserRegistered, new_id
from shopkit.db import sqlalchemy_config
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from notification_service.config import Settings
from notification_service.domain.notifications import (
    Channels,
    Dispatcher,
    NotificationService,
    Templates,
)

pytestmark = pytest.mark.integration


async def test_a_message_whose_sender_died_mid_send_goes_out_again_as_the_same_message(
    client: AsyncTestClient[Litestar], publish: Publish, sql: SQL, mail_sink: MailSink
) -> None:
    user = new_id()
    event = await publish(UserRegistered(user_id=user, email=f"{user}@example.com", name="Ada"))
    [first] = await wait_for_rows(sql, event.id, status="sent")
    # What a process killed between the send and recording it leaves: `sending`, its lease over.
    await sql(
        "UPDATE delivery SET status = 'sending', sent_at = NULL,"
        " next_attempt_at = now() - interval '1 second' WHERE id = :id",
        id=first["id"],
    )
    [again] = await wait_for_rows(sql, event.id, status="sent")
    assert again["attempts"] == first["attempts"] + 1
    messages = await mail_sink.wait_for(f"{user}@example.com", count=2)
    assert len(messages) == 2
    same = f"<{first['id']}@shopkit.local>"
    assert messages[0]["Message-ID"] == messages[1]["Message-ID"] == same


class DatabaseAwayFor:
    """The real session maker, failing the first `times` calls after the first as PostgreSQL
    does while it restarts: the claim gets through, recording the outcome does not at once."""

    def __init__(self, make: Callable[[], AsyncSession], times: int) -> None:
        self.make, self.left, self.calls = make, times, 0

    def __call__(self) -> AsyncSession:
        self.calls += 1
        if self.calls > 1 and self.left > 0:
            self.left -= 1
            raise OperationalError("connect", {}, ConnectionRefusedError("database restarting"))
        return self.make()


async def test_a_message_sent_while_the_database_was_away_is_recorded_not_sent_again(
    settings: Settings, sql: SQL, mail_sink: MailSink
) -> None:
    recipient = f"{uuid.uuid4().hex}@example.com"
    [row] = await sql(
        "INSERT INTO delivery (id, event_id, event_type, channel, recipient, template, subject,"
        " body_text, status, attempts, next_attempt_at, created_at, updated_at)"
        " VALUES (:id, :event, 'user.registered.v1', 'email', :to, 'welcome', 'Welcome',"
        " 'Hello', 'queued', 0, now() - interval '1 second', now(), now()) RETURNING id",
        id=uuid.uuid4(), event=uuid.uuid4().hex, to=recipient,
    )  # fmt: skip
    database = sqlalchemy_config(settings.database)
    templates = Templates()
    away = DatabaseAwayFor(database.create_session_maker(), times=3)

    def services(session: AsyncSession) -> NotificationService:
        return NotificationService(session, templates=templates, settings=settings)

    dispatcher = Dispatcher(away, services, lambda: Channels.from_settings(settings), 1.0)  # type: ignore[arg-type]
    try:
        await _dispatch_until_sent(dispatcher, sql, row["id"])
    finally:
        await database.get_engine().dispose()
    assert away.left == 0  # the outcome was refused three times before it was recorded
    [message] = await mail_sink.wait_for(recipient)
    assert message["Subject"] == "Welcome"
    [sent] = await sql("SELECT status, attempts FROM delivery WHERE id = :id", id=row["id"])
    assert (sent["status"], sent["attempts"]) == ("sent", 1)


async def _dispatch_until_sent(dispatcher: Dispatcher, sql: SQL, delivery_id: Any) -> None:
    for _ in range(5):
        await dispatcher.dispatch_due()
        [now] = await sql("SELECT status FROM delivery WHERE id = :id", id=delivery_id)
        if now["status"] == "sent":
            return
    pytest.fail("the message was never recorded as sent")

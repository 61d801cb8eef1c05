"""The events this service publishes (owned here; consumers keep their own tolerant copies)."""

from __future__ import annotations

from datetime import datetime

from shopkit.messaging import Event


class UserRegistered(Event, frozen=True):
    """A new account exists (welcome email, customer records elsewhere)."""

    event_type = "user.registered.v1"

    user_id: str
    email: str
    name: str


class PasswordResetRequested(Event, frozen=True):
    """Someone asked to reset this account's password; notification-service emails the link.

    It carries the reset token itself, a secret: the queues that receive it must be protected.
    """

    event_type = "user.password_reset_requested.v1"

    user_id: str
    email: str
    name: str
    reset_token: str
    expires_at: datetime


PUBLISHED: tuple[type[Event], ...] = (UserRegistered, PasswordResetRequested)

"""This service's settings: the SDK's groups plus its own, read from the environment once.

The only module that reads the environment. Every default works for local development: email
goes to the local SMTP sink `make up` starts (127.0.0.1:1025), SMS is logged.
"""

from __future__ import annotations

import os
from functools import lru_cache

import msgspec
from shopkit.config import (
    SharedSettings,
    settings_from_env,
)

from notification_service import __version__

SLUG = "notification-service"
DEFAULT_PORT = 3007
DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/notification"


class NotifySettings(msgspec.Struct, frozen=True, kw_only=True):
    """`NOTIFY_*`: who hears about what, and how hard a failed message is retried."""

    # Comma-separated; they get the low-stock alerts.
    admin_emails: str = "admin@shopkit.local"
    from_email: str = "Shopkit <no-reply@shopkit.local>"
    # A failed message is tried again after base x 2^(attempts-1) seconds, `max_attempts` in all.
    max_attempts: int = 5
    retry_base_seconds: float = 30.0
    # How often each replica looks for messages to send (claimed with SKIP LOCKED).
    dispatch_interval_seconds: float = 0.5

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("NOTIFY_MAX_ATTEMPTS must be at least 1")
        if self.retry_base_seconds < 0 or self.dispatch_interval_seconds <= 0:
            raise ValueError("NOTIFY_ intervals must be positive")

    @property
    def admins(self) -> list[str]:
        return [email.strip() for email in self.admin_emails.split(",") if email.strip()]


class StorefrontSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`STOREFRONT_URL`: where links in messages point (the gateway in local development)."""

    url: str = "http://localhost:8080"


class SmtpSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`SMTP_*`: the mail server used when no SendGrid key is set."""

    host: str = "127.0.0.1"
    port: int = 1025
    username: str = ""
    password: str = ""
    start_tls: bool = False
    timeout_seconds: float = 10.0


class SendGridSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`SENDGRID_*`: email through SendGrid's v3 HTTP API when `SENDGRID_API_KEY` is set."""

    api_key: str = ""
    api_base: str = "https://api.sendgrid.com"
    timeout_seconds: float = 10.0


class TwilioSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`TWILIO_*`: SMS through Twilio's REST API when SID, token and sender are all set."""

    account_sid: str = ""
    auth_token: str = ""
    sender: str = ""  # TWILIO_FROM
    api_base: str = "https://api.twilio.com"
    timeout_seconds: float = 10.0

    @property
    def configured(self) -> bool:
        return bool(self.account_sid and self.auth_token and self.sender)


class Settings(SharedSettings, frozen=True, kw_only=True):
    """The SDK's groups (`SharedSettings`) and this service's own."""

    notify: NotifySettings = msgspec.field(default_factory=NotifySettings)
    storefront: StorefrontSettings = msgspec.field(default_factory=StorefrontSettings)
    smtp: SmtpSettings = msgspec.field(default_factory=SmtpSettings)
    sendgrid: SendGridSettings = msgspec.field(default_factory=SendGridSettings)
    twilio: TwilioSettings = msgspec.field(default_factory=TwilioSettings)


def load_settings() -> Settings:
    twilio_sender = {"sender": os.environ["TWILIO_FROM"]} if "TWILIO_FROM" in os.environ else {}
    return settings_from_env(
        Settings,
        service={"name": SLUG, "version": __version__, "port": DEFAULT_PORT},
        database={"url": DEFAULT_DATABASE_URL},
        twilio=twilio_sender,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

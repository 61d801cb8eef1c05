"""Where messages go: email by SMTP or SendGrid's HTTP API, SMS by Twilio's REST API or the log.

Each sender raises `DeliveryError` when the message was not accepted, with a reason fit for
the delivery log (never a credential).
"""

from __future__ import annotations

import asyncio
import contextlib
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from typing import Protocol

import aiosmtplib
import httpx
import msgspec
import structlog

from notification_service.config import SendGridSettings, Settings, SmtpSettings, TwilioSettings

_logger = structlog.get_logger("notification_service.channels")


class DeliveryError(Exception):
    """The channel did not take the message; it is retried later."""


class Outgoing(msgspec.Struct, frozen=True, kw_only=True):
    to: str
    subject: str
    text: str
    html: str | None = None
    # The same for every attempt at one message (the delivery's id): a copy sent again after a
    # crash carries the Message-ID of the first, by which mail systems recognise it.
    message_id: str | None = None


class Sender(Protocol):
    provider: str

    async def send(self, message: Outgoing) -> None: ...


class SmtpSender:
    """One SMTP connection per process, kept open between messages: a connection per message
    (connect, EHLO, maybe STARTTLS and AUTH, then QUIT) cost the service and the SMTP server
    more than the message itself. Messages are sent one at a time over it (a lock); a
    connection the server has closed while idle is opened again before the message is sent."""

    provider = "smtp"

    def __init__(self, settings: SmtpSettings, from_email: str) -> None:
        self._settings = settings
        self._from = from_email
        self._smtp: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    def build(self, message: Outgoing) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self._from
        email["To"] = message.to
        email["Subject"] = message.subject
        domain = parseaddr(self._from)[1].rpartition("@")[2] or None
        email["Message-ID"] = (
            f"<{message.message_id}@{domain or 'localhost'}>"
            if message.message_id
            else make_msgid(domain=domain)
        )
        email.set_content(message.text)
        if message.html is not None:
            email.add_alternative(message.html, subtype="html")
        return email

    async def send(self, message: Outgoing) -> None:
        settings = self._settings
        email = self.build(message)
        async with self._lock:
            try:
                smtp = await self._connected()
                try:
                    await smtp.send_message(email)
                except aiosmtplib.SMTPServerDisconnected:
                    # Closed by the server since the last message, before this one was
                    # accepted (MAIL FROM is the first thing sent): once more, on a new one.
                    await self._drop()
                    await (await self._connected()).send_message(email)
            except (aiosmtplib.SMTPException, OSError) as exc:
                await self._drop()
                raise DeliveryError(f"SMTP {settings.host}:{settings.port}: {exc}") from exc

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        settings = self._settings
        smtp = aiosmtplib.SMTP(
            hostname=settings.host,
            port=settings.port,
            username=settings.username or None,
            password=settings.password or None,
            start_tls=settings.start_tls,
            timeout=settings.timeout_seconds,
        )
        await smtp.connect()
        self._smtp = smtp
        return smtp

    async def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None and smtp.is_connected:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await smtp.quit()
        if smtp is not None:
            smtp.close()

    async def aclose(self) -> None:
        async with self._lock:
            await self._drop()


class SendGridSender:
    """SendGrid's v3 `mail/send`; 202 means accepted."""

    provider = "sendgrid"

    def __init__(self, settings: SendGridSettings, from_email: str, client: httpx.AsyncClient):
        self._settings = settings
        self._client = client
        name, address = parseaddr(from_email)
        self._from = {"email": address, **({"name": name} if name else {})}

    async def send(self, message: Outgoing) -> None:
        content = [{"type": "text/plain", "value": message.text}]
        if message.html is not None:
            content.append({"type": "text/html", "value": message.html})
        body = {
            "personalizations": [{"to": [{"email": message.to}]}],
            "from": self._from,
            "subject": message.subject,
            "content": content,
        }
        try:
            response = await self._client.post(
                f"{self._settings.api_base.rstrip('/')}/v3/mail/send",
                json=body,
                headers={"Authorization": f"Bearer {self._settings.api_key}"},
                timeout=self._settings.timeout_seconds,
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"SendGrid unreachable: {exc!r}") from exc
        if response.status_code != 202:
            raise DeliveryError(f"SendGrid answered {response.status_code}: {response.text[:300]}")


class TwilioSender:
    """Twilio's `Messages.json`; 201 means queued by Twilio."""

    provider = "twilio"

    def __init__(self, settings: TwilioSettings, client: httpx.AsyncClient) -> None:
        self._settings = settings
        self._client = client

    async def send(self, message: Outgoing) -> None:
        settings = self._settings
        url = (
            f"{settings.api_base.rstrip('/')}/2010-04-01/Accounts/"
            f"{settings.account_sid}/Messages.json"
        )
        try:
            response = await self._client.post(
                url,
                data={"To": message.to, "From": settings.sender, "Body": message.text},
                auth=(settings.account_sid, settings.auth_token),
                timeout=settings.timeout_seconds,
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"Twilio unreachable: {exc!r}") from exc
        if response.status_code not in (200, 201):
            raise DeliveryError(f"Twilio answered {response.status_code}: {response.text[:300]}")


class LoggedSmsSender:
    """No Twilio settings: the SMS is written to the log (and the delivery log) only."""

    provider = "log"

    async def send(self, message: Outgoing) -> None:
        _logger.info("sms not sent (Twilio is not configured)", to=message.to, body=message.text)


class Channels:
    """The senders for this process, built from settings, closed with the app."""

    def __init__(self, email: Sender, sms: Sender, client: httpx.AsyncClient | None) -> None:
        self.email = email
        self.sms = sms
        self._client = client

    def sender(self, channel: str) -> Sender:
        return self.sms if channel == "sms" else self.email

    async def aclose(self) -> None:
        if isinstance(self.email, SmtpSender):
            await self.email.aclose()
        if self._client is not None:
            await self._client.aclose()

    @classmethod
    def from_settings(cls, settings: Settings) -> Channels:
        from_email = settings.notify.from_email
        needs_http = bool(settings.sendgrid.api_key) or settings.twilio.configured
        client = httpx.AsyncClient() if needs_http else None
        email: Sender = (
            SendGridSender(settings.sendgrid, from_email, client)
            if settings.sendgrid.api_key and client is not None
            else SmtpSender(settings.smtp, from_email)
        )
        sms: Sender = (
            TwilioSender(settings.twilio, client)
            if settings.twilio.configured and client is not None
            else LoggedSmsSender()
        )
        return cls(email, sms, client)

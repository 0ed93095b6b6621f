"""Where the daily digest goes: an SMTP server (REPORTING_SMTP_*), or the log when no server
is set (the embedded default). The standard library's smtplib, run in a thread: one message
a person a day needs no asynchronous SMTP client."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol

from services.reporting.settings import ReportingSettings
from shared.runtime.logging import get_logger

log = get_logger(__name__)


class MailTransport(Protocol):
    # Whether a message without an address is pointless (SMTP) or still worth writing (log).
    needs_recipient: bool

    async def send(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    needs_recipient = True

    def __init__(
        self,
        *,
        host: str,
        port: int,
        user: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 30.0,
    ) -> None:
        self.host, self.port = host, port
        self.user, self.password = user, password
        self.starttls, self.timeout = starttls, timeout

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._send, message)


class LogTransport:
    """Writes that a digest would go out: to whom as a person id, its Message-ID and how many
    items; never the addresses, the subject or the body (they name families' initials)."""

    needs_recipient = False

    async def send(self, message: EmailMessage) -> None:
        log.info(
            "digest.logged",
            person=message["X-Asysta-Person"],
            message_id=message["Message-ID"],
            items=message["X-Asysta-Items"],
        )


def transport_for(settings: ReportingSettings) -> MailTransport:
    if not settings.smtp_host:
        return LogTransport()
    return SmtpTransport(
        host=settings.smtp_host,
        port=settings.smtp_port,
        user=settings.smtp_user,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        starttls=settings.smtp_starttls,
        timeout=settings.smtp_timeout_seconds,
    )

"""Outgoing email over SMTP, as configured (``CASEWORK_SMTP_*``)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from casework.config import Settings


def configured(settings: Settings) -> bool:
    return settings.smtp_host is not None


def send(settings: Settings, *, to: str, subject: str, body: str, message_id: str) -> None:
    """Send one plain-text message. ``message_id`` is stable for the same request, so
    a resend after a crash reads as the same message to the recipient's mail client."""
    assert settings.smtp_host is not None
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id
    message.set_content(body)
    with smtplib.SMTP(
        settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
    ) as client:
        if settings.smtp_starttls:
            client.starttls(context=ssl.create_default_context())
        if settings.smtp_username and settings.smtp_password:
            client.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        client.send_message(message)

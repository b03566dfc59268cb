"""Sending an e-mail through the SMTP server of the settings, with the standard library.

One connection per message: the digests are a few dozen a day, and a connection that broke on one
message cannot take the next ones down with it.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from commission import clock
from commission.config import MailSettings


class MailError(Exception):
    """The message could not be handed to the SMTP server; the text says why (never the password)."""


def compose(settings: MailSettings, to_address: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message (UTF-8) from the configured sender."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to_address
    message["Subject"] = subject
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no automatic replies to a digest
    message.set_content(body)
    return message


def send(settings: MailSettings, message: EmailMessage) -> None:
    """Hand the message to the SMTP server, or raise :class:`MailError`."""
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds) as server:
            if settings.starttls:
                server.starttls(context=ssl.create_default_context())
            if settings.user:
                server.login(settings.user, settings.password)
            refused = server.send_message(message)
    except (smtplib.SMTPException, OSError, UnicodeError) as error:
        raise MailError(f"{type(error).__name__}: {error}".strip()[:500]) from error
    if refused:
        raise MailError("refused recipients: " + ", ".join(f"{address} ({code})"
                                                            for address, (code, _text) in refused.items()))

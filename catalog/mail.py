"""Outgoing e-mail: through SMTP when ROR_SMTP_URL is set, else into the mail folder.

The folder (ROR_MAIL_DIR) gets one ``.eml`` file per message, named after the time
it was written, and the path is logged: a demo user opens it and clicks the link.
Bodies are plain UTF-8 text sent as 8bit, so a link in the file reads as typed.

ROR_SMTP_URL: ``smtp://[user:password@]host[:port][?starttls=1&from=address]`` or
``smtps://...`` (TLS from the start).
"""
from __future__ import annotations

import logging
import re
import secrets
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from config import Settings

log = logging.getLogger(__name__)

DEFAULT_SENDER = "ROR Île-de-France <ne-pas-repondre@ror-search.fr>"
SMTP_TIMEOUT_S = 15


class MailError(RuntimeError):
    """The message could not be handed over (SMTP down, folder not writable)."""


def build_message(sender: str, to: list[str], subject: str, body: str, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain="ror-search.fr")
    message.set_content(body, charset="utf-8", cte="8bit")
    return message


def send_mail(settings: Settings, to: str | list[str], subject: str, body: str) -> Path | None:
    """Send one plain-text message; returns the file written when no SMTP is configured."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        return None
    now = datetime.now(UTC)
    if settings.smtp_url:
        url = urlsplit(settings.smtp_url)
        options = {k: v[-1] for k, v in parse_qs(url.query).items()}
        message = build_message(options.get("from", DEFAULT_SENDER), recipients, subject, body, now)
        try:
            _send_smtp(url, options, message)
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(f"SMTP {url.hostname}: {error}") from error
        log.info("mail sent to %s: %s", ", ".join(recipients), subject)
        return None
    message = build_message(DEFAULT_SENDER, recipients, subject, body, now)
    return _write_file(Path(settings.mail_dir), message, now)


def _send_smtp(url, options: dict, message: EmailMessage) -> None:
    if url.scheme == "smtps":
        client = smtplib.SMTP_SSL(url.hostname, url.port or 465, timeout=SMTP_TIMEOUT_S,
                                  context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(url.hostname, url.port or 25, timeout=SMTP_TIMEOUT_S)
    with client:
        if url.scheme == "smtp" and options.get("starttls") in ("1", "true", "yes"):
            client.starttls(context=ssl.create_default_context())
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(message)


def _write_file(folder: Path, message: EmailMessage, now: datetime) -> Path:
    slug = re.sub(r"[^a-z0-9]+", "-", message["Subject"].lower().encode("ascii", "ignore").decode()).strip("-")[:40]
    # The random part keeps two messages of the same microsecond apart.
    path = folder / f"{now:%Y%m%dT%H%M%S%f}-{slug or 'message'}-{secrets.token_hex(3)}.eml"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(message.as_bytes())
    except OSError as error:
        raise MailError(f"mail folder {folder}: {error}") from error
    log.info("mail to %s written to %s (no SMTP configured): %s", message["To"], path, message["Subject"])
    return path

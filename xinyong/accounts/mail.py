"""Platform mail through the SMTP server the settings name (XINYONG_SMTP_*): plain, STARTTLS or
implicit TLS, with or without SMTP AUTH."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from xinyong.config import get_settings


def enabled() -> bool:
    return bool(get_settings().smtp_host)


def send(to: str, subject: str, body: str) -> None:
    """Send one text message; raises on failure (the caller runs it after the response)."""
    s = get_settings()
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = s.mail_from, to, subject
    message.set_content(body)
    context = ssl.create_default_context()
    if s.smtp_tls == "ssl":
        server = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=30, context=context)
    else:
        server = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30)
    with server:
        if s.smtp_tls == "starttls":
            server.starttls(context=context)
        if s.smtp_user:
            server.login(s.smtp_user, s.smtp_password)
        server.send_message(message)

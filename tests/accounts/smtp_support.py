"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and the platform's
mail settings pointed at it."""
from __future__ import annotations

import email
import email.policy
import re
import socket

import pytest
from aiosmtpd.controller import Controller

LINK = re.compile(r"http://testserver(/account/reset/confirm\?token=[A-Za-z0-9_-]+)")


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def links_to(self, address: str) -> list[str]:
        """The reset link (path and query) of each message to an address, oldest first (the
        message gives it once per language: the same link)."""
        found = []
        for msg in self.messages:
            if address in msg["X-Envelope-To"]:
                links = set(LINK.findall(msg.get_body(("plain",)).get_content()))
                assert len(links) == 1, links
                found.append(links.pop())
        return found


@pytest.fixture
def inbox(db, monkeypatch):
    from xinyong.config import reset_settings
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_TLS": "none",
                        "MAIL_FROM": "xinyong@example.test", "BASE_URL": "http://testserver"}.items():
        monkeypatch.setenv(f"XINYONG_{name}", value)
    reset_settings()
    yield box
    controller.stop()

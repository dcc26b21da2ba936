"""Opaque references for URLs: a text the platform must carry from one page to the next (a search
for a person's name) is sealed with the data key (AES-GCM), so the address shows, and the access
log and the browser's history keep, only ciphertext (issue #10 point 5)."""
from __future__ import annotations

import base64

from xinyong.kit import crypto
from xinyong.kit.errors import InvalidInput


def seal(text: str) -> str:
    return base64.urlsafe_b64encode(crypto.encrypt(text)).decode("ascii").rstrip("=")


def unseal(token: str) -> str:
    try:
        blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        return crypto.decrypt(blob)
    except (ValueError, crypto.UndecryptableError):
        raise InvalidInput("链接已失效，请重新搜索", field="k", message_en="this link has expired; search again") from None

"""Named errors carrying their HTTP status and a stable machine-readable code."""
from __future__ import annotations


class XinyongError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 details: dict | None = None, message_en: str | None = None):
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message
        if code:
            self.code = code
        self.field = field
        self.details = details or {}

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message, "message_en": self.message_en}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(XinyongError):
    status = 422
    code = "invalid_input"


class NotFound(XinyongError):
    status = 404
    code = "not_found"


class Forbidden(XinyongError):
    status = 403
    code = "forbidden"


class Unauthenticated(XinyongError):
    status = 401
    code = "unauthenticated"


class Conflict(XinyongError):
    status = 409
    code = "conflict"


class PayloadTooLarge(XinyongError):
    status = 413
    code = "payload_too_large"


class RateLimited(XinyongError):
    """Too many requests from one caller; ``headers`` carries Retry-After."""
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None, **kw):
        super().__init__(message, **kw)
        self.headers = headers or {}

class Busy(XinyongError):
    """The work asked for is bounded per process and every slot stayed taken: try again later
    (``headers`` carries Retry-After)."""
    status = 503
    code = "busy"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None, **kw):
        super().__init__(message, **kw)
        self.headers = headers or {}


class TooManyRequests(XinyongError):
    status = 429
    code = "too_many_requests"

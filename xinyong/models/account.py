"""People who sign in — staff of organisations, and subjects on the portal — and API tokens."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.history import versioned
from xinyong.kit.sealed import Sealed, SealedBytes
from xinyong.models.base import Base, BigId, Json, TimestampTZ, created_at_column
from xinyong.models.org_roles import ORG_ROLE_KINDS, ORG_ROLES

ROLES = (
    "admin",           # platform administrator
    "staff",           # credit-department staff (信用主管部门)
    "supervisor",      # credit-department supervisor (负责人): approves a complaint's change of handler
    *ORG_ROLES,        # staff of an organisation, by its kind (xinyong.models.org_roles)
    "auditor",         # reads access and audit logs (FZ art. 12, QZ art. 14)
    "subject",         # a person, or a firm's authorised user, looking at their own credit
    "agency_admin",    # an organisation's own administrator: manages its staff accounts, nothing else
    "registrant",      # self-registered, identity not yet proved: reaches public pages and its own account only
)
# roles whose accounts reach no signed-in route unless the route names the role itself (deny by default)
UNPROVED_ROLES = ("registrant",)
# the organisation kind each organisation role belongs to (users.agency_id -> agencies.kind); an
# organisation's own administrator belongs to any
ROLE_ORG_KINDS = {
    **ORG_ROLE_KINDS,
    "agency_admin": tuple(dict.fromkeys(kind for kinds in ORG_ROLE_KINDS.values() for kind in kinds)),
}


@versioned("account", secret=("password_hash", "identity_enc"))
class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), nullable=True)
    # for role "subject": the credit subject this account speaks for
    subject_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("subjects.id"), nullable=True, index=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    # where a password-reset link is sent (self-registered accounts and agency staff)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True, unique=True)
    # the identity an identity provider proved: a keyed hash (found by) and the sealed number
    identity_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    identity_enc: Mapped[Sealed | None] = mapped_column(SealedBytes, nullable=True)
    identity_verified_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    scopes: Mapped[list] = mapped_column(Json, nullable=False, default=list)
    created_at: Mapped[dt.datetime] = created_at_column()
    expires_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)


class WebSession(Base):
    """A signed-in browser: the cookie carries a random token, only its SHA-256 is kept here, so
    logout, a password change or a disabled account ends the session at once (ASVS 3.3)."""
    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    last_seen_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)


class LoginThrottle(Base):
    """Failed sign-ins per (user name, client) and per client, by keyed hash: the next attempt
    is refused until `retry_at` (a growing delay), instead of locking the account (ASVS 2.2.1)."""
    __tablename__ = "login_throttle"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_failure_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    retry_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)


class PasswordReset(Base):
    """A one-time password-reset link: only the SHA-256 of its token is kept; it works once, and
    only until `expires_at`."""
    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    expires_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)


class IdentityRequest(Base):
    """One OpenID Connect sign-in under way: the state (by hash), the nonce and the PKCE verifier
    the callback checks, bound to the account that started it; usable once, for a few minutes."""
    __tablename__ = "identity_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    nonce: Mapped[str] = mapped_column(String(100), nullable=False)
    code_verifier: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(TimestampTZ, nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(TimestampTZ, nullable=True)

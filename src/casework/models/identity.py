"""Who acts: roles, users, API clients and the access tokens they are issued."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models.base import Base, Timestamps, id_column, utcnow


class Role(Timestamps, Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("tenant_id", "slug"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(200))
    permissions: Mapped[list[str]] = mapped_column(default=list)
    is_builtin: Mapped[bool] = mapped_column(default=False)


class User(Timestamps, Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    role_id: Mapped[str] = mapped_column(ForeignKey("roles.id"))
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Console sign-in: consecutive failures, and the lock-out they lead to.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(default=None)

    role: Mapped[Role] = relationship(lazy="raise")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ApiClient(Timestamps, Base):
    """Machine credentials; secrets are random 256-bit values stored as SHA-256 digests."""

    __tablename__ = "api_clients"

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Signed requests (HMAC keyed by the secret) need the secret itself: kept encrypted
    # with the instance's secret key, used only to verify signatures, never returned.
    secret_sealed: Mapped[str | None] = mapped_column(Text, default=None)
    acting_user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)

    acting_user: Mapped[User] = relationship(lazy="raise")


class AccessToken(Base):
    __tablename__ = "access_tokens"
    __table_args__ = (Index(None, "expires_at"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    api_client_id: Mapped[str] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class UserSession(Base):
    """A signed-in user's browser session (the ``sessionid`` cookie), stored hashed."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index(None, "user_id"), Index(None, "expires_at"))

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The absolute limit; the idle limit counts from last_seen_at.
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)


class FailedAuthentications(Base):
    """Recent refused authentications of one client address or one credential (a
    client id, an email), counted in a fixed window and shared by every process.

    The key is a digest of what is counted: whatever was typed into an email field
    (sometimes a password) is not kept in the clear."""

    __tablename__ = "failed_authentications"
    __table_args__ = (Index(None, "window_start"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime]
    failures: Mapped[int]
    # Set once the failures reach the limit: until then every attempt is answered 429.
    blocked_until: Mapped[datetime | None] = mapped_column(default=None)

"""Tables of the team server: members, their second factors, sessions, invites, the audit trail.

They live on the same :class:`~haechi.store.models.Base` as every other table (``models`` imports
this module at its end, so Alembic and the tests see one metadata), in a module of their own so
that neither grows past a readable size. Secrets are never stored as given: passwords as
Argon2id hashes, TOTP secrets sealed with the data key, session, invite and recovery tokens
as SHA-256 digests.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from haechi.store.models import Base, UtcDateTime


class MemberRow(Base):
    """A member of the team, known by a pseudonym."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="active")
    password_hash: Mapped[str] = mapped_column(String(200))
    # Written by a haechi from before migration 0030 only; emptied once sealed.
    totp_secret: Mapped[str] = mapped_column(String(64))
    totp_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # The last TOTP time step accepted: a code of that step or an earlier one is refused.
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    locale: Mapped[str | None] = mapped_column(String(10), nullable=True)
    time_zone: Mapped[str | None] = mapped_column(String(64), nullable=True)  # IANA name
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RecoveryCodeRow(Base):
    """A one-time recovery code of a member, as its SHA-256."""

    __tablename__ = "member_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class WebSessionRow(Base):
    """A server-side session; the browser holds the token, the table only its SHA-256.

    ``stage`` is ``password`` between the two steps of signing in and ``full`` after; ``role``
    is the member's role when the token was issued, so a change of role rotates the token.
    """

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class SignInFailureRow(Base):
    """A failed sign-in, counted per account name and per address for throttling."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_name_at", "name", "at"),
        Index("ix_sign_in_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class InviteRow(Base):
    """A single-use, expiring invitation to join, as the SHA-256 of its token."""

    __tablename__ = "member_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)


class AuditRow(Base):
    """One event of the append-only audit trail.

    ``prev_hash`` is the SHA-256 of the previous row's canonical form (64 zeros for the first)
    and is unique, so two writers can never fork the chain; ``row_hash`` is this row's own.
    Names are copied in (not only ids) so that the trail reads true after a rename.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    kind: Mapped[str] = mapped_column(String(50), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    subject_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    subject_name: Mapped[str] = mapped_column(String(100), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    row_hash: Mapped[str] = mapped_column(String(64))

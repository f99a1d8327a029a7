"""Tables of the organisation's identity: its keys' public record, published documents,
official channels and impersonation reports.

Private keys are never here (they are files, :mod:`haechi.trust.keys`); ``trust_keys`` holds
each key's public half and its life (made, retired by rotation, revoked from a date).
``trust_documents`` holds every signed document that was published (a notice sent, a police
package, a member credential): its verification code, the SHA-256 of its canonical form and
the document itself, which says nothing about victims. A member credential's row also holds
its index in the revocation status list and when it was revoked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from haechi.store.models import Base, UtcDateTime


class TrustKeyRow(Base):
    """One signing key's public record; the private key is a file named by ``key_id``."""

    __tablename__ = "trust_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20), index=True)
    key_id: Mapped[str] = mapped_column(String(100), unique=True)  # publicKeyMultibase
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_from: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)


class TrustDocumentRow(Base):
    """A published signed document, found again by its verification code."""

    __tablename__ = "trust_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # notice, police, member
    subject: Mapped[str] = mapped_column(String(100), index=True)  # notice:12, member:3
    document: Mapped[str] = mapped_column(Text)  # the signed JSON
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    status_index: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)


class TrustChannelRow(Base):
    """One of the organisation's real channels; removed ones stay, dated, for history."""

    __tablename__ = "trust_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(300))
    normalised: Mapped[str] = mapped_column(String(300), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ImpersonationReportRow(Base):
    """A report from the public of an account posing as the organisation."""

    __tablename__ = "trust_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)

"""Tables of victims' own registrations (:mod:`haechi.intake`).

An intake holds no image and nothing that names the victim: her case number and recovery
phrase are kept only as hashes (SHA-256 of the number, to find the row; Argon2id of the
phrase), her choices as short names, and the bank entries her browser's hashes became.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from haechi.store.models import Base, UtcDateTime


class IntakeRow(Base):
    """One victim's registration: found by the hash of its number, opened by its phrase."""

    __tablename__ = "intakes"

    id: Mapped[int] = mapped_column(primary_key=True)
    number_digest: Mapped[str] = mapped_column(String(64), unique=True)
    phrase_hash: Mapped[str] = mapped_column(Text)
    choices: Mapped[str] = mapped_column(Text)  # JSON list of choice names
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), nullable=True, index=True
    )
    centre: Mapped[bool] = mapped_column(default=False)  # opened by staff at a support centre
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # wrong phrases in a row
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    access_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    access_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class IntakeEntryRow(Base):
    """A bank entry an intake registered, and whether a reviewer approved it for sharing."""

    __tablename__ = "intake_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    intake_id: Mapped[int] = mapped_column(
        ForeignKey("intakes.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int] = mapped_column(ForeignKey("bank_entries.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # image or video
    quality: Mapped[int | None] = mapped_column(Integer, nullable=True)
    folded: Mapped[int] = mapped_column(Integer, default=0)  # near-duplicates folded into it
    decision: Mapped[str | None] = mapped_column(String(10), nullable=True)  # approved, refused
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class IntakeLinkRow(Base):
    """A one-time intake link a staff member opened for a victim at the centre."""

    __tablename__ = "intake_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), nullable=True
    )
    member_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    member_name: Mapped[str] = mapped_column(String(100))
    member_role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class IntakeChallengeRow(Base):
    """A proof-of-work challenge handed out; each is good once, until it expires."""

    __tablename__ = "intake_challenges"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    bits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class IntakeThrottleRow(Base):
    """How often one address (by digest) did one thing within the current window."""

    __tablename__ = "intake_throttle"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime)

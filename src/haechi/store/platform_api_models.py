"""Tables of the platform API: keys, their daily counts, shared banks, feedback, negative bank.

Nothing here holds a platform's content: a key is kept as the SHA-256 of its secret, usage as
counts per key and day (with a HyperLogLog sketch of distinct hashes, which cannot give the
hashes back), feedback and negative signals as the hash the platform sent about one match.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from haechi.store.models import Base, UtcDateTime


class ApiKeyRow(Base):
    """One platform's key: its digest, what it may do, its limits, and its life."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(100), index=True)
    prefix: Mapped[str] = mapped_column(String(20))  # shown in lists: "hk_abc123"
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the whole key
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated
    rate_per_second: Mapped[int] = mapped_column(Integer)
    daily_quota: Mapped[int] = mapped_column(Integer)
    expected_daily: Mapped[int] = mapped_column(Integer)  # the platform's uploads a day
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    flagged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    flag_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class ApiKeyUsageRow(Base):
    """A key's counts for one UTC day: requests, hashes looked up, matches, distinct hashes."""

    __tablename__ = "api_key_usage"
    __table_args__ = (Index("ix_api_key_usage_key_day", "key_id", "day", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    lookups: Mapped[int] = mapped_column(Integer, default=0)
    matches: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    distinct_sketch: Mapped[bytes] = mapped_column(LargeBinary)


class BankShareRow(Base):
    """A bank shared with platforms under a public name; ``stopped_at`` ends the sharing."""

    __tablename__ = "bank_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    public_name: Mapped[str] = mapped_column(String(100))
    shared_at: Mapped[datetime] = mapped_column(UtcDateTime)
    shared_by: Mapped[str] = mapped_column(String(100))
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class PlatformFeedbackRow(Base):
    """A platform's word on one match: confirmed, false positive or removed.

    A false positive waits for a person (``state`` pending → accepted | rejected); accepted,
    it becomes a negative signal.
    """

    __tablename__ = "platform_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    platform: Mapped[str] = mapped_column(String(100), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("bank_entries.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(20))
    signal_kind: Mapped[str] = mapped_column(String(20))
    signal: Mapped[str] = mapped_column(String(64))  # the platform's query hash
    note: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class NegativeSignalRow(Base):
    """A confirmed false positive: ``signal`` near this entry is not a match, for everyone."""

    __tablename__ = "negative_signals"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("bank_entries.id", ondelete="CASCADE"), index=True
    )
    signal_kind: Mapped[str] = mapped_column(String(20))
    signal: Mapped[str] = mapped_column(String(64))
    feedback_id: Mapped[int | None] = mapped_column(
        ForeignKey("platform_feedback.id"), nullable=True
    )
    reported_by: Mapped[str] = mapped_column(String(100))  # the platform
    confirmed_by: Mapped[str] = mapped_column(String(100))  # the person
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)

"""SQLAlchemy models: the database is the source of truth for banks, media seen, scans and hits.

Tables are split by aggregate (banks with their entries and signals; media; scans with their
hits). Changing a model means adding an Alembic migration in ``migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored as UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every haechi table."""


class BankRow(Base):
    __tablename__ = "banks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    entries: Mapped[list[EntryRow]] = relationship(back_populates="bank")


class EntryRow(Base):
    """One registered piece of content: its signals, never the content itself."""

    __tablename__ = "bank_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    case_ref: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    bank: Mapped[BankRow] = relationship(back_populates="entries")
    signals: Mapped[list[SignalRow]] = relationship(
        back_populates="entry",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SignalRow.id",
    )
    features: Mapped[list[FeatureRow]] = relationship(
        back_populates="entry",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="FeatureRow.id",
    )


class SignalRow(Base):
    __tablename__ = "signals"
    __table_args__ = (
        UniqueConstraint("entry_id", "kind", "value", name="uq_signal_per_entry"),
        Index("ix_signals_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("bank_entries.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(128))
    quality: Mapped[int | None] = mapped_column(Integer, nullable=True)

    entry: Mapped[EntryRow] = relationship(back_populates="signals")


class FeatureRow(Base):
    """An entry's local-features record (ORB keypoints, crop hashes): one blob per entry.

    A record holds a few hundred keypoints; one row each would be a hundred times the rows
    for nothing, since a record is only ever read and written whole.
    """

    __tablename__ = "entry_features"
    __table_args__ = (UniqueConstraint("entry_id", "kind", name="uq_features_per_entry"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("bank_entries.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    entry: Mapped[EntryRow] = relationship(back_populates="features")


class MediaRow(Base):
    """A file haechi has hashed, by SHA-256, so a re-run skips it."""

    __tablename__ = "media"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    md5: Mapped[str] = mapped_column(String(32), index=True)
    size: Mapped[int] = mapped_column(Integer)
    pdq: Mapped[str | None] = mapped_column(String(64), nullable=True)
    quality: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ScanRow(Base):
    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    files_seen: Mapped[int] = mapped_column(Integer, default=0)
    files_hashed: Mapped[int] = mapped_column(Integer, default=0)
    files_skipped: Mapped[int] = mapped_column(Integer, default=0)
    files_failed: Mapped[int] = mapped_column(Integer, default=0)
    hits_found: Mapped[int] = mapped_column(Integer, default=0)


class HitRow(Base):
    """A file that matched a bank entry: what matched, how closely, and where it was."""

    __tablename__ = "hits"
    __table_args__ = (UniqueConstraint("entry_id", "sha256", "location", name="uq_hit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("bank_entries.id"), index=True)
    signal_kind: Mapped[str] = mapped_column(String(20))
    distance: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    found_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    source_kind: Mapped[str] = mapped_column(String(40), default="folder")
    found_in: Mapped[str | None] = mapped_column(Text, nullable=True)
    container: Mapped[str | None] = mapped_column(Text, nullable=True)
    poster: Mapped[str | None] = mapped_column(Text, nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class WatchRow(Base):
    """A source re-scanned on a schedule, with the outcome of its last run."""

    __tablename__ = "watches"

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(40), nullable=True)
    every_seconds: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_run: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    next_run: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_scan_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    runs: Mapped[int] = mapped_column(Integer, default=0)

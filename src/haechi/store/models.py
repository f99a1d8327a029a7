"""SQLAlchemy models: the database is the source of truth for banks, media seen, scans and hits.

Tables are split by aggregate (banks with their entries and signals; media; scans with their
hits). Changing a model means adding an Alembic migration in ``migrations/versions``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine.default import DefaultExecutionContext
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

    # The platform API's fingerprint counts a bank's live entries over this index alone.
    __table_args__ = (Index("ix_bank_entries_live", "bank_id", "withdrawn_at", "id"),)

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


def location_digest(location: str) -> str:
    """SHA-256 (hex) of a hit's location: the fixed-size key ``uq_hit`` holds instead of it.

    A link may have 4,096 characters, more than PostgreSQL puts in one index row (2,704
    bytes); a key on the location itself lost such hits there (migration 0025).
    """
    return hashlib.sha256(location.encode("utf-8", "surrogatepass")).hexdigest()


def _digest_of_row(context: DefaultExecutionContext) -> str:
    """Any insert that names a location gets its digest, whoever wrote it."""
    parameters: dict[str, str] = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return location_digest(parameters["location"])


class HitRow(Base):
    """A file that matched a bank entry: what matched, how closely, and where it was."""

    __tablename__ = "hits"
    __table_args__ = (UniqueConstraint("entry_id", "sha256", "location_digest", name="uq_hit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("bank_entries.id"), index=True)
    signal_kind: Mapped[str] = mapped_column(String(20))
    distance: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(Text)
    location_digest: Mapped[str] = mapped_column(String(64), default=_digest_of_row)
    """:func:`location_digest` of ``location``: hits at one place are one key, at any length."""
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    found_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    source_kind: Mapped[str] = mapped_column(String(40), default="folder")
    found_in: Mapped[str | None] = mapped_column(Text, nullable=True)
    container: Mapped[str | None] = mapped_column(Text, nullable=True)
    poster: Mapped[str | None] = mapped_column(Text, nullable=True)
    forwarded_from: Mapped[str | None] = mapped_column(Text, nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    inliers: Mapped[int | None] = mapped_column(Integer, nullable=True)
    coverage: Mapped[float | None] = mapped_column(Float, nullable=True)
    region: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """The crop of the bank's picture that verified an ``orb`` match (JSON fractions)."""
    found_region: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """Where the bank's picture lies in the matched file (JSON fractions; migration 0026)."""
    frames: Mapped[str | None] = mapped_column(Text, nullable=True)
    """A video match's evidence as versioned JSON: shares of frames and matched time ranges."""
    evidence_state: Mapped[str] = mapped_column(
        String(20), default="not-needed", server_default="not-needed", index=True
    )
    """Where the hit's evidence stands: pending, sealed, gone or not-needed (see EvidenceState)."""
    evidence_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    evidence_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class HitCaptureRow(Base):
    """A sealed capture of a hit (``web``, ``message`` or ``file``), by its evidence-log id."""

    __tablename__ = "hit_captures"
    __table_args__ = (UniqueConstraint("hit_id", "capture_id", name="uq_hit_capture"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hit_id: Mapped[int] = mapped_column(ForeignKey("hits.id"), index=True)
    capture_id: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    sealed_at: Mapped[datetime] = mapped_column(UtcDateTime)


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
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row; drives the back-off


# -- acting on hits: cases, platforms, reviews, notices, re-checks, police reports ----------


class CaseRow(Base):
    """A victim's case under a pseudonymous reference; never her name (see haechi.cases)."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class CaseMemberRow(Base):
    """Something a case holds: a bank entry, a hit or a capture, by kind and key."""

    __tablename__ = "case_members"
    __table_args__ = (UniqueConstraint("case_id", "kind", "key", name="uq_case_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PoliceReportRow(Base):
    """A report package handed to a police station, and the wait for its answer."""

    __tablename__ = "police_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    station: Mapped[str] = mapped_column(Text)
    made_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answer_due: Mapped[datetime] = mapped_column(UtcDateTime)
    remind_every_seconds: Mapped[int] = mapped_column(Integer)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    package: Mapped[str] = mapped_column(Text)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    bundle_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)


class PlatformRow(Base):
    """A platform (or regulator) notices go to: contact, language, legal basis, deadline."""

    __tablename__ = "platforms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    email: Mapped[str | None] = mapped_column(Text, nullable=True)
    web_form: Mapped[str | None] = mapped_column(Text, nullable=True)
    language: Mapped[str] = mapped_column(String(10))
    legal_basis: Mapped[str] = mapped_column(Text)
    answers: Mapped[bool] = mapped_column(Boolean)
    deadline_hours: Mapped[int | None] = mapped_column(Integer, nullable=True)
    removed_markers: Mapped[str] = mapped_column(Text)  # JSON list of strings
    placeholder: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    domains: Mapped[list[PlatformDomainRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="PlatformDomainRow.id"
    )


class PlatformDomainRow(Base):
    """A domain a platform answers for (its subdomains too); one platform per domain."""

    __tablename__ = "platform_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(
        ForeignKey("platforms.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(253), unique=True)


class ReviewRow(Base):
    """A person's decision on a hit: confirmed (a notice may cite it) or rejected."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    hit_id: Mapped[int] = mapped_column(ForeignKey("hits.id"), unique=True)
    decision: Mapped[str] = mapped_column(String(20))
    reviewer: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NoticeRow(Base):
    """One notice to one platform or regulator: its rendered text and where it stands."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), index=True)
    recipient: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("notices.id"), nullable=True, index=True
    )
    message_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    items: Mapped[list[NoticeItemRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="NoticeItemRow.id"
    )
    events: Mapped[list[NoticeEventRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="NoticeEventRow.id"
    )


class NoticeEventRow(Base):
    """One status change of a notice, with its time and an optional note."""

    __tablename__ = "notice_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class NoticeItemRow(Base):
    """A hit a notice cites: its URL, SHA-256 and capture, and when it came down."""

    __tablename__ = "notice_items"
    __table_args__ = (UniqueConstraint("notice_id", "hit_id", name="uq_notice_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), index=True
    )
    hit_id: Mapped[int] = mapped_column(ForeignKey("hits.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    page_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    sha256: Mapped[str] = mapped_column(String(64))
    capture_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    captured_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    removal: Mapped[str | None] = mapped_column(Text, nullable=True)


class RecheckRow(Base):
    """One re-fetch of a reported URL: whether the content was still there."""

    __tablename__ = "rechecks"

    id: Mapped[int] = mapped_column(primary_key=True)
    hit_id: Mapped[int] = mapped_column(ForeignKey("hits.id"), index=True)
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(20))
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


# The team server's tables live on this Base in a module of their own; imported here, last
# (it imports this module), so that every user of Base.metadata sees them.
from haechi.store import casework_models as casework_models  # noqa: E402
from haechi.store import intake_models as intake_models  # noqa: E402
from haechi.store import job_models as job_models  # noqa: E402
from haechi.store import member_models as member_models  # noqa: E402
from haechi.store import ops_models as ops_models  # noqa: E402
from haechi.store import platform_api_models as platform_api_models  # noqa: E402
from haechi.store import private_models as private_models  # noqa: E402
from haechi.store import review_models as review_models  # noqa: E402
from haechi.store import routing_models as routing_models  # noqa: E402
from haechi.store import team_models as team_models  # noqa: E402
from haechi.store import tracking_models as tracking_models  # noqa: E402
from haechi.store import transparency_models as transparency_models  # noqa: E402
from haechi.store import trust_models as trust_models  # noqa: E402

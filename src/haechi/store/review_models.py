"""Tables of reviewing: members' preview strength, the auto-confirm policy, reveals, consents.

They live on the same :class:`~haechi.store.models.Base` as every other table (``models``
imports this module at its end). The indexes at the bottom are on tables of ``models``: the
dashboard counts and the review queue's sorts and filters read them, so that a team with a
hundred thousand hits still gets its pages at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from haechi.store.models import Base, HitRow, NoticeItemRow, NoticeRow, UtcDateTime


class PreviewPreferenceRow(Base):
    """How strongly a member's previews are blurred (a radius in pixels of a 320 px preview)."""

    __tablename__ = "preview_preferences"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    blur: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReviewPolicyRow(Base):
    """The team's auto-confirm policy (one row, id 1): off until an admin turns it on."""

    __tablename__ = "review_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    exact: Mapped[bool] = mapped_column(Boolean)  # MD5/SHA-256 matches
    max_pdq_distance: Mapped[int | None] = mapped_column(Integer, nullable=True)
    set_by: Mapped[str] = mapped_column(String(100))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PreviewRevealRow(Base):
    """One member's permission to see one hit's preview clearly, briefly (token as SHA-256)."""

    __tablename__ = "preview_reveals"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hit_id: Mapped[int] = mapped_column(ForeignKey("hits.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class RegistrationConsentRow(Base):
    """A victim's consent to registering her pictures' hashes, recorded on her case."""

    __tablename__ = "registration_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    bank: Mapped[str] = mapped_column(String(100))
    entries: Mapped[str] = mapped_column(Text)  # JSON list of entry ids
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


# The review queue walks one of these in its sort's order (haechi.review.queue names them to
# SQLite), reading the filters' columns from the index itself; the dashboard counts removals.
QUEUE_INDEXES = {
    "id": Index(
        "ix_hits_queue_id", HitRow.id, HitRow.source_kind, HitRow.entry_id, HitRow.found_at
    ),
    "found": Index("ix_hits_queue_found", HitRow.found_at, HitRow.source_kind, HitRow.entry_id),
    "distance": Index(
        "ix_hits_queue_distance",
        HitRow.distance,
        HitRow.source_kind,
        HitRow.entry_id,
        HitRow.found_at,
    ),
    "confidence": Index(
        "ix_hits_queue_confidence",
        HitRow.confidence,
        HitRow.source_kind,
        HitRow.entry_id,
        HitRow.found_at,
    ),
}
Index("ix_notice_items_removed_at", NoticeItemRow.removed_at)
Index("ix_notices_status_deadline", NoticeRow.status, NoticeRow.deadline)

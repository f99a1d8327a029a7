"""Tables of casework: a victim's consent choices, how her case was closed, who drafted and
who approved each notice (four eyes), and when a police package reached its station.

Each lives beside the row it describes (same primary key) rather than as new columns on the
older tables, so the older stores keep working unchanged and a missing row means "nothing
recorded yet".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from haechi.store.models import Base, UtcDateTime


class CaseConsentRow(Base):
    """What the victim chose: may her evidence be kept, may the police learn her name.

    ``None`` is "not asked yet", which is not the same as no.
    """

    __tablename__ = "case_consent"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    keep_evidence: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    police_may_name: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(100))


class CaseClosingRow(Base):
    """How a case was closed, as the victim chose: hashes withdrawn, evidence destroyed."""

    __tablename__ = "case_closings"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_by: Mapped[str] = mapped_column(String(100))
    withdrawn: Mapped[int] = mapped_column(Integer)  # bank entries withdrawn at closing
    destroy_evidence: Mapped[bool] = mapped_column(Boolean)


class NoticeSignoffRow(Base):
    """Who drafted a notice and who approved it: two different members (four eyes).

    ``*_by_id`` is the member's id, ``None`` for the console or the server's scheduler.
    """

    __tablename__ = "notice_signoffs"

    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), primary_key=True
    )
    drafted_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    drafted_by: Mapped[str] = mapped_column(String(100))
    approved_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class PoliceDeliveryRow(Base):
    """When a police package was handed to its station (the waiting clock starts) and who
    recorded the station's answer."""

    __tablename__ = "police_deliveries"

    report_id: Mapped[int] = mapped_column(
        ForeignKey("police_reports.id", ondelete="CASCADE"), primary_key=True
    )
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sent_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(100), nullable=True)

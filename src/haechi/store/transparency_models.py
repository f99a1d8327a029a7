"""Tables of the public transparency report: each report made, and its files.

A report is made (figures computed, files written and signed) by an analyst or the console,
and shown on the server's public page only once an admin has published it; withdrawing takes
it off again. The figures stored are the public ones, small cells already hidden, so nothing
here is more than the report itself says.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from haechi.store.models import Base, UtcDateTime


class TransparencyReportRow(Base):
    """One public report of a period, as made; published and withdrawn by an admin."""

    __tablename__ = "transparency_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(20), index=True)
    time_zone: Mapped[str] = mapped_column(String(60))
    threshold: Mapped[int] = mapped_column(Integer)
    made_at: Mapped[datetime] = mapped_column(UtcDateTime)
    made_by: Mapped[str] = mapped_column(String(100))
    figures: Mapped[str] = mapped_column(Text)  # the PublicReport's JSON
    manifest: Mapped[str] = mapped_column(Text)  # the signed manifest.json
    code: Mapped[str] = mapped_column(String(20))  # its verification code (trust_documents)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    withdrawn_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class TransparencyFileRow(Base):
    """One file of a report (HTML, SVG, CSV, JSON, the signed manifest), as it was signed."""

    __tablename__ = "transparency_files"
    __table_args__ = (UniqueConstraint("report_id", "name", name="uq_transparency_file"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("transparency_reports.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)

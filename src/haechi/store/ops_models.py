"""Tables of operations: backups made, restore drills run, retention policies of cases.

They live on the same :class:`~haechi.store.models.Base` as every other table (``models``
imports this module at its end, so Alembic and the tests see one metadata). A backup's row is
written only after its file is complete and renamed into place, so a row always names a file
that was whole when it was made; ``objects`` is the JSON list of every evidence object the
backup (with the backups it builds on) holds, which an incremental backup leaves out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from haechi.store.models import Base, UtcDateTime


class BackupRow(Base):
    """One backup file written: when, where, what it reaches and what it holds."""

    __tablename__ = "backups"

    id: Mapped[int] = mapped_column(primary_key=True)
    backup_id: Mapped[str] = mapped_column(String(40), unique=True)
    made_at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(20))  # full | incremental
    base_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    log_entries: Mapped[int] = mapped_column(Integer)
    checkpoint_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    objects: Mapped[str] = mapped_column(Text)


class DrillRow(Base):
    """One restore drill: which backup, when, whether every check held, and what failed."""

    __tablename__ = "restore_drills"

    id: Mapped[int] = mapped_column(primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UtcDateTime)
    backup_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    path: Mapped[str] = mapped_column(Text)
    ok: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(Text)


class RetentionRow(Base):
    """A case's retention policy: days kept after it closes, or the victim's request to destroy."""

    __tablename__ = "retention_policies"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    keep_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    destroy_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    destroy_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    destroyed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

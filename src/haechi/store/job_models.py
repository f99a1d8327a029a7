"""Tables of the server's jobs: each run of a scheduled task or a long scan, and the lease.

They live on the same :class:`~haechi.store.models.Base` as every other table (``models``
imports this module at its end, so Alembic and the tests see one metadata). A job row is the
whole record of a run: what it was asked to do (``kind``, ``args``), where it is (``state``,
``progress``), how it ended (``result`` or ``error``), and who runs it now (``owner``, its
process ``pid`` on ``host``, and ``lease_until``, renewed while it runs: a job whose lease ran
out has lost its process). ``job_leases`` holds one row per exclusive role (``scheduler``): the
one process whose lease is current runs the schedules and the workers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from haechi.store.models import Base, UtcDateTime


class JobRow(Base):
    """One job: a scheduled task's run or a scan asked for by a member."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_kind", "state", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    args: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    state: Mapped[str] = mapped_column(String(20), default="queued")
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    progress_text: Mapped[str] = mapped_column(String(300), default="")
    result: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON summary
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    requested_by_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class JobLeaseRow(Base):
    """An exclusive role held by one process until ``expires_at`` unless it renews it."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    host: Mapped[str] = mapped_column(String(255), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    acquired_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)

"""The scheduler's lease: a row that one process at a time holds, renewing it as it runs.

Any number of ``haechi serve`` processes (a second instance, uvicorn's workers) may try to
take it; one guarded ``UPDATE`` (or the ``INSERT`` of the first row, whose primary key two
processes cannot both write) decides. A holder that stops renewing loses it when it expires,
and another process takes over the schedules.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from haechi.jobs.store import HOST
from haechi.store.job_models import JobLeaseRow

SCHEDULER = "scheduler"


def acquire(
    session: Session, holder: str, *, now: datetime, ttl: timedelta, name: str = SCHEDULER
) -> bool:
    """Take or renew the lease ``name`` for ``holder``; ``False`` when another holds it."""
    taken = session.execute(
        update(JobLeaseRow)
        .where(JobLeaseRow.name == name)
        .where(or_(JobLeaseRow.holder == holder, JobLeaseRow.expires_at < now))
        .values(holder=holder, host=HOST, pid=os.getpid(), expires_at=now + ttl)
    )
    if taken.rowcount == 1:  # type: ignore[attr-defined]
        return True
    if session.get(JobLeaseRow, name) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                JobLeaseRow(
                    name=name,
                    holder=holder,
                    host=HOST,
                    pid=os.getpid(),
                    acquired_at=now,
                    expires_at=now + ttl,
                )
            )
    except IntegrityError:
        return False  # another process inserted it first
    return True


def release(session: Session, holder: str, name: str = SCHEDULER) -> None:
    """Give the lease up (at a clean shutdown), so another process need not wait for it."""
    session.execute(
        delete(JobLeaseRow).where(JobLeaseRow.name == name, JobLeaseRow.holder == holder)
    )


def holder(session: Session, *, now: datetime, name: str = SCHEDULER) -> str | None:
    """Who holds the lease now, if anyone."""
    row = session.get(JobLeaseRow, name)
    return row.holder if row is not None and row.expires_at >= now else None

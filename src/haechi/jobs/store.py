"""The ``jobs`` table: queue, claim, progress, finish, and the two ways a dead run is found.

Every change is one guarded ``UPDATE``: a job is claimed only while queued, and progress or an
ending is written only by the owner that claimed it while it still runs, so two processes can
never both run a job or overwrite each other's ending.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from haechi.jobs.model import Job, JobError, JobKind, JobState
from haechi.store.job_models import JobRow

MAX_ERROR_CHARS = 2000
HOST = socket.gethostname()[:255]


def enqueue(
    session: Session,
    kind: JobKind,
    args: dict[str, Any],
    *,
    now: datetime,
    requested_by: int | None = None,
    requested_by_name: str = "scheduler",
) -> Job:
    """A new queued job."""
    row = JobRow(
        kind=kind.value,
        args=json.dumps(args, ensure_ascii=False, sort_keys=True),
        state=JobState.QUEUED.value,
        progress_done=0,
        progress_text="",
        requested_by=requested_by,
        requested_by_name=requested_by_name,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return Job.from_row(row)


def get(session: Session, job_id: int) -> Job:
    """The job ``job_id``, or a clear error."""
    row = session.get(JobRow, job_id)
    if row is None:
        raise JobError(f"no job {job_id}")
    return Job.from_row(row)


def listed(
    session: Session,
    *,
    states: Sequence[JobState] = (),
    kinds: Sequence[JobKind] = (),
    limit: int = 200,
) -> list[Job]:
    """Jobs, newest first, of the given states and kinds (all when empty)."""
    query = select(JobRow).order_by(JobRow.id.desc()).limit(limit)
    if states:
        query = query.where(JobRow.state.in_([s.value for s in states]))
    if kinds:
        query = query.where(JobRow.kind.in_([k.value for k in kinds]))
    return [Job.from_row(r) for r in session.scalars(query)]


def pending_of_kind(session: Session, kind: JobKind) -> bool:
    """Whether a job of ``kind`` is queued or running (a schedule does not queue another)."""
    found = session.scalar(
        select(JobRow.id)
        .where(JobRow.kind == kind.value)
        .where(JobRow.state.in_([JobState.QUEUED.value, JobState.RUNNING.value]))
        .limit(1)
    )
    return found is not None


def claim_next(session: Session, owner: str, *, now: datetime, lease: timedelta) -> Job | None:
    """Take the oldest queued job for ``owner``; ``None`` when none is queued."""
    while True:
        job_id = session.scalar(
            select(JobRow.id).where(JobRow.state == JobState.QUEUED.value).order_by(JobRow.id)
        )
        if job_id is None:
            return None
        taken = session.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.state == JobState.QUEUED.value)
            .values(
                state=JobState.RUNNING.value,
                owner=owner,
                host=HOST,
                started_at=now,
                lease_until=now + lease,
            )
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return get(session, job_id)


def _owned(job_id: int, owner: str) -> Any:
    return (
        update(JobRow)
        .where(JobRow.id == job_id)
        .where(JobRow.owner == owner)
        .where(JobRow.state == JobState.RUNNING.value)
    )


def started(session: Session, job_id: int, owner: str, *, now: datetime, lease: timedelta) -> bool:
    """The worker process says it runs ``job_id`` (its pid); ``False`` if it is not its job."""
    done = session.execute(
        _owned(job_id, owner).values(pid=os.getpid(), host=HOST, lease_until=now + lease)
    )
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def renew(session: Session, job_id: int, owner: str, *, now: datetime, lease: timedelta) -> bool:
    """Extend the lease of a running job; ``False`` when it is no longer this owner's."""
    done = session.execute(_owned(job_id, owner).values(lease_until=now + lease))
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def progress(
    session: Session, job_id: int, owner: str, done: int, total: int | None, text: str
) -> None:
    """Record how far a running job is."""
    session.execute(
        _owned(job_id, owner).values(
            progress_done=done, progress_total=total, progress_text=text[:300]
        )
    )


def finish(
    session: Session,
    job_id: int,
    owner: str,
    *,
    now: datetime,
    result: dict[str, Any] | None,
    error: str | None = None,
) -> bool:
    """End a running job: done, or failed with ``error``; the result is kept either way."""
    state = JobState.FAILED if error else JobState.DONE
    ended = session.execute(
        _owned(job_id, owner).values(
            state=state.value,
            result=json.dumps(result, ensure_ascii=False, default=str) if result else None,
            error=error[:MAX_ERROR_CHARS] if error else None,
            finished_at=now,
            lease_until=None,
        )
    )
    return bool(ended.rowcount == 1)  # type: ignore[attr-defined]


def fail_running(session: Session, job_id: int, reason: str, *, now: datetime) -> bool:
    """Mark a running job failed for ``reason`` whoever owns it (its process is gone)."""
    ended = session.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.state == JobState.RUNNING.value)
        .values(
            state=JobState.FAILED.value,
            error=reason[:MAX_ERROR_CHARS],
            finished_at=now,
            lease_until=None,
        )
    )
    return bool(ended.rowcount == 1)  # type: ignore[attr-defined]


def expired(session: Session, *, now: datetime) -> list[Job]:
    """Running jobs whose lease ran out: their process stopped renewing it."""
    rows = session.scalars(
        select(JobRow).where(JobRow.state == JobState.RUNNING.value).where(JobRow.lease_until < now)
    )
    return [Job.from_row(r) for r in rows]


def running_here(session: Session) -> list[tuple[Job, str | None]]:
    """Running jobs of this machine, with the owner that claimed each."""
    rows = session.scalars(
        select(JobRow).where(JobRow.state == JobState.RUNNING.value).where(JobRow.host == HOST)
    )
    return [(Job.from_row(r), r.owner) for r in rows]

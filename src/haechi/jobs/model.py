"""The vocabulary of jobs: kinds, states and the typed job services hand back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from haechi.errors import HaechiError
from haechi.store.job_models import JobRow


class JobError(HaechiError):
    """A job cannot be asked for as given (a bad URL, an unknown job); says which and why."""

    exit_code = 2  # a usage error at the command line


class JobKind(StrEnum):
    """What a job does; the scheduled kinds are queued by the scheduler when work is due."""

    SCAN = "scan"  # a member's scan of a URL
    WATCHES = "watches"  # run the due watches
    RECHECKS = "rechecks"  # re-check reported URLs that are due (and follow up)
    FOLLOWUPS = "followups"  # repeat notices and block requests for overdue notices (drafts)
    REMINDERS = "reminders"  # police reports waiting too long for an answer


SCHEDULED = (JobKind.WATCHES, JobKind.RECHECKS, JobKind.FOLLOWUPS, JobKind.REMINDERS)


class JobState(StrEnum):
    """Where a job is: waiting for a worker, running, or ended one way or the other."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Job:
    """A job as pages, the API and the command line show it."""

    id: int
    kind: JobKind
    args: dict[str, Any]
    state: JobState
    progress_done: int
    progress_total: int | None
    progress_text: str
    result: dict[str, Any] | None
    error: str | None
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    pid: int | None

    @classmethod
    def from_row(cls, row: JobRow) -> Job:
        return cls(
            row.id,
            JobKind(row.kind),
            json.loads(row.args or "{}"),
            JobState(row.state),
            row.progress_done,
            row.progress_total,
            row.progress_text,
            json.loads(row.result) if row.result else None,
            row.error,
            row.requested_by_name,
            row.created_at,
            row.started_at,
            row.finished_at,
            row.pid,
        )

    @property
    def finished(self) -> bool:
        """Whether the job has ended (done or failed)."""
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self) -> int | None:
        """How far it is, when the total is known."""
        if not self.progress_total:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form (``haechi jobs list --json``, the API)."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "args": self.args,
            "state": self.state.value,
            "progress": {
                "done": self.progress_done,
                "total": self.progress_total,
                "text": self.progress_text,
            },
            "result": self.result,
            "error": self.error,
            "requested_by": self.requested_by,
            "created_at": self.created_at.isoformat(),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }

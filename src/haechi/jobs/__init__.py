"""Jobs without cron: the server runs scheduled tasks and long scans itself.

One process of a team's servers holds the scheduler's lease (a row in the database,
:mod:`~haechi.jobs.lease`) and runs the schedules (:mod:`~haechi.jobs.runner`, APScheduler
triggers): due watches, re-checks, repeat notices and police report reminders are queued as
jobs when something is due, and every job (those and the scans members ask for) runs in a
worker process of its own (:mod:`~haechi.jobs.worker`). The ``jobs`` table
(:mod:`~haechi.jobs.store`) is the record: state, progress, result or error, and a lease the
worker renews, so a run whose process died is marked failed with its reason.
"""

from __future__ import annotations

from haechi.jobs.model import Job, JobError, JobKind, JobState

__all__ = ["Job", "JobError", "JobKind", "JobState"]

"""The scheduler: one process holds the lease, runs the schedules and the worker processes.

Every server with the scheduler on (``haechi serve`` without ``--no-scheduler``) starts a
:class:`JobRunner`. APScheduler's ``BackgroundScheduler`` fires its interval triggers in two
threads: keep (or try to take) the lease; queue a scheduled kind when it has work due and none
of it is queued or running; hand queued jobs to worker processes, at most ``workers`` at a
time; mark failed the jobs whose process died. Only the lease holder does anything but try
for the lease, so a second instance or uvicorn's other workers never run a job twice, and one
of them takes over if the holder dies.

The schedules are code and their state is data: a watch's next run, a reported URL's last
check, a notice's deadline and a report's next reminder live in their own rows, so the
scheduler keeps nothing of its own (APScheduler's job store is the in-memory one).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import secrets
import signal
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.process import BaseProcess

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from haechi.jobs import kinds, lease, store
from haechi.jobs.model import SCHEDULED, JobKind
from haechi.jobs.worker import Leases, work
from haechi.settings import Settings
from haechi.store.database import Database
from haechi.store.models import utcnow

log = logging.getLogger("haechi.jobs")

DEFAULT_EVERY: dict[JobKind, float] = {
    JobKind.WATCHES: 60.0,
    JobKind.RECHECKS: 900.0,
    JobKind.FOLLOWUPS: 900.0,
    JobKind.REMINDERS: 3600.0,
}


@dataclass(frozen=True)
class JobsConfig:
    """How the scheduler runs: worker processes, how often each schedule looks, leases."""

    workers: int = 2
    lease: timedelta = timedelta(seconds=30)  # the scheduler's lease
    renew_every: float = 10.0  # seconds between renewals (and tries, when not holding it)
    dispatch_every: float = 2.0
    every: dict[JobKind, float] = field(default_factory=lambda: dict(DEFAULT_EVERY))
    leases: Leases = field(default_factory=Leases)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def death_reason(exitcode: int | None) -> str:
    """Why a worker process ended without recording its job's end."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the worker process died: killed by {name}"
    return f"the worker process died: it exited with code {exitcode} before recording an end"


class JobRunner:
    """The schedules and worker processes of one server process (active while it holds the
    lease)."""

    def __init__(self, settings: Settings, db: Database, config: JobsConfig | None = None):
        self.settings = settings
        self.db = db
        self.config = config or JobsConfig()
        self.holder = f"{store.HOST}:{os.getpid()}:{secrets.token_hex(4)}"
        self.holding = False
        self.workers: dict[int, BaseProcess] = {}
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(2)},  # a slow due check never delays the lease
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    def start(self) -> None:
        """Try for the lease now, then keep the schedules on their triggers."""
        now = datetime.now(UTC)
        sched = self._scheduler
        sched.add_job(
            self.keep_lease,
            "interval",
            seconds=self.config.renew_every,
            id="lease",
            next_run_time=now,
        )
        sched.add_job(
            self.dispatch,
            "interval",
            seconds=self.config.dispatch_every,
            id="dispatch",
            next_run_time=now + timedelta(seconds=0.1),
        )
        for kind in SCHEDULED:
            sched.add_job(
                self.queue_if_due,
                "interval",
                args=[kind],
                seconds=self.config.every[kind],
                id=f"schedule-{kind.value}",
                next_run_time=now + timedelta(seconds=0.2),
            )
        sched.start()

    def stop(self) -> None:
        """Stop the schedules, end running workers (their jobs fail, saying so), free the lease."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        with self._lock:
            for job_id, process in list(self.workers.items()):
                process.terminate()
                process.join(15)
                if process.is_alive():
                    process.kill()
                    process.join()
                with self.db.session() as session:
                    store.fail_running(
                        session,
                        job_id,
                        "stopped: the server shut down while it ran",
                        now=utcnow(),
                    )
            self.workers.clear()
            if self.holding:
                with self.db.session() as session:
                    lease.release(session, self.holder)
                self.holding = False

    # The scheduled calls; each runs in a scheduler thread (one at a time) and never raises.

    def keep_lease(self) -> None:
        """Renew the lease, or take it when free; on taking it, fail the runs that died."""
        try:
            with self.db.session() as session:
                held = lease.acquire(session, self.holder, now=utcnow(), ttl=self.config.lease)
            if held and not self.holding:
                log.info("scheduler lease taken by %s", self.holder)
                self.fail_orphans()
            self.holding = held
        except Exception:
            log.exception("could not renew the scheduler lease")
            self.holding = False

    def fail_orphans(self) -> None:
        """At start: running jobs of this machine whose process is gone failed (with why)."""
        now = utcnow()
        with self.db.session() as session:
            for job, owner in store.running_here(session):
                if owner == self.holder:
                    continue
                if job.pid is None:
                    reason = "the server that took it stopped before its worker process started"
                elif not _alive(job.pid):
                    reason = (
                        f"its worker process (pid {job.pid}) is gone: the server stopped or the "
                        "process died while it ran"
                    )
                else:
                    continue  # still running somewhere: its lease tells
                store.fail_running(session, job.id, reason, now=now)
                log.warning("job %s failed: %s", job.id, reason)

    def queue_if_due(self, kind: JobKind) -> None:
        """Queue a job of ``kind`` when it has work due and none is queued or running."""
        if not self.holding:
            return
        try:
            with self.db.session() as session:
                if store.pending_of_kind(session, kind):
                    return
            now = utcnow()
            if not kinds.is_due(kind, self.db, self.settings, now):
                return
            with self.db.session() as session:
                job = store.enqueue(session, kind, {}, now=now)
            log.info("queued %s job %s", kind.value, job.id)
        except Exception:
            log.exception("could not look for due %s", kind.value)

    def dispatch(self) -> None:
        """Note ended workers, fail expired runs, start queued jobs on free workers."""
        if not self.holding:
            return
        try:
            with self._lock:
                self._collect()
                self._fail_expired()
                while len(self.workers) < self.config.workers and self._start_one():
                    pass
        except Exception:
            log.exception("could not dispatch jobs")

    def _collect(self) -> None:
        for job_id, process in list(self.workers.items()):
            if process.is_alive():
                continue
            process.join()
            del self.workers[job_id]
            if process.exitcode != 0:
                reason = death_reason(process.exitcode)
                with self.db.session() as session:
                    if store.fail_running(session, job_id, reason, now=utcnow()):
                        log.warning("job %s failed: %s", job_id, reason)

    def _fail_expired(self) -> None:
        now = utcnow()
        with self.db.session() as session:
            for job in store.expired(session, now=now):
                process = self.workers.get(job.id)
                if job.pid is None and process is not None and process.is_alive():
                    # Still starting (a fresh interpreter importing haechi on a busy machine):
                    # its own renewals begin once it has said so; until then, vouch for it.
                    store.renew(session, job.id, self.holder, now=now, lease=self.config.leases.job)
                    continue
                reason = (
                    "its worker stopped renewing the job's lease (the process died or hung); "
                    f"last renewed before {now:%Y-%m-%d %H:%M:%S} UTC"
                )
                store.fail_running(session, job.id, reason, now=now)
                log.warning("job %s failed: %s", job.id, reason)
                process = self.workers.pop(job.id, None)
                if process is not None:
                    process.kill()
                    process.join()

    def _start_one(self) -> bool:
        leases = self.config.leases
        with self.db.session() as session:
            job = store.claim_next(session, self.holder, now=utcnow(), lease=leases.job)
        if job is None:
            return False
        process = self._context.Process(
            target=work,
            args=(self.settings, job.id, self.holder, leases),
            name=f"haechi-job-{job.id}",
        )
        process.start()
        self.workers[job.id] = process
        log.info("job %s (%s) started in process %s", job.id, job.kind.value, process.pid)
        return True

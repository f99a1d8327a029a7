"""A worker process: runs one claimed job, renews its lease, records how it ended.

The runner starts one process per job (``spawn``: a fresh interpreter, never a fork of the
threaded server). The process renews the job's lease from a thread while the work runs; if it
dies, the lease stops being renewed and the runner (or the next server to start) marks the job
failed with the reason. Whatever the work raises is the job's error, never a lost job.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from haechi.errors import HaechiError
from haechi.jobs import store
from haechi.jobs.kinds import runner
from haechi.settings import Settings
from haechi.sources.records import error_text
from haechi.store.database import Database, open_database
from haechi.store.models import utcnow


@dataclass(frozen=True)
class Leases:
    """How long a job's lease lasts, how often it is renewed, how often progress is saved."""

    job: timedelta = timedelta(seconds=60)
    renew_every: float = 10.0
    progress_every: float = 1.0


class _Heartbeat(threading.Thread):
    """Renews the job's lease until stopped."""

    def __init__(self, db: Database, job_id: int, owner: str, leases: Leases) -> None:
        super().__init__(name=f"job-{job_id}-lease", daemon=True)
        self.db, self.job_id, self.owner, self.leases = db, job_id, owner, leases
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(self.leases.renew_every):
            with self.db.session() as session:
                store.renew(session, self.job_id, self.owner, now=utcnow(), lease=self.leases.job)


def work(settings: Settings, job_id: int, owner: str, leases: Leases) -> None:
    """Run job ``job_id`` claimed by ``owner``, in this process, and record its ending."""
    db = open_database(settings)
    try:
        with db.session() as session:
            if not store.started(session, job_id, owner, now=utcnow(), lease=leases.job):
                return  # no longer ours (failed by a reaper meanwhile): nothing to run
            job = store.get(session, job_id)
        heartbeat = _Heartbeat(db, job_id, owner, leases)
        heartbeat.start()
        last = 0.0
        latest: tuple[int, int | None, str] | None = None

        def report(done: int, total: int | None, text: str) -> None:
            nonlocal last, latest
            latest = (done, total, text)
            if time.monotonic() - last < leases.progress_every and (total is None or done < total):
                return
            latest = None
            last = time.monotonic()
            with db.session() as session:
                store.progress(session, job_id, owner, done, total, text)

        result, error = None, None
        try:
            outcome = runner(job.kind)(db, settings, job.args, report)
            result, error = outcome.result, outcome.error
        except HaechiError as exc:
            error = str(exc)
        except Exception as exc:  # the job's failure, recorded; the server goes on
            error = error_text(exc)
        finally:
            heartbeat.halt.set()
            heartbeat.join()
        with db.session() as session:
            if latest is not None:  # the last progress, held back by the throttle
                store.progress(session, job_id, owner, *latest)
            store.finish(session, job_id, owner, now=utcnow(), result=result, error=error)
    finally:
        db.close()
